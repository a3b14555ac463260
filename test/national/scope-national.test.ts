/**
 * A CI-sized national shape (issue 11): the simulator's national layout — 1,741 municipal partitions of a signature CA, ~20
 * entries each, DirName + URI distribution points — fetched through a mirror with the config's set form (a listing that gives
 * each partition its directoryName only, and a URL template pointing at the mirror: the scope is bound by DirName alone), into the
 * embedded store in memory. Checked: every partition loaded and answered right; one municipality's CRL stale — the whole-CA rule
 * says unknown (naming 1 stale partition) while the serial's own partition, named or taken from the certificate, vouches; the
 * issuers and readiness views count instead of listing; a second refresh is one 304 per partition and loads nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '@jpki-validator/config';
import { createLogger, fetchOnce } from '@jpki-validator/crl-fetcher';
import { initSimulator, type IssuedCertificate, type Simulator, type SimServer } from '@jpki-validator/sim';
import type { StatusAnswer } from '@jpki-validator/status';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { formatSerial } from '@jpki-validator/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService, type TestService } from '../../services/validator/test/helpers.js';
import { startPathAttacker, type PathAttacker } from '../adversarial/crl-scope-helpers.js';

const CA = 'jpki-sign-2023';
const STALE = 'p0005';
const FRESH = 'p0010';
let dir: string;
let sim: Simulator;
let server: SimServer;
let mirror: PathAttacker;
let config: Config;
let store: EmbeddedRevocationStore;
let svc: TestService;
let partitions: string[];
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jv-national-scope-'));
  sim = await initSimulator({
    dir: join(dir, 'sim'),
    layout: 'national',
    seed: 9,
    populationPerCa: 70_000,
    revokedRate: 0.5,
    kinds: ['sign'],
  });
  server = await sim.serve({ port: 0 });
  await sim.setBaseUrl(server.url);
  mirror = await startPathAttacker(server.url);
  const listing = sim.partitionListing(CA).partitions;
  partitions = listing.map((p) => p.name);
  // the operator's listing names each municipality by its directoryName only; the template fetches from the mirror
  await writeFile(join(dir, 'listing.json'), JSON.stringify({ partitions: listing.map(({ name, dirName }) => ({ name, dirName })) }));
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      issuers: [
        {
          id: CA,
          group: 'jpki-sign',
          caCert: sim.caCertificatePath(CA),
          crls: { partitions: 'listing.json', template: `${mirror.url}/crl/${CA}/{partition}.crl` },
          fetch: { concurrency: 8, attempts: 2, backoffSeconds: 0.05 },
        },
      ],
    }),
  );
  config = loadConfig({ file: join(dir, 'config.json'), env: {} });
  // STALE's only CRL so far is one past its nextUpdate (the municipality's server is behind)
  const stale = join(dir, 'stale.crl');
  await sim.writeCrl({ ca: CA, partition: STALE, expired: true, out: stale });
  mirror.override(new URL(sim.crlUrl(CA, STALE)).pathname, new Uint8Array(await readFile(stale)));
  store = await openEmbeddedStore();
  svc = await buildService(join(dir, 'config.json'), store, store.kv);
}, 120_000);

afterAll(async () => {
  await mirror?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** a good and a revoked serial of a partition */
function serialsOf(partition: string): { good: string; revoked: string } {
  const ca = sim.listCas().find((c) => c.id === CA);
  if (!ca) throw new Error('no CA');
  const out = { good: '', revoked: '' };
  for (let s = ca.serialBase; s < ca.serialBase + ca.population && (out.good === '' || out.revoked === ''); s++) {
    if (sim.partitionOf(CA, s) !== partition) continue;
    const status = sim.status(CA, s).status;
    if (status === 'good' && out.good === '') out.good = formatSerial(BigInt(s));
    if (status === 'revoked' && out.revoked === '') out.revoked = formatSerial(BigInt(s));
  }
  return out;
}

const get = async (path: string) => (await (await svc.app.request(path)).json()) as StatusAnswer & Record<string, unknown>;

