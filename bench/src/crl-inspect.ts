// Benchmark (issue 13 #9): `jpki-validator crl inspect FILE --ca CERT` against `openssl crl -noout` on CRLs that OpenSSL itself
// made (`openssl ca -gencrl`), 1 M and 5 M entries. Every run is a whole process, start-up included (the binary run directly,
// not through npx), the two subjects interleaved run by run so load from elsewhere hits both alike; medians. One untimed run of
// ours first warms Node's compile cache, the state a CLI is in from its second run on. Targets: ≥ 10× at 1 M, ≥ 20× at 5 M.
// Writes its table into RESULTS.md between the crl-inspect markers. Never run by `npm test`; after `npm run build`, from bench/:
//   node dist/crl-inspect.js [--sizes 1000000,5000000] [--runs 5] [--results RESULTS.md]
// The CRLs are made once into out/openssl-ca/ (5 M entries: a few minutes of `openssl ca` and ~2 GB of its memory).
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { describeMachine } from './lib/machine.js';
import { measure, median, type Measurement } from './lib/measure.js';
import { writeResultsSection } from './lib/results-md.js';

const TARGETS: Readonly<Record<number, number>> = { 1000000: 10, 5000000: 20 };
const REASONS = ['keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold'];

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const caDir = resolve(benchDir, 'out/openssl-ca');
const bin = relative(benchDir, fileURLToPath(new URL('../../apps/cli/bin/jpki-validator.js', import.meta.url)));
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,5000000' },
    runs: { type: 'string', default: '5' },
    results: { type: 'string', default: 'RESULTS.md' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !Number.isInteger(runs) || runs < 1)
  throw new Error(`bad --sizes ${values.sizes} or --runs ${values.runs}`);

interface Row {
  entries: number;
  bytes: number;
  ours: Measurement[];
  openssl: Measurement[];
}

const machine = describeMachine();
await ensureCa();
const rows: Row[] = [];
for (const entries of sizes) {
  const crl = await ensureCrl(entries);
  const crlArg = relative(benchDir, crl);
  const caArg = relative(benchDir, resolve(caDir, 'ca.pem'));
  const ours = [process.execPath, [bin, 'crl', 'inspect', crlArg, '--ca', caArg]] as const;
  const openssl = ['openssl', ['crl', '-inform', 'DER', '-noout', '-in', crlArg]] as const;
  log(`${entries}: warm-up run of ours`);
  check(await measure(...ours, benchDir), entries);
  const row: Row = { entries, bytes: 0, ours: [], openssl: [] };
  for (let i = 0; i < runs; i++) {
    log(`${entries}: run ${i + 1}/${runs}`);
    const m = await measure(...ours, benchDir);
    row.bytes = check(m, entries);
    row.ours.push(m);
    row.openssl.push(await measure(...openssl, benchDir));
  }
  rows.push(row);
}
const command = `node dist/crl-inspect.js ${process.argv.slice(2).join(' ')}`.trim();
await writeResultsSection(resolve(benchDir, values.results), '<!-- crl-inspect:start -->', '<!-- crl-inspect:end -->', render());
log(`table written to ${values.results}`);

/** the summary line of `crl inspect`: every entry counted, the signature checked */
function check(m: Measurement, entries: number): number {
  const summary = JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as { entries?: number; signature?: string; bytes?: number };
  if (summary.entries !== entries || summary.signature !== 'valid')
    throw new Error(`crl inspect reported entries=${summary.entries} signature=${summary.signature}, expected ${entries} and valid`);
  return summary.bytes ?? 0;
}

