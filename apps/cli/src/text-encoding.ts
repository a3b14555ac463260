/**
 * Text encodings the CLI reads and writes besides UTF-8: CP932 (Windows' Shift_JIS, what Japanese Excel saves as "CSV") and a
 * UTF-8 byte order mark (what Excel needs to open UTF-8 CSV as UTF-8). Reading CP932 uses Node's own WHATWG `shift_jis` decoder
 * (which is CP932: NEC and IBM extensions included; iconv-lite's where a small-ICU Node has none); writing it uses iconv-lite, as
 * Node has no encoder for it. The bulk paths
 * stay in UTF-8: input is decoded before the reader, output encoded after the writer, each as a stream.
 */
import { Transform, type Writable } from 'node:stream';
import { UsageError } from './errors.js';

export type TextEncodingName = 'utf-8' | 'cp932';

/** `--encoding`: utf-8 (default) or cp932 (also accepted: shift_jis, sjis, windows-31j, ms932) */
export function encodingOption(text: string | undefined): TextEncodingName {
  if (text === undefined) return 'utf-8';
  const t = text.toLowerCase();
  if (t === 'utf-8' || t === 'utf8') return 'utf-8';
  if (['cp932', 'shift_jis', 'shift-jis', 'sjis', 'windows-31j', 'ms932'].includes(t)) return 'cp932';
  throw new UsageError(`--encoding ${JSON.stringify(text)}: use utf-8 or cp932 (Shift_JIS)`);
}

/** A streaming CP932 decoder: Node's own (full-ICU builds, as the official Node 22 and 24 are), else iconv-lite's. */
async function cp932Decoder(): Promise<{ write(chunk: Buffer): string; end(): string }> {
  try {
    const decoder = new TextDecoder('shift_jis');
    return { write: (chunk) => decoder.decode(chunk, { stream: true }), end: () => decoder.decode() };
  } catch {
    // a small-ICU build of Node has no shift_jis decoder
    const decoder = (await import('iconv-lite')).default.getDecoder('cp932');
    return { write: (chunk) => decoder.write(chunk), end: () => decoder.end() ?? '' };
  }
}

/** CP932 bytes in, UTF-8 bytes out (a character split between chunks is completed by the next). */
export async function decodingStream(encoding: TextEncodingName): Promise<Transform | null> {
  if (encoding === 'utf-8') return null;
  const decoder = await cp932Decoder();
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, Buffer.from(decoder.write(chunk), 'utf8'));
    },
    flush(done) {
      const rest = decoder.end();
      done(null, rest.length > 0 ? Buffer.from(rest, 'utf8') : undefined);
    },
  });
}

/**
 * UTF-8 in, `encoding` out, into `sink`; a UTF-8 BOM first with `bom`. Characters CP932 cannot hold come out as `?` (iconv-lite's
 * replacement): the summary never hides it, as `check` only adds ASCII and Japanese labels, which CP932 holds.
 */
export async function encodingStream(encoding: TextEncodingName, bom: boolean, sink: Writable): Promise<Writable> {
  if (encoding === 'utf-8' && !bom) return sink;
  if (encoding === 'cp932' && bom) throw new UsageError('--bom is a UTF-8 byte order mark: it does not go with --encoding cp932');
  const iconv = encoding === 'cp932' ? (await import('iconv-lite')).default : null;
  const decoder = new TextDecoder('utf-8');
  let first = true;
  const out = new Transform({
    transform(chunk: Buffer | string, _enc, done) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      const head = first && bom ? '\uFEFF' : '';
      first = false;
      done(null, iconv ? iconv.encode(head + text, 'cp932') : Buffer.from(head + text, 'utf8'));
    },
    flush(done) {
      const rest = decoder.decode();
      const head = first && bom ? '\uFEFF' : '';
      first = false;
      const text = head + rest;
      done(null, text.length === 0 ? undefined : iconv ? iconv.encode(text, 'cp932') : Buffer.from(text, 'utf8'));
    },
  });
  out.pipe(sink, { end: false });
  return out;
}

/**
 * RFC 3339 in a time zone (`--tz Asia/Tokyo`: `2026-10-01T12:00:00+09:00`); the default, UTC, keeps the contract's `Z` form.
 */
export function zonedTimeFormatter(timeZone: string): (ms: number) => string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
  } catch {
    throw new UsageError(`--tz ${JSON.stringify(timeZone)} is not a time zone (e.g. Asia/Tokyo, UTC)`);
  }
  return (ms) => {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(ms)) parts[p.type] = p.value;
    const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '');
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset === '' || offset === '+00:00' ? 'Z' : offset}`;
  };
}
