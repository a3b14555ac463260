import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSimulator, type PartitionListing, type SimServer, type Simulator } from '@jpki-validator/sim';
import { crlEntries, openssl, tempDir } from './helpers.js';

const EPOCH = new Date(Date.UTC(2026, 10, 1));
const CA = 'jpki-sign-2023';

let dir: { path: string; remove: () => Promise<void> };
let sim: Simulator;
const file = (name: string) => join(dir.path, 'out', name);

/** The DER of each entry (userCertificate … crlEntryExtensions) of a CRL file, as hex. */
async function entryBytes(path: string): Promise<string[]> {
  const der = new Uint8Array(await readFile(path));
  const { revoked } = crlEntries(der);
  const out: string[] = [];
  // revoked = SEQUENCE header + entries; every entry is SEQUENCE with a one-byte length (< 128 bytes)
  const headerLength = revoked.length === 0 ? 0 : (revoked[1] ?? 0) < 0x80 ? 2 : 2 + ((revoked[1] ?? 0) & 0x7f);
  for (let pos = headerLength; pos < revoked.length; ) {
    const length = 2 + (revoked[pos + 1] ?? 0);
    out.push(Buffer.from(revoked.subarray(pos, pos + length)).toString('hex'));
    pos += length;
  }
  return out;
}

/** The CRL distribution points of a certificate file, as openssl prints them. */
async function distributionPoints(certFile: string): Promise<string> {
  return (await openssl(['x509', '-in', certFile, '-noout', '-ext', 'crlDistributionPoints'])).stdout;
}

beforeAll(async () => {
  dir = await tempDir('national');
  // 1,741 municipalities of ~20 entries on average (the CI-sized national layout).
  sim = await initSimulator({
    dir: join(dir.path, 'sim'),
    layout: 'national',
    seed: 11,
    populationPerCa: 70_000,
    dailyRevokedRate: 0.0001,
    epoch: EPOCH,
  });
});
afterAll(() => dir.remove());

