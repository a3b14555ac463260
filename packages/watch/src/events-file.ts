/**
 * A `file` sink: one JSON Lines file per pass in the sink's directory, named by the pass time and id so files sort in run order.
 * Delivered in two steps the pass records between (delivery.ts): the events are written to `.<name>.staged` (a dot file:
 * a reader polling for `*.jsonl` never sees it) and synced; then the staged file is renamed to `<name>` — atomic, so a reader
 * sees no file or the whole file, and a rename that already happened cannot happen twice: a resumed delivery that finds no
 * staged file knows the file was published (and maybe consumed since), and does not write it again.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { syncDirectory } from './embedded/file-backend.js';

const WRITE_BYTES = 1 << 20;

export function eventsFileName(detectedAt: string, runId: string): string {
  return `watch-events-${detectedAt.replace(/[-:]/g, '')}-${runId}.jsonl`;
}

export function stagedName(name: string): string {
  return `.${name}.staged`;
}

/** writes (or rewrites) the staged file from event JSON texts, synced before it returns */
export async function stageEventsFile(dir: string, name: string, eventJson: AsyncIterable<string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const handle = await open(join(dir, stagedName(name)), 'w');
  try {
    let buffer = '';
    for await (const e of eventJson) {
      buffer += `${e}\n`;
      if (buffer.length >= WRITE_BYTES) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    if (buffer.length) await handle.write(buffer);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** renames the staged file into place; false when there is none (published before) */
export async function publishEventsFile(dir: string, name: string): Promise<boolean> {
  try {
    await rename(join(dir, stagedName(name)), join(dir, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  await syncDirectory(dir);
  return true;
}

/** event JSON texts to a stream (`watch run --output`), waiting when it is full */
export async function writeEventLines(out: Writable, eventJson: AsyncIterable<string>): Promise<number> {
  let n = 0;
  for await (const e of eventJson) {
    n++;
    if (!out.write(`${e}\n`)) await new Promise<void>((resolve) => out.once('drain', resolve));
  }
  return n;
}
