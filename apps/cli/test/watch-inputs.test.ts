/**
 * `watch import` and `watch run` with bad or missing input, through the real binary (embedded store): never a silent "0 revoked"
 * — unknown issuers and a missing config are errors (exit 2 naming the line), a pass with nothing to check exits 3 — and broken
 * CSV gets a short message naming file, line and field.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, type CliResult } from './run-cli.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';

const { REDIS_URL: _redis, JPKI_VALIDATOR_CONFIG: _config, JPKI_VALIDATOR_DATA_DIR: _data, ...ENV } = process.env;
let sim: SimFixture;
let config: string;
let n = 0;

/** a fresh data directory per case; `withConfig` false runs without any config */
function runIn(args: readonly string[], options: { withConfig?: boolean; data?: string } = {}): Promise<CliResult> {
  const data = options.data ?? join(sim.dir, `data-${n++}`);
  const env = { ...ENV, JPKI_VALIDATOR_DATA_DIR: data };
  return cli(options.withConfig === false ? args : [...args, '--config', config], { env, cwd: sim.dir });
}

function csv(name: string, text: string): string {
  const path = join(sim.dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  await ensureBuilt();
  sim = await createSimFixture();
  config = join(sim.dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      issuers: [
        { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.signCa, crls: [{ name: 'full', source: sim.signCrl }], refresh: '1h' },
        { id: 'jpki-auth-2023', group: 'jpki-auth', caCert: sim.authCa, crls: [{ name: 'full', source: sim.signCrl }], refresh: '1h' },
      ],
    }),
  );
  mkdirSync(join(sim.dir, 'events'), { recursive: true });
}, 180_000);
afterAll(async () => {
  await sim.cleanup();
});

describe('watch import', () => {
  it('without a config every issuer is unknown: exit 2 naming the line, nothing imported', async () => {
    const list = csv('no-config.csv', `customerId,issuer,serial\nC-1,jpki-sign,${sim.revokedLeafSerial}\n`);
    const data = join(sim.dir, 'no-config-data');
    const run = await runIn(['watch', 'import', list], { withConfig: false, data });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no-config\.csv: line 2, field issuer: issuer "jpki-sign" is not configured/);
    const pass = await runIn(['watch', 'run'], { withConfig: false, data });
    expect(pass.code).toBe(3);
    expect(pass.stderr).toMatch(/watch list is empty/);
  });

  it('an issuer the config does not know is exit 2 naming line and field', async () => {
    const list = csv('unknown.csv', 'customerId,issuer,serial\nC-1,jpki-sign,10\nC-2,jpki-sign-2099,11\n');
    const run = await runIn(['watch', 'import', list]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown\.csv: line 3, field issuer: issuer "jpki-sign-2099" is neither a configured CA id nor a group/);
  });

  it('a 0-byte file is exit 2: no header', async () => {
    const run = await runIn(['watch', 'import', csv('empty.csv', '')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/empty\.csv: line 1, field header: no header/);
  });

  it('an unbalanced quote is a short message naming file, line and field', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `C-${i},jpki-sign,${(i + 1).toString(16)}`).join('\n');
    const run = await runIn([
      'watch',
      'import',
      csv('quote.csv', `customerId,issuer,serial\nC-0,jpki-sign,1\nC-x,"jpki-sign,2\n${rows}\n`),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.length).toBeLessThan(400);
    expect(run.stderr).toMatch(/quote\.csv: line 3, field issuer: a quoted field is not closed/);
  });

  it('a customer with a signature and an authentication certificate is two rows; two signature rows is exit 2 naming both lines', async () => {
    const data = join(sim.dir, 'two-kinds');
    const both = csv('both.csv', 'customerId,issuer,serial\nC-1,jpki-sign,10\nC-1,jpki-auth,11\n');
    const ok = await runIn(['watch', 'import', both], { data });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/2 added.*holds 2 certificates \(1 signature, 1 authentication, 0 other\)/);
    expect(ok.stderr).not.toMatch(/warning/);
    const clash = csv('clash.csv', 'customerId,issuer,serial\nC-1,jpki-sign,10\nC-2,jpki-sign,20\nC-1,jpki-sign-2023,12\n');
    const run = await runIn(['watch', 'import', clash], { data });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/clash\.csv: line 4, field customerId: customer "C-1" already has a jpki-sign certificate on line 2/);
  });

  it('a list of authentication certificates only is imported with a warning: moves would go unseen', async () => {
    const run = await runIn(['watch', 'import', csv('auth-only.csv', 'customerId,issuer,serial\nC-1,jpki-auth,10\nC-2,jpki-auth,11\n')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: the watch list has no signature certificates/);
  });
});

describe('watch run', () => {
  it('a list whose CAs have no CRL loaded is exit 3 naming the CA, not "0 revoked"', async () => {
    const data = join(sim.dir, 'nothing-loaded');
    expect(
      (await runIn(['watch', 'import', csv('l.csv', `customerId,issuer,serial\nC-1,jpki-sign,${sim.revokedLeafSerial}\n`)], { data })).code,
    ).toBe(0);
    const run = await runIn(['watch', 'run'], { data });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no CRL is loaded for any watched CA: nothing was checked.*jpki-sign-2023/);
  });
});
