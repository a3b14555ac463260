import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSimulator, openSimulator, SimUsageError, type Simulator } from '@jpki-validator/sim';
import { crlEntries, openssl, tempDir } from './helpers.js';

const EPOCH = new Date(Date.UTC(2026, 10, 1)); // generation 0; CRLs below are checked at -attime inside their validity

/** The CRL distribution point URIs of a certificate file, as openssl prints them. */
async function crlDistributionPoints(certFile: string): Promise<string[]> {
  const { stdout } = await openssl(['x509', '-in', certFile, '-noout', '-ext', 'crlDistributionPoints']);
  return [...stdout.matchAll(/URI:(\S+)/g)].map((m) => m[1] ?? '');
}

let dir: { path: string; remove: () => Promise<void> };
let sim: Simulator;
const file = (name: string) => join(dir.path, 'out', name);

beforeAll(async () => {
  dir = await tempDir('crl');
  sim = await initSimulator({
    dir: join(dir.path, 'sim'),
    seed: 2026,
    populationPerCa: 20_000,
    generations: [2015, 2023],
    kinds: ['sign'],
    partitions: 4,
    epoch: EPOCH,
    dailyRevokedRate: 0.002,
  });
});
afterAll(() => dir.remove());

describe('CRL writer', () => {
  it('writes the same bytes for the same state, also after reopening the directory', async () => {
    await sim.writeCrl({ ca: 'jpki-sign-2023', out: file('a.crl') });
    await (await openSimulator(sim.dir)).writeCrl({ ca: 'jpki-sign-2023', out: file('b.crl') });
    const a = await readFile(file('a.crl'));
    expect(a.equals(await readFile(file('b.crl')))).toBe(true);
  });

  it('lists the same population for the same seed in a separately initialised simulator (keys differ, entries do not)', async () => {
    const other = await tempDir('crl-twin');
    try {
      const twin = await initSimulator({
        dir: other.path,
        seed: 2026,
        populationPerCa: 20_000,
        generations: [2015, 2023],
        kinds: ['sign'],
        partitions: 4,
        epoch: EPOCH,
        dailyRevokedRate: 0.002,
      });
      await twin.writeCrl({ ca: 'jpki-sign-2023', out: join(other.path, 'twin.crl') });
      await sim.writeCrl({ ca: 'jpki-sign-2023', out: file('full.crl') });
      const mine = crlEntries(new Uint8Array(await readFile(file('full.crl'))));
      const theirs = crlEntries(new Uint8Array(await readFile(join(other.path, 'twin.crl'))));
      expect(mine.serials.length).toBeGreaterThan(1500);
      expect(Buffer.from(theirs.revoked).equals(Buffer.from(mine.revoked))).toBe(true);
    } finally {
      await other.remove();
    }
  });

  it('produces a v2 CRL that openssl parses and verifies, entries sorted, counts matching the status lookup', async () => {
    const result = await sim.writeCrl({ ca: 'jpki-sign-2023', out: file('full.crl') });
    const text = await openssl(['crl', '-inform', 'DER', '-in', file('full.crl'), '-noout', '-text']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Version 2 (0x1)');
    expect(text.stdout).toContain('O = JPKI Simulator (not J-LIS), OU = JPKI for digital signature');
    expect(text.stdout).toMatch(/X509v3 CRL Number: \n\s+2\n/);
    expect(text.stdout).toContain('X509v3 Authority Key Identifier');
    expect(text.stdout).toContain('Superseded');
    expect(text.stdout).toContain('Invalidity Date');
    expect(text.stdout.match(/Serial Number:/g)?.length).toBe(result.entries);
    const verify = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      file('full.crl'),
      '-noout',
      '-verify',
      '-CAfile',
      sim.caCertificatePath('jpki-sign-2023'),
    ]);
    expect(verify.stderr).toContain('verify OK');

    const { serials } = crlEntries(new Uint8Array(await readFile(file('full.crl'))));
    const numbers = serials.map((s) => parseInt(s, 16));
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    const ca = sim.listCas().find((c) => c.id === 'jpki-sign-2023');
    let revoked = 0;
    for (let s = ca?.serialBase ?? 0; s < (ca?.serialBase ?? 0) + (ca?.population ?? 0); s++)
      if (sim.status('jpki-sign-2023', s).status === 'revoked') revoked++;
    expect(revoked).toBe(result.entries);
  });

  it('refuses a CRL signed by the other generation (same DN, other key) and one with a corrupted signature', async () => {
    await sim.writeCrl({ ca: 'jpki-sign-2023', signWith: 'jpki-sign-2015', out: file('wrong-key.crl') });
    await sim.writeCrl({ ca: 'jpki-sign-2023', corruptSignature: true, out: file('corrupt.crl') });
    const caFile = sim.caCertificatePath('jpki-sign-2023');
    for (const name of ['wrong-key.crl', 'corrupt.crl']) {
      const r = await openssl(['crl', '-inform', 'DER', '-in', file(name), '-noout', '-verify', '-CAfile', caFile]);
      expect(`${r.stdout}${r.stderr}`).toMatch(/verify fail|bad signature/i);
    }
    const other = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      file('wrong-key.crl'),
      '-noout',
      '-verify',
      '-CAfile',
      sim.caCertificatePath('jpki-sign-2015'),
    ]);
    expect(other.stderr).toContain('verify OK');
  });

  it('fails cleanly when the output cannot be written, leaving no temporary file', async () => {
    const target = file('a-directory');
    await mkdir(target, { recursive: true });
    await expect(sim.writeCrl({ ca: 'jpki-sign-2023', out: target })).rejects.toThrow();
    expect((await readdir(join(dir.path, 'out'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes expired CRLs and CRLs without nextUpdate on request', async () => {
    const expired = await sim.writeCrl({ ca: 'jpki-sign-2023', expired: true, out: file('expired.crl') });
    expect(expired.nextUpdate?.getTime()).toBeLessThan(Date.now());
    const noNext = await sim.writeCrl({ ca: 'jpki-sign-2023', nextUpdate: null, out: file('no-next.crl') });
    expect(noNext.nextUpdate).toBeNull();
    const text = await openssl(['crl', '-inform', 'DER', '-in', file('no-next.crl'), '-noout', '-text']);
    expect(text.stdout).toContain('Next Update: NONE');
    const verify = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      file('expired.crl'),
      '-noout',
      '-verify',
      '-CAfile',
      sim.caCertificatePath('jpki-sign-2023'),
    ]);
    expect(verify.stderr).toContain('verify OK');
  });

  it('partitions carry distinct IDPs with onlyContainsUserCerts, and their union is the full CRL', async () => {
    await sim.writeCrl({ ca: 'jpki-sign-2023', out: file('full.crl') });
    const full = crlEntries(new Uint8Array(await readFile(file('full.crl')))).serials;
    const union: string[] = [];
    const idps = new Set<string>();
    for (const p of sim.partitionNames('jpki-sign-2023')) {
      const r = await sim.writeCrl({ ca: 'jpki-sign-2023', partition: p, out: file(`${p}.crl`) });
      expect(r.idp).toBe(`http://127.0.0.1:8081/crl/jpki-sign-2023/${p}.crl`);
      const text = await openssl(['crl', '-inform', 'DER', '-in', file(`${p}.crl`), '-noout', '-text']);
      expect(text.stdout).toMatch(/Issuing Distribution Point: critical\s+Full Name:\s+URI:(\S+)\s*Only User Certificates/);
      idps.add(/URI:(\S+?)(?:\s|Only)/.exec(text.stdout)?.[1] ?? '');
      const entries = crlEntries(new Uint8Array(await readFile(file(`${p}.crl`)))).serials;
      for (const s of entries) expect(sim.partitionOf('jpki-sign-2023', s)).toBe(p);
      union.push(...entries);
      const verify = await openssl([
        'crl',
        '-inform',
        'DER',
        '-in',
        file(`${p}.crl`),
        '-noout',
        '-verify',
        '-CAfile',
        sim.caCertificatePath('jpki-sign-2023'),
      ]);
      expect(verify.stderr).toContain('verify OK');
    }
    expect(idps.size).toBe(4);
    expect(union.sort()).toEqual([...full].sort());
    await expect(sim.writeCrl({ ca: 'jpki-sign-2023', partition: 'p0009', out: file('x.crl') })).rejects.toMatchObject({
      code: 'SIM_UNKNOWN_PARTITION',
    });
  });

  it('certificates verify with openssl -crl_check: good, revoked (explicit revoke), and revoked from the seeded population', async () => {
    const good = await sim.issueCertificate({ ca: 'jpki-sign' });
    const bad = await sim.issueCertificate({ ca: 'jpki-sign' });
    await sim.revoke({ ca: 'jpki-sign-2023', serial: bad.serial, reason: 'keyCompromise' });
    const seededSerial = crlEntries(new Uint8Array(await readFile(file('full.crl')))).serials[0] ?? '';
    const seeded = await sim.issueCertificate({ ca: 'jpki-sign-2023', serial: seededSerial });
    const crl = await sim.writeCrl({ ca: 'jpki-sign-2023', out: file('after-revoke.crl') });
    expect(BigInt(crl.crlNumber)).toBeGreaterThan(2n);
    const pem = file('after-revoke.pem');
    await openssl(['crl', '-inform', 'DER', '-in', file('after-revoke.crl'), '-out', pem]);
    // Leaf notBefore is the earlier of now and the sim's time: check inside both the leaf's and the CRL's validity.
    const at = String(Math.floor(Math.min(Date.now(), crl.nextUpdate?.getTime() ?? 0) / 1000) - 60);
    const certAt = (certFile: string, crlPem = pem) =>
      openssl(['verify', '-attime', at, '-CAfile', sim.caCertificatePath('jpki-sign-2023'), '-crl_check', '-CRLfile', crlPem, certFile]);
    const okGood = await certAt(good.file);
    expect(okGood.stdout).toContain(': OK');
    const r1 = await certAt(bad.file);
    expect(r1.code).not.toBe(0);
    expect(`${r1.stdout}${r1.stderr}`).toContain('certificate revoked');
    const r2 = await certAt(seeded.file);
    expect(`${r2.stdout}${r2.stderr}`).toContain('certificate revoked');

    // The partition CRL alone also covers the certificate: its IDP matches the certificate's second distribution point.
    const partition = await sim.writeCrl({ ca: 'jpki-sign-2023', partition: seeded.partition ?? '', out: file('seeded-partition.crl') });
    expect(await crlDistributionPoints(seeded.file)).toEqual([sim.crlUrl('jpki-sign-2023'), partition.idp]);
    const partitionPem = file('seeded-partition.pem');
    await openssl(['crl', '-inform', 'DER', '-in', file('seeded-partition.crl'), '-out', partitionPem]);
    const r3 = await certAt(seeded.file, partitionPem);
    expect(`${r3.stdout}${r3.stderr}`).toContain('certificate revoked');
  });
});