describe('national layout', () => {
  it('partitions the signature CA into 1,741 municipalities and leaves the authentication CA whole', () => {
    const [sign, auth] = sim.listCas();
    expect(sim.listCas()).toHaveLength(2);
    expect(sign).toMatchObject({ id: CA, kind: 'sign', partitions: 1741, municipal: { skew: 100, reissueDays: 3 } });
    expect(auth).toMatchObject({ id: 'jpki-auth-2023', kind: 'auth', partitions: 0, model: { revokedRate: 0.02 } });
    expect(sim.snapshot()).toMatchObject({ layout: 'national', crlValidityHours: 96, model: { revokedRate: 0.5 } });
    expect(sim.partitionOf('jpki-auth-2023', auth?.serialBase ?? 0)).toBeNull();
    expect(sim.partitionDirName(CA, 'p0000')).toBe(
      'CN=Municipality 01001 CRLDP,OU=Hokkaido,OU=CRL Distribution Points,OU=Simulator,OU=JPKI for digital signature,O=JPKI Simulator (not J-LIS),C=JP',
    );
  });

  it('writes the listing file of the partitioned CA: name, served URL and directoryName of each partition', async () => {
    const listing = JSON.parse(await readFile(join(sim.dir, 'partitions', `${CA}.json`), 'utf8')) as PartitionListing;
    expect(listing.partitions).toHaveLength(1741);
    expect(listing.partitions[1740]).toEqual({
      name: 'p1740',
      url: sim.crlUrl(CA, 'p1740'),
      dirName: sim.partitionDirName(CA, 1740),
    });
    expect(new Set(listing.partitions.map((p) => p.dirName)).size).toBe(1741);
    await expect(readFile(join(sim.dir, 'partitions', 'jpki-auth-2023.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes all 1,741 partition CRLs in two walks; their union is the full CRL, entry for entry', async () => {
    const before = sim.populationWalks;
    const all = await sim.writeAllPartitions({ ca: CA, outDir: file('parts') });
    expect(all.walks).toBe(2);
    expect(sim.populationWalks - before).toBe(2);
    expect(all.partitions).toHaveLength(1741);

    const full = await sim.writeCrl({ ca: CA, out: file('full.crl') });
    expect(all.entries).toBe(full.entries);
    const union: string[] = [];
    for (const part of all.partitions) {
      const entries = await entryBytes(part.file);
      expect(entries).toHaveLength(part.entries);
      union.push(...entries);
    }
    expect(union.sort()).toEqual((await entryBytes(file('full.crl'))).sort());

    // skewed sizes: the largest municipality holds tens of times the median one
    const sizes = all.partitions.map((p) => p.entries).sort((a, b) => a - b);
    const median = sizes[870] ?? 0;
    expect(full.entries / 1741).toBeGreaterThan(15);
    expect((sizes[1740] ?? 0) / median).toBeGreaterThan(20);

    // each equals what a single-partition write gives, and lists only serials of its partition
    for (const part of [all.partitions[0], all.partitions[877], all.partitions.find((p) => p.entries === sizes[1740])]) {
      if (!part) throw new Error('no partition');
      const single = await sim.writeCrl({ ca: CA, partition: part.partition ?? '', out: file('single.crl') });
      expect(single).toMatchObject({ crlNumber: part.crlNumber, entries: part.entries, idpDirName: part.idpDirName });
      expect((await readFile(file('single.crl'))).equals(await readFile(part.file))).toBe(true);
      for (const s of crlEntries(new Uint8Array(await readFile(part.file))).serials) expect(sim.partitionOf(CA, s)).toBe(part.partition);
    }
  });

  it('openssl verifies a partition CRL and checks certificates through its DirName + URI IDP', async () => {
    const good = await sim.issueCertificate({ ca: 'jpki-sign' });
    const part = good.partition ?? '';
    const crl = await sim.writeCrl({ ca: CA, partition: part, out: file('good-partition.crl') });
    const dp = await distributionPoints(good.file);
    expect(dp).toContain(`DirName:${crl.idpDirName?.split(',').reverse().join(', ').replaceAll('=', ' = ')}`);
    expect(dp).toContain(`URI:${sim.crlUrl(CA, part)}`);
    expect(dp).not.toContain('full.crl');

    const text = await openssl(['crl', '-inform', 'DER', '-in', file('good-partition.crl'), '-noout', '-text']);
    expect(text.stdout).toMatch(
      /Issuing Distribution Point: critical\s+Full Name:\s+DirName:C = JP, .*OU = CRL Distribution Points, .*CN = Municipality \d{5} CRLDP\s+URI:\S+\s+Only User Certificates/,
    );
    const verify = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      file('good-partition.crl'),
      '-noout',
      '-verify',
      '-CAfile',
      sim.caCertificatePath(CA),
    ]);
    expect(verify.stderr).toContain('verify OK');

    // a seeded revocation of the same municipality, re-issued so there is a certificate to check
    const listed = crlEntries(new Uint8Array(await readFile(file('good-partition.crl')))).serials[0] ?? '';
    const revoked = await sim.issueCertificate({ ca: CA, serial: listed });
    expect(revoked.partition).toBe(part);
    // a certificate of another municipality: this partition's CRL does not cover it
    let otherSerial = good.serialNumber + 1;
    while (sim.partitionOf(CA, otherSerial) === part) otherSerial++;
    const other = await sim.issueCertificate({ ca: CA, serial: otherSerial });

    const pem = file('good-partition.pem');
    await openssl(['crl', '-inform', 'DER', '-in', file('good-partition.crl'), '-out', pem]);
    const at = String(Math.floor(Math.min(Date.now(), crl.nextUpdate?.getTime() ?? 0) / 1000) - 60);
    const check = (certFile: string) =>
      openssl(['verify', '-attime', at, '-CAfile', sim.caCertificatePath(CA), '-crl_check', '-CRLfile', pem, certFile]);
    expect((await check(good.file)).stdout).toContain(': OK');
    const r1 = await check(revoked.file);
    expect(`${r1.stdout}${r1.stderr}`).toContain('certificate revoked');
    const r2 = await check(other.file);
    expect(r2.code).not.toBe(0);
    expect(`${r2.stdout}${r2.stderr}`).toContain('different CRL scope');
  });

  it('numbers CRLs per partition: a revocation or a day re-issues only the partitions it touches, until they fall due', async () => {
    const before = await sim.writePartitionBundle({ ca: CA, out: file('before.bin') });
    const victim = await sim.issueCertificate({ ca: CA });
    await sim.revoke({ ca: CA, serial: victim.serial, reason: 'affiliationChanged' });
    const afterRevoke = await sim.writePartitionBundle({ ca: CA, out: file('after-revoke.bin') });
    const changed = (a: typeof before, b: typeof before) =>
      b.partitions.filter((p, i) => p.crlNumber !== a.partitions[i]?.crlNumber).map((p) => p.partition);
    expect(changed(before, afterRevoke)).toEqual([victim.partition]);
    const moved = afterRevoke.partitions.find((p) => p.partition === victim.partition);
    expect(BigInt(moved?.crlNumber ?? 0)).toBe(2n * BigInt(sim.version));

    // unchanged partitions keep their bytes
    const bytesOf = async (b: typeof before, i: number) => {
      const p = b.partitions[i];
      return (await readFile(b.file)).subarray(p?.offset ?? 0, (p?.offset ?? 0) + (p?.bytes ?? 0));
    };
    const untouched = afterRevoke.partitions.findIndex((p) => p.partition !== victim.partition);
    expect((await bytesOf(before, untouched)).equals(await bytesOf(afterRevoke, untouched))).toBe(true);

    // one day: ~7 new seeded revocations, so a handful of municipalities get a CRL dated today, the rest keep yesterday's
    await sim.advance();
    const day1 = await sim.writePartitionBundle({ ca: CA, out: file('day1.bin') });
    const fresh = changed(afterRevoke, day1);
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.length).toBeLessThan(20);
    for (const p of day1.partitions) {
      expect(p.thisUpdate.getTime()).toBe(fresh.includes(p.partition) ? sim.generationTime(1).getTime() : EPOCH.getTime());
    }

    // a delta of a touched partition names the number its full CRL had at the base
    const delta = await sim.writeCrl({ ca: CA, partition: fresh[0] ?? '', delta: true, out: file('delta.crl') });
    expect(delta.baseCrlNumber).toBe(afterRevoke.partitions.find((p) => p.partition === fresh[0])?.crlNumber);
    expect(delta.entries).toBeGreaterThan(0);

    // three days after their last issue (reissueDays) the untouched ones are re-issued, a day before their nextUpdate: none stale
    await sim.advance(2);
    const day3 = await sim.writePartitionBundle({ ca: CA, out: file('day3.bin') });
    day3.partitions.forEach((p, i) => {
      const last = day1.partitions[i];
      if (last?.thisUpdate.getTime() === EPOCH.getTime()) expect(p.thisUpdate.getTime()).toBeGreaterThan(EPOCH.getTime());
      else expect(p.thisUpdate.getTime()).toBeGreaterThanOrEqual(last?.thisUpdate.getTime() ?? 0);
      expect(p.nextUpdate?.getTime()).toBeGreaterThan(sim.generationTime(3).getTime() + 12 * 3_600_000);
    });
    expect(day3.partitions.filter((p) => p.thisUpdate.getTime() === sim.generationTime(3).getTime()).length).toBeGreaterThan(1700);
  });

  it('a new base URL re-issues every partition (its IDP carries the URL) and rewrites the listing', async () => {
    const before = await sim.writePartitionBundle({ ca: CA, out: file('url-before.bin') });
    await sim.setBaseUrl('http://127.0.0.1:9/');
    const after = await sim.writePartitionBundle({ ca: CA, out: file('url-after.bin') });
    after.partitions.forEach((p, i) => {
      expect(BigInt(p.crlNumber)).toBeGreaterThan(BigInt(before.partitions[i]?.crlNumber ?? 0));
      expect(p.idp).toBe(`http://127.0.0.1:9/crl/${CA}/${p.partition}.crl`);
    });
    const listing = JSON.parse(await readFile(sim.partitionListingPath(CA), 'utf8')) as PartitionListing;
    expect(listing.partitions[3]?.url).toBe(`http://127.0.0.1:9/crl/${CA}/p0003.crl`);
  });
});

describe('national layout over HTTP', () => {
  let server: SimServer;
  beforeAll(async () => {
    server = await sim.serve({ port: 0 });
    await sim.setBaseUrl(server.url);
  });
  afterAll(() => server.close());

  /** Requests every partition, a few at a time, returning status and ETag per partition. */
  async function fetchAll(etags?: Map<string, string>): Promise<Map<string, { status: number; etag: string; body: Buffer }>> {
    const names = sim.partitionNames(CA);
    const out = new Map<string, { status: number; etag: string; body: Buffer }>();
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < names.length; i = next++) {
        const name = names[i] ?? '';
        const etag = etags?.get(name);
        const r = await fetch(`${server.url}/crl/${CA}/${name}.crl`, etag ? { headers: { 'if-none-match': etag } } : {});
        out.set(name, { status: r.status, etag: r.headers.get('etag') ?? '', body: Buffer.from(await r.arrayBuffer()) });
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    return out;
  }

  it('serves 1,741 partitions with ETags and 304s, writing them all with two walks, and re-serves only what changed', async () => {
    const before = sim.populationWalks;
    const first = await fetchAll();
    expect(sim.populationWalks - before).toBe(2);
    const all = await sim.writeAllPartitions({ ca: CA, outDir: file('served') });
    for (const part of all.partitions) {
      const got = first.get(part.partition ?? '');
      expect(got?.status).toBe(200);
      expect(got?.etag).toBe(`"${CA}-${part.partition}-${part.crlNumber}"`);
      expect(got?.body.equals(await readFile(part.file))).toBe(true);
    }
    const etags = new Map([...first].map(([name, r]) => [name, r.etag]));
    const unchanged = await fetchAll(etags);
    expect([...unchanged.values()].every((r) => r.status === 304)).toBe(true);

    const head = await fetch(`${server.url}/crl/${CA}/p0000.crl`, { method: 'HEAD' });
    const lastModified = head.headers.get('last-modified') ?? '';
    expect((await fetch(`${server.url}/crl/${CA}/p0000.crl`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect(Number(head.headers.get('content-length'))).toBe(first.get('p0000')?.body.length);

    // another process revokes a certificate of one municipality: that partition alone answers 200
    const victim = await sim.issueCertificate({ ca: CA });
    const { openSimulator } = await import('@jpki-validator/sim');
    await (await openSimulator(sim.dir)).revoke({ ca: CA, serial: victim.serial, reason: 'superseded' });
    const refresh = await fetchAll(etags);
    const served = [...refresh].filter(([, r]) => r.status === 200).map(([name]) => name);
    expect(served).toEqual([victim.partition]);
    expect(refresh.get(victim.partition ?? '')?.etag).not.toBe(etags.get(victim.partition ?? ''));
    expect((await fetch(`${server.url}/crl/${CA}/p1741.crl`)).status).toBe(404);
    expect((await fetch(`${server.url}/crl/jpki-auth-2023/p0000.crl`)).status).toBe(404);
  });
});
