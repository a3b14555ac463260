/**
 * `jpki-validator start` end to end, as `npm start` runs it: the built binary with no config and PORT=0 starts the simulator,
 * loads its CRLs, serves the validator and prints three curl commands; their URLs answer good, revoked (affiliationChanged) and
 * an OCSP answer; SIGTERM shuts it down cleanly.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/jpki-validator.js', import.meta.url));

describe('jpki-validator start (demo)', () => {
  it('prints three curl commands (stderr) whose URLs answer good, revoked and via OCSP, logs JSON lines only (stdout), and stops on SIGTERM', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'jv-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'info' };
    delete env.REDIS_URL;
    delete env.JPKI_VALIDATOR_CONFIG;
    const child = spawn(process.execPath, [BIN, 'start'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let logs = '';
      child.stdout.on('data', (chunk: Buffer) => {
        logs += chunk.toString();
      });
      const urls = await new Promise<string[]>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = out.match(/http:\/\/127\.0\.0\.1:\d+\/v1\/status\/\S+/g);
          if (found && found.length === 3) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`start exited ${code} before printing the commands: ${out}`)));
      });
      const answers = await Promise.all(urls.map(async (u) => (await (await fetch(u)).json()) as Record<string, unknown>));
      expect(answers[0]).toMatchObject({ status: 'good', source: 'crl' });
      expect(answers[1]).toMatchObject({ status: 'revoked', reason: 'affiliationChanged', meaning: 'death_or_emigration' });
      expect(answers[2]).toMatchObject({ status: 'good', source: 'ocsp' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // stdout is not a terminal here: every line is a JSON log line, the banner is not among them
      const lines = logs.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      expect(logs).not.toContain('curl');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
