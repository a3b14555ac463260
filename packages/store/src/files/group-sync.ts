/**
 * fsync in groups, off the commit path. A national load switches 1,741 partitions; an fsync per switch (8 ms on a busy virtual
 * disk) made the fsyncs most of its cost. Files are written and renamed into place at once (readers see them whole), marked
 * dirty here, and fsynced — with their directories — by a timer at most `intervalMs` later, and on flush(). What a crash can
 * lose is the last interval's switches, each whole: the partition comes back at its previous CRL, as if that switch had not
 * happened yet (and the fetcher loads it again).
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

export class GroupSync {
  private readonly intervalMs: number;
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly onError: (error: unknown) => void;

  constructor(options: { intervalMs?: number; onError?: (error: unknown) => void } = {}) {
    this.intervalMs = options.intervalMs ?? 200;
    this.onError = options.onError ?? (() => undefined);
  }

  /** `path` was written and renamed into place: fsync it and its directory soon */
  mark(path: string): void {
    this.dirty.add(path);
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch(this.onError);
    }, this.intervalMs);
    this.timer.unref();
  }

  /** fsyncs everything marked so far (files, then their directories); resolves when it is on disk */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.running !== null) await this.running;
    if (this.dirty.size === 0) return;
    const paths = [...this.dirty];
    this.dirty.clear();
    this.running = (async () => {
      const dirs = new Set<string>();
      for (const path of paths) {
        await syncPath(path, 'r');
        dirs.add(dirname(path));
      }
      for (const dir of dirs) await syncPath(dir, 'r');
    })().finally(() => {
      this.running = null;
    });
    await this.running;
  }
}

async function syncPath(path: string, flags: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, flags);
  } catch (e) {
    // replaced meanwhile: the newer file was marked too
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
