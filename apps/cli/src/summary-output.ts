import { resolve } from 'node:path';
import { writeFileAtomic } from '@jpki-validator/files';
import type { CliIo } from './io.js';

/** the flags of a command that ends with a summary (`check`, `watch run`) */
export const SUMMARY_OPTIONS = { json: { type: 'boolean' }, 'summary-file': { type: 'string' } } as const;

export const SUMMARY_USAGE = `  --json                the end-of-run summary as one JSON line on stderr instead of text
  --summary-file FILE   the summary as JSON written to FILE too`;

export interface SummaryChoice {
  json: boolean;
  file: string | undefined;
}

/** The end-of-run summary: text on stderr, or one JSON line with --json; with --summary-file the JSON also goes to that file. */
export async function writeSummary(io: CliIo, choice: SummaryChoice, text: string, json: unknown): Promise<void> {
  const line = `${JSON.stringify(json)}\n`;
  io.stderr.write(choice.json ? line : text);
  if (choice.file !== undefined) await writeFileAtomic(resolve(io.cwd, choice.file), line);
}
