import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOpensslCrlText } from './openssl-crl-text.js';
import { cli, ensureBuilt, lastJson, openssl, PKITS, spawnCli } from './run-cli.js';
import { createSimFixture, ok, type SimFixture } from './sim-fixture.js';

interface Summary {
  issuer: string;
  number: string | null;
  deltaOf: string | null;
  idp: { fullName: string[] | null; onlyContainsUserCerts: boolean } | null;
  thisUpdate: string;
  nextUpdate: string | null;
  entries: number;
  reasons: Record<string, number>;
  signature: string;
  usable: boolean;
  errors: Array<{ code: string; message: string }>;
  extensions: Array<{ oid: string; name: string | null; critical: boolean }>;
}

let fx: SimFixture;

beforeAll(async () => {
  await ensureBuilt();
  fx = await createSimFixture();
});

afterAll(async () => {
  await fx.cleanup();
});

describe('crl inspect', () => {
  it('summarises a simulator CRL with the counts and number openssl reads', async () => {
    const result = await cli(['crl', 'inspect', fx.signCrl]);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    const summary = lastJson<Summary>(result);
    const peer = parseOpensslCrlText(await openssl(['crl', '-inform', 'DER', '-in', fx.signCrl, '-noout', '-text']));
    expect(peer.entries.length).toBeGreaterThan(100);
    expect(summary.entries).toBe(peer.entries.length);
    expect(summary.number).toBe(peer.crlNumber);
    const peerReasons: Record<string, number> = {};
    for (const e of peer.entries) peerReasons[e.reason] = (peerReasons[e.reason] ?? 0) + 1;
    expect(summary.reasons).toEqual(peerReasons);
    expect(summary.issuer).toBe('OU=Simulator,OU=JPKI for digital signature,O=JPKI Simulator (not J-LIS),C=JP');
    expect(summary.signature).toBe('not_checked');
    expect(summary.usable).toBe(true);
    expect(summary.deltaOf).toBeNull();
    expect(summary.extensions.map((e) => e.name)).toEqual(['authorityKeyIdentifier', 'cRLNumber']);
  });

  it('checks the signature with --ca: valid with the issuing CA, invalid with another key (still exit 0)', async () => {
    const valid = lastJson<Summary>(await ok(['crl', 'inspect', fx.signCrl, '--ca', fx.signCa]));
    expect(valid.signature).toBe('valid');
    expect(valid.usable).toBe(true);

    const wrongCa = await cli(['crl', 'inspect', fx.signCrl, '--ca', fx.authCa]);
    expect(wrongCa.code).toBe(0);
    const wrong = lastJson<Summary>(wrongCa);
    expect(wrong.signature).toBe('invalid');
    expect(wrong.usable).toBe(false);
    expect(wrong.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['SIGNATURE_INVALID', 'ISSUER_NAME_MISMATCH']));

    const corrupt = join(fx.dir, 'corrupt.crl');
    await ok(['sim', 'crl', '--dir', fx.simDir, '--ca', 'jpki-sign', '--out', corrupt, '--corrupt-signature']);
    const bad = lastJson<Summary>(await ok(['crl', 'inspect', corrupt, '--ca', fx.signCa]));
    expect(bad.signature).toBe('invalid');
    expect(bad.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID']);
  });

  it('--entries writes one line per entry, equal to what openssl lists, then the summary', async () => {
    const result = await ok(['crl', 'inspect', fx.signCrl, '--entries']);
    const lines = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.pop() as unknown as Summary;
    const peer = parseOpensslCrlText(await openssl(['crl', '-inform', 'DER', '-in', fx.signCrl, '-noout', '-text']));
    expect(lines).toHaveLength(summary.entries);
    expect(lines).toEqual(peer.entries);
    expect(lines).toContainEqual({
      serial: fx.revokedLeafSerial,
      revokedAt: expect.any(String),
      reason: 'affiliationChanged',
      invalidityDate: null,
    });
    expect(lines.some((l) => l.invalidityDate !== null)).toBe(true);
  });

  it('--entries stops quietly (exit 0) when the reader goes away, like `| head -1`', async () => {
    const bigSim = join(fx.dir, 'big-sim');
    const big = join(fx.dir, 'big.crl');
    await ok([
      'sim',
      'init',
      '--dir',
      bigSim,
      '--population',
      '200000',
      '--revoked-rate',
      '0.5',
      '--kinds',
      'sign',
      '--generations',
      '2023',
      '--partitions',
      '0',
    ]);
    expect(
      lastJson<{ entries: number }>(await ok(['sim', 'crl', '--dir', bigSim, '--ca', 'jpki-sign', '--out', big])).entries,
    ).toBeGreaterThan(90_000);
    const child = spawnCli(['crl', 'inspect', big, '--entries']);
    const exited = once(child, 'exit');
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [first] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    expect(JSON.parse(first)).toMatchObject({ serial: expect.stringMatching(/^[0-9A-F]+$/), reason: expect.any(String) });
    child.stdout.destroy();
    const [code] = (await exited) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('reads PEM the same as DER', async () => {
    const pem = join(fx.dir, 'sign-crl.pem');
    await openssl(['crl', '-inform', 'DER', '-in', fx.signCrl, '-outform', 'PEM', '-out', pem]);
    const fromPem = await ok(['crl', 'inspect', pem, '--ca', fx.signCa, '--entries']);
    const fromDer = await ok(['crl', 'inspect', fx.signCrl, '--ca', fx.signCa, '--entries']);
    expect(fromPem.stdout).toBe(fromDer.stdout);
    expect(lastJson<Summary>(fromPem).signature).toBe('valid');
  });

  it("shows a partition CRL's issuingDistributionPoint and a delta CRL's base number", async () => {
    const part = join(fx.dir, 'p0001.crl');
    await ok(['sim', 'crl', '--dir', fx.simDir, '--ca', 'jpki-sign', '--partition', 'p0001', '--out', part]);
    const partition = lastJson<Summary>(await ok(['crl', 'inspect', part, '--ca', fx.signCa]));
    expect(partition.idp?.fullName).toEqual(['URI:http://127.0.0.1:8081/crl/jpki-sign-2023/p0001.crl']);
    expect(partition.idp?.onlyContainsUserCerts).toBe(true);
    expect(partition.extensions).toContainEqual({ oid: '2.5.29.28', name: 'issuingDistributionPoint', critical: true });
    expect(partition.usable).toBe(true);

    // PKITS 4.15.1 deltaCRLTest1: a delta CRL names its base CRL number.
    const delta = lastJson<Summary>(await ok(['crl', 'inspect', join(PKITS, 'crls/deltaCRLCA1deltaCRL.crl')]));
    const peer = await openssl(['crl', '-inform', 'DER', '-in', join(PKITS, 'crls/deltaCRLCA1deltaCRL.crl'), '-noout', '-text']);
    expect(delta.deltaOf).toBe(/Delta CRL Indicator: critical\s+(\d+)/.exec(peer)?.[1]);
  });

  it('exits 2 naming the byte offset and field on a truncated CRL', async () => {
    const bytes = await readFile(fx.signCrl);
    const truncated = join(fx.dir, 'truncated.crl');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await cli(['crl', 'inspect', truncated]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/truncated\.crl/);
    expect(result.stderr).toMatch(/at byte \d+ \(tbsCertList\.revokedCertificates\[\d+\]/);
  });

  it('exits 2 naming a missing file, and on bad usage', async () => {
    const missing = await cli(['crl', 'inspect', join(fx.dir, 'no-such.crl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such\.crl: no such file/);
    const noArg = await cli(['crl', 'inspect']);
    expect(noArg.code).toBe(2);
    expect(noArg.stderr).toMatch(/usage: jpki-validator crl inspect/);
    const help = await cli(['crl', 'inspect', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: jpki-validator crl inspect FILE_OR_URL/);
  });
});
