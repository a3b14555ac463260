import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFileChunks, scanCrl, scanCrlBuffer, scanCrlFile, type CrlEntryView } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/crl/', import.meta.url));
const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data/crls';

/** Every entry as text, read inside the callback as the reused view requires. */
function collector(): { lines: string[]; onEntry: (e: CrlEntryView) => void } {
  const lines: string[] = [];
  return {
    lines,
    onEntry: (e) =>
      lines.push(
        `${Buffer.from(e.buf.subarray(e.serialStart, e.serialEnd)).toString('hex')} ${e.revocationDate} ${e.reason} ${e.invalidityDate}`,
      ),
  };
}

describe('scanning a file through reused buffers', () => {
  it.each([
    ['openssl DER', join(fixtures, 'fixture-ca.crl')],
    ['openssl PEM', join(fixtures, 'fixture-ca.crl.pem')],
    ['PKITS with long serials', join(PKITS, 'LongSerialNumberCACRL.crl')],
    ['PKITS delta', join(PKITS, 'deltaCRLCA1deltaCRL.crl')],
  ])('%s: every chunk size gives what the whole buffer gives', async (_what, path) => {
    const whole = collector();
    const expected = scanCrlBuffer(readFileSync(path), { onEntry: whole.onEntry });
    for (const chunkBytes of [1, 7, 64, 4096, 1 << 20]) {
      const streamed = collector();
      const result = await scanCrl(readFileChunks(path, chunkBytes), { onEntry: streamed.onEntry });
      expect(streamed.lines).toEqual(whole.lines);
      expect({ ...result, signatureValue: null }).toEqual({ ...expected, signatureValue: null });
      expect(Buffer.from(result.signatureValue).equals(Buffer.from(expected.signatureValue))).toBe(true);
    }
    const viaFile = await scanCrlFile(path);
    expect(viaFile.entryCount).toBe(expected.entryCount);
  });

  it('hands out each chunk intact while the next read fills the other buffer, and stops cleanly when the consumer does', async () => {
    const path = join(fixtures, 'fixture-ca.crl');
    const bytes = readFileSync(path);
    const seen: Buffer[] = [];
    for await (const chunk of readFileChunks(path, 16)) {
      // the read-ahead has been issued by now; let it land before looking at this chunk
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(Buffer.from(chunk));
    }
    expect(Buffer.concat(seen).equals(bytes)).toBe(true);
    const first: Buffer[] = [];
    for await (const chunk of readFileChunks(path, 16)) {
      first.push(Buffer.from(chunk));
      break;
    }
    expect(first[0]?.equals(bytes.subarray(0, 16))).toBe(true);
  });

  it('names the file when it cannot be opened', async () => {
    await expect(scanCrlFile(join(fixtures, 'no-such.crl'))).rejects.toThrow(/no-such\.crl/);
  });
});
