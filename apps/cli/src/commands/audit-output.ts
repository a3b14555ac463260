/**
 * Where `audit export` writes: a file or stdout, as UTF-8 (optionally with a byte order mark, for Excel) or CP932 (what Japanese
 * Excel opens as "CSV") through the CLI's own encoders (text-encoding.ts, as `check` and `watch events` use). Lines are written
 * one by one with back-pressure: an export of years of history never sits in memory.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { encodingStream, type TextEncodingName } from '../text-encoding.js';

export interface LineWriter {
  line(text: string): Promise<void>;
  end(): Promise<void>;
}

export async function lineWriter(target: Writable | string, encoding: TextEncodingName, bom: boolean): Promise<LineWriter> {
  const file = typeof target === 'string' ? createWriteStream(target) : null;
  const sink = file ?? (target as Writable);
  const out = await encodingStream(encoding, bom, sink);
  return {
    async line(text) {
      if (!out.write(`${text}\n`)) await once(out, 'drain');
    },
    async end() {
      if (out !== sink) {
        out.end();
        await finished(out);
      }
      if (file !== null) {
        file.end();
        await finished(file);
      }
    },
  };
}
