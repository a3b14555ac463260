/**
 * One JSON Lines file per pass in a `file` sink directory, written to a temporary name and renamed: a reader polling the
 * directory never sees half a file. Named by the pass time and id so files sort in run order.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@jpki-validator/files';
import type { Writable } from 'node:stream';
import type { WatchEvent } from './types.js';

const WRITE_BYTES = 1 << 20;

export function eventsFileName(detectedAt: string, runId: string): string {
  return `watch-events-${detectedAt.replace(/[-:]/g, '')}-${runId}.jsonl`;
}

export async function writeEventsFile(dir: string, name: string, events: readonly WatchEvent[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFileAtomic(path, eventLineChunks(events));
  return path;
}

/** the lines joined into pieces of about WRITE_BYTES: one write per piece, not per event */
function* eventLineChunks(events: readonly WatchEvent[]): Generator<string> {
  let buffer = '';
  for (const e of events) {
    buffer += `${JSON.stringify(e)}\n`;
    if (buffer.length >= WRITE_BYTES) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length) yield buffer;
}

/** the same lines to a stream (`watch run --output -`), waiting when it is full */
export async function writeEventLines(out: Writable, events: readonly WatchEvent[]): Promise<void> {
  for (const e of events) {
    if (!out.write(`${JSON.stringify(e)}\n`)) await new Promise<void>((resolve) => out.once('drain', resolve));
  }
}
