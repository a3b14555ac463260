import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** default `info` */
  level?: string;
  /** default stdout; the CLI's `fetch --once` logs to stderr so stdout stays data */
  destination?: DestinationStream | NodeJS.WritableStream;
}

/** pino JSON logs (one object per line), named for the service. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({ name: 'crl-fetcher', level: options.level ?? 'info' }, (options.destination ?? process.stdout) as DestinationStream);
}

/** The logger of one CRL scope's run: every line carries the CA, the partition and (from the queue) the job id. */
export function runLogger(logger: Logger, caId: string, partition: string, jobId?: string): Logger {
  return logger.child(jobId === undefined ? { caId, partition } : { caId, partition, jobId });
}