describe('the standard layout, byte for byte', () => {
  it('lists exactly the entries it listed before the national layout existed (golden digests of the revokedCertificates)', async () => {
    const other = await tempDir('golden');
    try {
      const golden = await initSimulator({
        dir: other.path,
        seed: 7,
        populationPerCa: 30_000,
        partitions: 4,
        dailyRevokedRate: 0.01,
        kinds: ['sign'],
        epoch: new Date(Date.UTC(2026, 0, 1)),
      });
      await golden.revoke({ ca: 'jpki-sign-2023', serial: 0x0800_0005, reason: 'keyCompromise' });
      await golden.advance();
      const digests: Record<string, [number, string]> = {};
      const cases = { full: {}, p1: { partition: 1 }, delta: { delta: true }, p2delta: { partition: 2, delta: true } } as const;
      for (const [name, opts] of Object.entries(cases)) {
        const out = join(other.path, `${name}.crl`);
        await golden.writeCrl({ ca: 'jpki-sign-2023', out, ...opts });
        const { revoked, serials } = crlEntries(new Uint8Array(await readFile(out)));
        digests[name] = [serials.length, createHash('sha256').update(revoked).digest('hex')];
      }
      // Computed with the simulator as it was before partitions could be municipal (commit f45d3d0).
      expect(digests).toEqual({
        full: [3455, 'f36108b986ff4d1bdca1fa26a4ee1711ff57ac4a4bdc868007a29a244f2a0d89'],
        p1: [872, '2f4156d7f4342f3a942dc2109ce552962b75f8b0bce85d60b569b37f196503fd'],
        delta: [324, '1996759ccbaf6bb5eb54d63b4acde72f7b74348e9b5de51af51e5e5589de0a3f'],
        p2delta: [72, '2ed286a4aee4d414866e6e4699f25a471728c173b59f98ab42fbf1461f780144'],
      });
    } finally {
      await other.remove();
    }
  });

  it('writes every partition in two walks, each byte for byte the CRL a single-partition write gives', async () => {
    const before = sim.populationWalks;
    const all = await sim.writeAllPartitions({ ca: 'jpki-sign-2023', outDir: file('all') });
    expect(all.walks).toBe(2);
    expect(sim.populationWalks - before).toBe(2);
    expect(all.partitions.map((p) => p.partition)).toEqual(sim.partitionNames('jpki-sign-2023'));
    for (const part of all.partitions) {
      const single = await sim.writeCrl({ ca: 'jpki-sign-2023', partition: part.partition ?? '', out: file('single.crl') });
      expect(single.crlNumber).toBe(part.crlNumber);
      expect((await readFile(file('single.crl'))).equals(await readFile(part.file))).toBe(true);
    }
  });
});

