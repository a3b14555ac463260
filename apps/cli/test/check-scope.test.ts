/**
 * `check --crl` and CRL scope (issue 10): a partition CRL given alone cannot vouch for a serial it does not list — that serial may
 * belong to another municipality's partition — so it is `unknown`, unless the set is declared complete (the config's partitions,
 * or --complete-set). A CRL complete only for some reasons is refused. The real binary, real simulator CRLs.
 */
import { writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSimulator, type Simulator } from '@jpki-validator/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idpExtension, resignCrl, simCaKey } from '../../../test/adversarial/crl-scope-helpers.js';
import { buildCli, hex, plainCsv, runCli } from './check-fixture.js';

const CA = 'jpki-sign-2023';
let dir: string;
let sim: Simulator;
let caCert: string;
const crl: Record<string, string> = {};
/** per partition: a revoked and a good serial */
const sample: Record<string, { revoked: number; good: number }> = {};

beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'jv-check-scope-'));
  sim = await initSimulator({
    dir: join(dir, 'sim'),
    seed: 5,
    populationPerCa: 400,
    revokedRate: 0.3,
    generations: [2023],
    kinds: ['sign'],
    partitions: 2,
  });
  caCert = sim.caCertificatePath(CA);
  for (const p of sim.partitionNames(CA)) {
    crl[p] = join(dir, `${p}.crl`);
    await sim.writeCrl({ ca: CA, partition: p, out: crl[p] as string });
    const base = sim.listCas()[0]?.serialBase ?? 0;
    let revoked = -1;
    let good = -1;
    for (let s = base; s < base + 400 && (revoked < 0 || good < 0); s++) {
      if (sim.partitionOf(CA, s) !== p) continue;
      const st = sim.status(CA, s).status;
      if (st === 'revoked' && revoked < 0) revoked = s;
      if (st === 'good' && good < 0) good = s;
    }
    sample[p] = { revoked, good };
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const input = (): string =>
  `serial\n${Object.values(sample)
    .flatMap((s) => [hex(s.revoked), hex(s.good)])
    .join('\n')}\n`;

async function check(args: string[]): Promise<{ code: number; stderr: string; rows: Record<string, Record<string, string>> }> {
  const result = await runCli(['check', '--issuer', CA, ...args], { cwd: dir, stdin: input() });
  const rows = Object.fromEntries(plainCsv(result.stdout).map((r) => [r.serial as string, r]));
  return { code: result.code, stderr: result.stderr, rows };
}

describe('check --crl with partition CRLs', () => {
  it("one partition's CRL alone: its listed serials are revoked, every other serial unknown (never good), and stderr says why", async () => {
    const { rows, stderr } = await check(['--crl', crl.p0000 as string, '--ca', caCert]);
    const p0 = sample.p0000 as { revoked: number; good: number };
    const p1 = sample.p0001 as { revoked: number; good: number };
    expect(rows[hex(p0.revoked)]).toMatchObject({ status: 'revoked' });
    for (const s of [p0.good, p1.good, p1.revoked]) expect(rows[hex(s)]).toMatchObject({ status: 'unknown', detail: 'issuer_not_loaded' });
    expect(stderr).toMatch(
      /only partition CRLs were given .*a serial they do not list is unknown — give the full CRL, every partition with --config, or --complete-set/,
    );
  });

  it('every partition with --complete-set: answers as the simulator', async () => {
    const { rows } = await check(['--crl', crl.p0000 as string, crl.p0001 as string, '--ca', caCert, '--complete-set']);
    for (const s of Object.values(sample)) {
      expect(rows[hex(s.revoked)]).toMatchObject({ status: 'revoked' });
      expect(rows[hex(s.good)]).toMatchObject({ status: 'good' });
    }
  });

  it("a config listing the CA's partitions makes the given CRLs complete only when every configured partition is filled", async () => {
    const configFile = join(dir, 'scope-config.json');
    await writeFile(
      configFile,
      JSON.stringify({ issuers: [{ id: CA, group: 'jpki-sign', caCert, crls: sim.partitionNames(CA).map((p) => sim.crlUrl(CA, p)) }] }),
    );
    const partial = await check(['--crl', crl.p0001 as string, '--config', configFile]);
    expect(partial.rows[hex((sample.p0001 as { good: number }).good)]).toMatchObject({ status: 'unknown', detail: 'issuer_not_loaded' });
    expect(partial.stderr).toMatch(/no CRL given for 1 of its 2 configured partitions \(p0000\)/);
    const whole = await check(['--crl', crl.p0001 as string, crl.p0000 as string, '--config', configFile]);
    for (const s of Object.values(sample)) expect(whole.rows[hex(s.good)]).toMatchObject({ status: 'good' });

    // a config naming other distribution points: the CRL fills none of them, which is an error, not a silent good
    const elsewhere = join(dir, 'elsewhere-config.json');
    await writeFile(
      elsewhere,
      JSON.stringify({
        issuers: [{ id: CA, group: 'jpki-sign', caCert, crls: ['http://other.example/a.crl', 'http://other.example/b.crl'] }],
      }),
    );
    const stray = await runCli(['check', '--issuer', CA, '--crl', crl.p0000 as string, '--config', elsewhere], {
      cwd: dir,
      stdin: input(),
    });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(
      /covers distribution point URI:.*p0000\.crl, which is none of the partitions configured for jpki-sign-2023/,
    );
  });

  it('refuses a CA-signed CRL that covers only some reasons (exit 2), verified or not', async () => {
    const bytes = await import('node:fs/promises').then((fs) => fs.readFile(crl.p0000 as string));
    const partial = join(dir, 'some-reasons.crl');
    await writeFile(
      partial,
      resignCrl(new Uint8Array(bytes), simCaKey(sim.dir, CA), {
        idp: idpExtension({ uris: [sim.crlUrl(CA, 'p0000')], onlySomeReasons: Uint8Array.of(0x06, 0x40) }),
      }),
    );
    for (const extra of [[], ['--no-verify']]) {
      const result = await runCli(['check', '--issuer', CA, '--crl', partial, '--ca', caCert, '--complete-set', ...extra], {
        cwd: dir,
        stdin: input(),
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/covers only part of its scope \(issuingDistributionPoint onlySomeReasons \(keyCompromise\)\)/);
    }
  });
});