/** a CA that OpenSSL signs CRLs with: RSA 2048, keyCertSign and cRLSign */
async function ensureCa(): Promise<void> {
  await mkdir(caDir, { recursive: true });
  if (existsSync(resolve(caDir, 'ca.pem'))) return;
  await run(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650'],
      ...['-subj', '/C=JP/O=jpki-validator bench/CN=OpenSSL CRL bench CA'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      ...['-addext', 'subjectKeyIdentifier=hash'],
    ],
    { cwd: caDir },
  );
  await writeFile(
    resolve(caDir, 'openssl.cnf'),
    [
      '[ ca ]',
      'default_ca = bench',
      '[ bench ]',
      'database = index.txt',
      'crlnumber = crlnumber',
      'default_md = sha256',
      'default_crl_days = 30',
      'crl_extensions = crl_ext',
      '[ crl_ext ]',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );
}

/** `openssl ca -gencrl` over an index of `entries` revoked serials, as DER; made once per size */
async function ensureCrl(entries: number): Promise<string> {
  const der = resolve(caDir, `crl-${entries}.der`);
  if (existsSync(der)) return der;
  log(`${entries}: writing the CA index and running openssl ca -gencrl (once)`);
  const index = createWriteStream(resolve(caDir, 'index.txt'));
  let chunk = '';
  for (let i = 0; i < entries; i++) {
    const serial = (0x10000000 + i).toString(16).toUpperCase();
    chunk += `R\t301231235959Z\t250101000000Z,${REASONS[i % REASONS.length]}\t${serial}\tunknown\t/CN=holder ${i}\n`;
    if (chunk.length > 1 << 20) {
      if (!index.write(chunk)) await once(index, 'drain');
      chunk = '';
    }
  }
  index.end(chunk);
  await once(index, 'finish');
  await writeFile(resolve(caDir, 'index.txt.attr'), 'unique_subject = no\n');
  await writeFile(resolve(caDir, 'crlnumber'), '01\n');
  const pem = resolve(caDir, `crl-${entries}.pem`);
  const options = { cwd: caDir, maxBuffer: 16 * 1024 * 1024 };
  await run('openssl', ['ca', '-gencrl', '-config', 'openssl.cnf', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-out', pem], options);
  await run('openssl', ['crl', '-in', pem, '-outform', 'DER', '-out', der], options);
  await rm(pem);
  return der;
}

function render(): string {
  const seconds = (ms: readonly Measurement[]): number => median(ms.map((m) => m.wallSeconds));
  const rss = (ms: readonly Measurement[]): string => {
    const kib = ms.map((m) => m.maxRssKib).filter((k): k is number => k !== null);
    return kib.length ? String(Math.round(Math.max(...kib) / 1024)) : '—';
  };
  const lines = [
    `### crl inspect --ca vs openssl crl -noout, process start included (${machine.date}, ${machine.nproc} CPU ${machine.cpuModel}, ${machine.node}, ${machine.openssl}, 1-min load ${machine.loadAtStart.toFixed(2)})`,
    '',
    `\`cd bench && ${command}\` — CRLs made by \`openssl ca -gencrl\` (RSA 2048, SHA-256), medians of ${runs} runs, interleaved.`,
    '',
    '| entries | CRL MB | ours s | openssl s | openssl ÷ ours | target | peak RSS MB ours / openssl |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ratio = seconds(r.openssl) / seconds(r.ours);
    const target = TARGETS[r.entries];
    const verdict = target === undefined ? '—' : `≥ ${target}× ${ratio >= target ? 'met' : 'not met'}`;
    lines.push(
      `| ${r.entries.toLocaleString('en')} | ${(r.bytes / 1e6).toFixed(1)} | ${seconds(r.ours).toFixed(3)} | ${seconds(r.openssl).toFixed(3)} | **${ratio.toFixed(1)}×** | ${verdict} | ${rss(r.ours)} / ${rss(r.openssl)} |`,
    );
  }
  lines.push('', `Commands (from bench/): \`${rows[0]?.ours[0]?.commandLine ?? ''}\` · \`${rows[0]?.openssl[0]?.commandLine ?? ''}\``, '');
  return `${lines.join('\n')}\n`;
}

function log(message: string): void {
  process.stderr.write(`crl-inspect: ${message}\n`);
}