describe('delta CRLs and generations', () => {
  it('after advance, a delta lists exactly the new revocations and names its base', async () => {
    await sim.writeCrl({ ca: 'jpki-sign-2015', out: file('g0.crl') });
    const before = new Set(crlEntries(new Uint8Array(await readFile(file('g0.crl')))).serials);
    const base = sim.describeCrl({ ca: 'jpki-sign-2015' });
    await expect(async () => sim.describeCrl({ ca: 'jpki-sign-2015', delta: { baseGeneration: 5 } })).rejects.toThrow(SimUsageError);

    await sim.advance();
    const explicit = await sim.issueCertificate({ ca: 'jpki-sign-2015' });
    await sim.revoke({ ca: 'jpki-sign-2015', serial: explicit.serial, reason: 'affiliationChanged' });
    const full = await sim.writeCrl({ ca: 'jpki-sign-2015', out: file('g1.crl') });
    const delta = await sim.writeCrl({ ca: 'jpki-sign-2015', delta: true, out: file('g1-delta.crl') });
    const after = crlEntries(new Uint8Array(await readFile(file('g1.crl')))).serials;
    const deltaSerials = crlEntries(new Uint8Array(await readFile(file('g1-delta.crl')))).serials;

    expect(after.length).toBeGreaterThan(before.size);
    for (const s of before) expect(after).toContain(s);
    const added = after.filter((s) => !before.has(s));
    expect(deltaSerials.sort()).toEqual(added.sort());
    expect(deltaSerials).toContain(explicit.serial);
    expect(delta.baseCrlNumber).toBe(base.crlNumber);
    expect(BigInt(delta.crlNumber)).toBeGreaterThan(BigInt(full.crlNumber));
    expect(BigInt(full.crlNumber)).toBeGreaterThan(BigInt(base.crlNumber));

    const text = await openssl(['crl', '-inform', 'DER', '-in', file('g1-delta.crl'), '-noout', '-text']);
    expect(text.stdout).toMatch(new RegExp(`Delta CRL Indicator: critical\\s+${base.crlNumber}\\b`));
    const verify = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      file('g1-delta.crl'),
      '-noout',
      '-verify',
      '-CAfile',
      sim.caCertificatePath('jpki-sign-2015'),
    ]);
    expect(verify.stderr).toContain('verify OK');
  });

  it('lifting a hold un-lists it from the full CRL and puts removeFromCRL in the next delta', async () => {
    const held = await sim.issueCertificate({ ca: 'jpki-sign-2015' });
    await sim.revoke({ ca: 'jpki-sign-2015', serial: held.serial, reason: 'certificateHold' });
    await expect(sim.revoke({ ca: 'jpki-sign-2015', serial: held.serialNumber + 999, reason: 'removeFromCRL' })).rejects.toMatchObject({
      code: 'SIM_BAD_OPTION',
    });
    await sim.advance();
    await sim.revoke({ ca: 'jpki-sign-2015', serial: held.serial, reason: 'removeFromCRL' });
    expect(sim.status('jpki-sign-2015', held.serial).status).toBe('good');
    await sim.writeCrl({ ca: 'jpki-sign-2015', out: file('g2.crl') });
    expect(crlEntries(new Uint8Array(await readFile(file('g2.crl')))).serials).not.toContain(held.serial);
    await sim.writeCrl({ ca: 'jpki-sign-2015', delta: true, out: file('g2-delta.crl') });
    const text = await openssl(['crl', '-inform', 'DER', '-in', file('g2-delta.crl'), '-noout', '-text']);
    expect(text.stdout).toMatch(
      new RegExp(
        `Serial Number: 0?${held.serial}\\s+Revocation Date: [^\\n]+\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Remove From CRL`,
      ),
    );
  });

  it('persists state atomically as JSON that a reopened simulator reads', async () => {
    const reopened = await openSimulator(sim.dir);
    expect(reopened.generation).toBe(sim.generation);
    expect(reopened.snapshot()).toEqual(sim.snapshot());
    const state = JSON.parse(await readFile(join(sim.dir, 'state.json'), 'utf8')) as { format: number };
    expect(state.format).toBe(1);
    await writeFile(join(dir.path, 'state.json'), '{');
    await expect(openSimulator(dir.path)).rejects.toMatchObject({ code: 'SIM_STATE_INVALID' });
    await expect(openSimulator(join(dir.path, 'nowhere'))).rejects.toMatchObject({ code: 'SIM_STATE_MISSING' });
    await expect(initSimulator({ dir: sim.dir })).rejects.toMatchObject({ code: 'SIM_STATE_EXISTS' });
  });
});
