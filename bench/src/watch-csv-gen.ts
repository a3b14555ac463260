// Writes a watch-list CSV of the benchmark's shape (lib/watch-shape.ts): `customerId,issuer,serial,notAfter`, one signature
// certificate per customer (~40 bytes a row: 10 M rows ≈ 400 MB), streamed. `--changed` writes the re-import variant: 1 % of
// the customers (every 100th) with a reissued certificate. `--auth-every N` adds an authentication-certificate row for every Nth
// customer (a customer on two rows, as the contract allows).
// After `npx turbo run build`, from bench/:
//   node dist/watch-csv-gen.js --rows 10000000 --out out/watch-10m.csv [--changed] [--auth-every 0]
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { GROUP, isChanged, isExpired, reissuedSerial, watchedSerial } from './lib/watch-shape.js';

export async function writeWatchCsv(out: string, rows: number, options: { changed?: boolean; authEvery?: number } = {}): Promise<number> {
  await mkdir(dirname(out), { recursive: true });
  const file = createWriteStream(out);
  let buffer = 'customerId,issuer,serial,notAfter\n';
  let bytes = 0;
  const authEvery = options.authEvery ?? 0;
  for (let i = 0; i < rows; i++) {
    const id = `C-${String(i).padStart(8, '0')}`;
    const serial = options.changed && isChanged(i) ? reissuedSerial(i) : watchedSerial(i);
    buffer += `${id},${GROUP},${serial.toString(16).toUpperCase()},${isExpired(i) ? '2020-03-31' : '2031-03-31'}\n`;
    if (authEvery > 0 && i % authEvery === 0)
      buffer += `${id},jpki-auth,${(watchedSerial(i) ^ 0x1).toString(16).toUpperCase()},2031-03-31\n`;
    if (buffer.length > 1 << 20) {
      bytes += buffer.length;
      if (!file.write(buffer)) await new Promise<void>((r) => file.once('drain', () => r()));
      buffer = '';
    }
  }
  bytes += buffer.length;
  file.end(buffer);
  await finished(file);
  return bytes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '10000000' },
      out: { type: 'string' },
      changed: { type: 'boolean', default: false },
      'auth-every': { type: 'string', default: '0' },
    },
  });
  if (values.out === undefined) throw new Error('--out FILE is required');
  const bytes = await writeWatchCsv(values.out, Number(values.rows), { changed: values.changed, authEvery: Number(values['auth-every']) });
  console.error(`${values.out}: ${values.rows} customers, ${bytes} bytes`);
}
