/**
 * Where `audit export` writes: a file or stdout, as UTF-8 (optionally with a byte order mark, for Excel) or CP932 (Windows'
 * Shift_JIS, what Japanese Excel opens as "CSV"), encoded with iconv-lite as the rest of the CLI's CP932 output is. Lines are
 * written one by one with back-pressure: an export of years of history never sits in memory.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';

export type ExportEncoding = 'utf-8' | 'cp932';

/** `--encoding`: utf-8 (default) or cp932 (also: shift_jis, sjis, windows-31j, ms932) */
export function exportEncoding(text: string | undefined): ExportEncoding {
  if (text === undefined) return 'utf-8';
  const t = text.toLowerCase();
  if (t === 'utf-8' || t === 'utf8') return 'utf-8';
  if (['cp932', 'shift_jis', 'shift-jis', 'sjis', 'windows-31j', 'ms932'].includes(t)) return 'cp932';
  throw new UsageError(`--encoding ${JSON.stringify(text)}: use utf-8 or cp932 (Shift_JIS)`);
}

export interface LineWriter {
  line(text: string): Promise<void>;
  end(): Promise<void>;
}

export async function lineWriter(target: Writable | string, encoding: ExportEncoding, bom: boolean): Promise<LineWriter> {
  if (encoding === 'cp932' && bom) throw new UsageError('--bom is a UTF-8 byte order mark: it does not go with --encoding cp932');
  const out: Writable = typeof target === 'string' ? createWriteStream(target) : target;
  const iconv = encoding === 'cp932' ? (await import('iconv-lite')).default : null;
  const encode = (text: string): Buffer => (iconv === null ? Buffer.from(text, 'utf8') : iconv.encode(text, 'cp932'));
  let first = bom;
  const owned = typeof target === 'string';
  return {
    async line(text) {
      const bytes = encode(`${first ? '\uFEFF' : ''}${text}\n`);
      first = false;
      if (!out.write(bytes)) await once(out, 'drain');
    },
    async end() {
      if (first) out.write(encode('\uFEFF'));
      if (owned) {
        out.end();
        await once(out, 'finish');
      }
    },
  };
}
