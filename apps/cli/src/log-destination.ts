import type { DestinationStream } from 'pino';
import type { CliIo } from './io.js';

/**
 * Where a long-running command's logs go: stdout, as human lines when it is a terminal (pino-pretty, loaded only then) and as
 * JSON lines otherwise, for a collector. Banners and progress go to stderr, so a file or pipe of stdout holds JSON only.
 */
export async function logDestination(io: CliIo): Promise<DestinationStream> {
  if (io.stdout.isTTY !== true) return io.stdout as unknown as DestinationStream;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: io.stdout,
    sync: true,
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
  });
}