describe('a national-shaped CA: 1,741 partitions', () => {
  it('cold: every partition loads, bound by its directoryName (the mirror URL is in no IDP)', async () => {
    expect(partitions).toHaveLength(1741);
    const cold = await fetchOnce(config, store, logger);
    expect(cold.exitCode).toBe(0);
    expect(cold.reports.filter((r) => r.outcome !== 'loaded')).toEqual([]);
    const metas = await store.partitions(CA);
    expect(metas).toHaveLength(1741);
    const entries = metas.reduce((n, m) => n + m.entries, 0);
    expect(entries / 1741).toBeGreaterThan(10);
    expect(entries / 1741).toBeLessThan(40);
  }, 120_000);

  it('answers every serial of a sample of partitions as the simulator does (by its own partition)', async () => {
    const ca = sim.listCas().find((c) => c.id === CA);
    if (!ca) throw new Error('no CA');
    const items: { issuer: string; serial: string; partition: string }[] = [];
    for (let s = ca.serialBase; s < ca.serialBase + ca.population; s += 7) {
      const partition = sim.partitionOf(CA, s) as string;
      if (partition !== STALE) items.push({ issuer: CA, serial: formatSerial(BigInt(s)), partition });
    }
    const res = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${items.map((i) => JSON.stringify(i)).join('\n')}\n`,
    });
    const answers = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StatusAnswer);
    const wrong = answers.filter((a) => a.status !== sim.status(CA, a.serial).status);
    expect(wrong).toEqual([]);
    expect(answers.filter((a) => a.status === 'good').length).toBeGreaterThan(1000);
  });

  it("one municipality stale: the whole-CA rule is unknown naming 1 stale partition; the serial's own fresh partition vouches", async () => {
    const fresh = serialsOf(FRESH);
    const stale = serialsOf(STALE);
    expect(await get(`/v1/status/${CA}/${fresh.good}`)).toMatchObject({
      status: 'unknown',
      detail: 'crl_stale',
      crl: { stale: true, stalePartitions: 1 },
    });
    expect(await get(`/v1/status/${CA}/${fresh.good}?partition=${FRESH}`)).toMatchObject({
      status: 'good',
      crl: { partition: FRESH, stale: false },
    });
    expect(await get(`/v1/status/${CA}/${stale.good}?partition=${STALE}`)).toMatchObject({ status: 'unknown', detail: 'crl_stale' });
    expect(await get(`/v1/status/${CA}/${stale.revoked}?partition=${STALE}`)).toMatchObject({ status: 'revoked' });

    // certificates carry their municipality's DirName (and the simulator's URL, which the config does not list)
    const certs: Record<string, IssuedCertificate> = {};
    while (!certs[FRESH] || !certs[STALE]) {
      const want = !certs[FRESH] ? FRESH : STALE;
      const ca = sim.listCas().find((c) => c.id === CA);
      // issue the next serial that falls in the partition still wanted
      let serial = ca?.nextSerial ?? 0;
      while (sim.partitionOf(CA, serial) !== want) serial++;
      certs[want] = await sim.issueCertificate({ ca: CA, serial });
    }
    const validate = async (cert: IssuedCertificate) =>
      (await (
        await svc.app.request('/v1/validate', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ certificate: cert.pem }),
        })
      ).json()) as { result: string; status: StatusAnswer };
    expect(await validate(certs[FRESH] as IssuedCertificate)).toMatchObject({ result: 'valid', status: { crl: { partition: FRESH } } });
    expect(await validate(certs[STALE] as IssuedCertificate)).toMatchObject({
      result: 'unknown',
      status: { detail: 'crl_stale', crl: { partition: STALE } },
    });
  });

  it('/v1/issuers counts 1,741 partitions and lists the worst; /readyz names the stale one', async () => {
    const issuers = (await (await svc.app.request('/v1/issuers')).json()) as {
      issuers: { partitions: { name: string }[]; partitionCounts: unknown }[];
    };
    expect(issuers.issuers[0]?.partitionCounts).toEqual({ total: 1741, fresh: 1740, stale: 1, notLoaded: 0 });
    expect(issuers.issuers[0]?.partitions).toHaveLength(10);
    expect(issuers.issuers[0]?.partitions[0]?.name).toBe(STALE);
    const all = (await (await svc.app.request('/v1/issuers?partitions=all')).json()) as { issuers: { partitions: unknown[] }[] };
    expect(all.issuers[0]?.partitions).toHaveLength(1741);
    const ready = (await (await svc.app.request('/readyz')).json()) as { reasons: string[] };
    expect(ready.reasons).toEqual([`issuer ${CA}: CRL stale (1 of 1741 partitions: ${STALE}), no OCSP responder`]);
  });

  it('a second refresh is a 304 per partition and loads nothing', async () => {
    const before = (await store.partitions(CA)).map((m) => m.generation);
    const warm = await fetchOnce(config, store, logger);
    const counts: Record<string, number> = {};
    for (const r of warm.reports) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    // the mirror serves STALE's pinned CRL without validators: fetched in full, and found unchanged
    expect(counts).toEqual({ 'not-modified': 1740, unchanged: 1 });
    expect((await store.partitions(CA)).map((m) => m.generation)).toEqual(before);
  }, 60_000);
});
