/**
 * `check --api URL` against a running validator (`jpki-validator start --config …` on the simulator's CRLs, embedded store):
 * the batch goes through `POST /v1/status/batch` as NDJSON and the answers equal the simulator's `status()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, buildCli, createCheckFixture, hex, plainCsv, runCli, type CheckFixture } from './check-fixture.js';

let fx: CheckFixture;
let validator: ChildProcess;
let url: string;

beforeAll(async () => {
  await buildCli();
  fx = await createCheckFixture();
  const config = {
    dataDir: join(fx.dir, 'data'),
    issuers: [
      { id: 'jpki-sign-2015', group: 'jpki-sign', caCert: fx.ca2015, crls: [fx.crl2015], mode: 'crl-only' },
      { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: fx.ca2023, crls: [fx.crl2023], mode: 'crl-only' },
    ],
  };
  const configFile = join(fx.dir, 'config.json');
  await writeFile(configFile, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  delete env.REDIS_URL;
  delete env.JPKI_VALIDATOR_CONFIG;
  validator = spawn(process.execPath, [binary, 'start', '--config', configFile], { cwd: fx.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    validator.stderr?.on('data', (b: Buffer) => {
      seen += b.toString('utf8');
      const m = /validator on (http:\/\/\S+)/.exec(seen);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    validator.once('exit', (code) => reject(new Error(`validator exited ${code}: ${seen}`)));
  });
});

afterAll(async () => {
  if (validator.exitCode === null) {
    validator.kill('SIGTERM');
    await once(validator, 'exit');
  }
  await fx.close();
});

describe('check --api', () => {
  it('answers every serial through the NDJSON batch endpoint exactly as the simulator does', async () => {
    const rows: Array<[string, string]> = [];
    for (let i = 0; i < fx.population; i++) rows.push(['jpki-sign-2015', hex(fx.base2015 + i)], ['jpki-sign-2023', hex(fx.base2023 + i)]);
    const input = `serial,id\n${rows.map(([, s], i) => `${s},row${i}`).join('\n')}\nnot-a-serial,bad\n`;
    const run = await runCli(['check', '--api', url, '--issuer', 'jpki-sign', '--batch-rows', '1000'], { cwd: fx.dir, stdin: input });
    expect(run.stderr).toContain(`check: ${rows.length + 1} rows`);
    expect(run.code).toBe(0);
    const out = plainCsv(run.stdout);
    rows.forEach(([ca, serial], i) => {
      const expected = fx.sim.status(ca, serial);
      expect([out[i]?.id, out[i]?.status, out[i]?.reason || null]).toEqual([`row${i}`, expected.status, expected.reason]);
      expect(out[i]?.crlNumber).toMatch(/^\d+$/);
    });
    expect(out[rows.length]).toMatchObject({ id: 'bad', status: 'unknown', detail: 'malformed_serial' });
    expect(run.stderr).toMatch(/CRL jpki-sign-20(15|23): number \d+/);
  });

  it('exits 3 when the validator cannot be reached', async () => {
    const run = await runCli(['check', '--api', 'http://127.0.0.1:1'], { cwd: fx.dir, stdin: 'serial,issuer\n1,jpki-sign\n' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('unavailable');
  });
});
