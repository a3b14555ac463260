/**
 * Append-only JSON Lines files with fsync: the embedded watch list (last line per customer wins) and the event log. An append is
 * durable before the call returns; a torn last line (a crash mid-write) is skipped on reading.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export async function appendLines(path: string, lines: readonly string[]): Promise<number> {
  if (lines.length === 0) return sizeOf(path);
  const handle = await open(path, 'a');
  try {
    await handle.write(`${lines.join('\n')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return sizeOf(path);
}

export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

/** every complete line (a missing file has none) */
export async function* readLines(path: string): AsyncGenerator<string> {
  if ((await sizeOf(path)) === 0) return;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0 && line.endsWith('}')) yield line;
}
