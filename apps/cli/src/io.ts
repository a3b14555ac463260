import type { Readable, Writable } from 'node:stream';

/** What a command may touch of the process: passed in so tests can run commands in process too. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  /** one line for `--help` */
  summary: string;
  /** returns the exit code */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Writes a line of JSON to a stream, waiting when the stream is full. */
export async function writeJsonLine(out: Writable, value: unknown): Promise<void> {
  if (!out.write(`${JSON.stringify(value)}\n`)) await new Promise<void>((resolve) => out.once('drain', resolve));
}
