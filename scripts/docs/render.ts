/** Every generated docs file: its path in the repository, the marker name of its generated part, and how it is rendered. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openApiDocument } from '@jpki-validator/validator';
import { renderApi } from './api-md.ts';
import { renderCli } from './cli-md.ts';
import { renderConfig } from './config-md.ts';
import { renderMetrics } from './metrics-md.ts';

const run = promisify(execFile);

export interface GeneratedDoc {
  file: string;
  name: string;
  render(): Promise<string>;
}

/** what the built binary prints for argv; a non-zero exit is an error (every --help exits 0) */
export const binaryHelp =
  (bin: string) =>
  async (argv: readonly string[]): Promise<string> =>
    (await run(process.execPath, [bin, ...argv], { env: { ...process.env, NO_COLOR: '1' } })).stdout;

export function generatedDocs(bin: string): GeneratedDoc[] {
  return [
    { file: 'docs/api.md', name: 'api', render: async () => renderApi(await openApiDocument()) },
    { file: 'docs/cli.md', name: 'cli', render: () => renderCli(binaryHelp(bin)) },
    { file: 'docs/config.md', name: 'config', render: async () => renderConfig() },
    { file: 'docs/metrics.md', name: 'metrics', render: renderMetrics },
  ];
}
