/**
 * The progress bar (cli-progress) on stderr, only when stderr is a terminal: a piped or redirected stderr gets nothing but the
 * summary. Progress is measured in input bytes when the size is known (a file: percentage and ETA), else in rows.
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';

export interface Progress {
  update(rows: number, bytes: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update: () => undefined, stop: () => undefined };

export function createProgress(stderr: Writable & { isTTY?: boolean }, totalBytes: number | null): Progress {
  if (stderr.isTTY !== true) return NO_PROGRESS;
  const startedMs = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: stderr,
      format:
        totalBytes === null
          ? 'check | {rows} rows | {rate} rows/s'
          : 'check [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
      etaBuffer: 50,
      fps: 5,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalBytes ?? 0, 0, { rows: 0, rate: 0 });
  return {
    update(rows, bytes) {
      const seconds = (Date.now() - startedMs) / 1000;
      bar.update(totalBytes === null ? rows : bytes, { rows, rate: seconds > 0 ? Math.round(rows / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}
