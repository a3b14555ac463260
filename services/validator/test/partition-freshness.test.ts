/**
 * Precise freshness (issue 11): a CA of three partitions, one of them stale. Without a partition the contract's rule stands (every
 * partition fresh, else unknown / crl_stale, naming how many are stale); a question that names the serial's partition — the status
 * GET's `partition`, a batch item's `partition` (JSON and NDJSON), the certificate's own distribution point in /v1/validate — gets a
 * CRL answer while another municipality's CRL is stale. /v1/issuers and /readyz count partitions by state.
 */
import { join } from 'node:path';
import { initSimulator, type IssuedCertificate, type Simulator } from '@jpki-validator/sim';
import type { StatusAnswer } from '@jpki-validator/status';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService, loadCrlFile, tempDir, writeConfig, type TestService } from './helpers.js';

const CA = 'jpki-sign-2023';
let tmp: { path: string; remove: () => Promise<void> };
let sim: Simulator;
let store: EmbeddedRevocationStore;
let svc: TestService;
/** per partition: a good and a revoked serial of the population */
const sample: Record<string, { good: string; revoked: string }> = {};
const certIn: Record<string, IssuedCertificate> = {};

beforeAll(async () => {
  tmp = await tempDir('partition-freshness');
  sim = await initSimulator({
    dir: join(tmp.path, 'sim'),
    seed: 3,
    populationPerCa: 600,
    revokedRate: 0.25,
    generations: [2023],
    kinds: ['sign'],
    partitions: 3,
  });
  store = await openEmbeddedStore();
  const crls: { name: string; source: string; url: string }[] = [];
  for (const p of sim.partitionNames(CA)) {
    const file = join(tmp.path, `${p}.crl`);
    // p0002's CRL is past its nextUpdate: that municipality's CRL is stale
    await sim.writeCrl({ ca: CA, partition: p, out: file, ...(p === 'p0002' ? { expired: true } : {}) });
    await loadCrlFile(store, CA, p, file);
    crls.push({ name: p, source: file, url: sim.crlUrl(CA, p) });
  }
  const base = sim.listCas()[0]?.serialBase ?? 0;
  for (let s = base; s < base + 600; s++) {
    const p = sim.partitionOf(CA, s) as string;
    const entry = (sample[p] ??= { good: '', revoked: '' });
    const st = sim.status(CA, s).status;
    if (st === 'good' && entry.good === '') entry.good = s.toString(16).toUpperCase();
    if (st === 'revoked' && entry.revoked === '') entry.revoked = s.toString(16).toUpperCase();
  }
  while (!certIn.p0000 || !certIn.p0002) {
    const cert = await sim.issueCertificate({ ca: CA });
    if (cert.partition && !certIn[cert.partition]) certIn[cert.partition] = cert;
  }
  const configFile = await writeConfig(tmp.path, 'partitions', [{ id: CA, group: 'jpki-sign', caCert: sim.caCertificatePath(CA), crls }]);
  svc = await buildService(configFile, store, store.kv);
});
afterAll(async () => {
  await store?.close();
  await tmp?.remove();
});

const get = async (path: string) => {
  const res = await svc.app.request(path);
  return { status: res.status, body: (await res.json()) as StatusAnswer & Record<string, unknown> };
};
const s = (p: string) => sample[p] as { good: string; revoked: string };

describe('precise freshness per partition', () => {
  it('without a partition: unknown / crl_stale naming the stale count (fast path and routed path alike); listed serials revoked', async () => {
    for (const path of [`/v1/status/${CA}/${s('p0000').good}`, `/v1/status/${CA}/${s('p0000').good}?mode=crl-only`]) {
      const { body } = await get(path);
      expect(body).toMatchObject({ status: 'unknown', detail: 'crl_stale', source: 'crl', crl: { stale: true, stalePartitions: 1 } });
      expect(body.crl?.partition).toBeUndefined();
    }
    expect((await get(`/v1/status/${CA}/${s('p0002').revoked}`)).body).toMatchObject({ status: 'revoked' });
  });

  it("?partition=: the serial's own fresh partition vouches; a stale one does not; a name the issuer lacks is a 400", async () => {
    const good = await get(`/v1/status/${CA}/${s('p0000').good}?partition=p0000`);
    expect(good.body).toMatchObject({ status: 'good', source: 'crl', crl: { stale: false, partition: 'p0000' } });
    expect(good.body.crl?.stalePartitions).toBeUndefined();
    expect((await get(`/v1/status/jpki-sign/${s('p0001').good}?partition=p0001`)).body).toMatchObject({ status: 'good' });
    expect((await get(`/v1/status/${CA}/${s('p0002').good}?partition=p0002`)).body).toMatchObject({
      status: 'unknown',
      detail: 'crl_stale',
      crl: { stale: true, partition: 'p0002' },
    });
    // a listing is a revocation whichever partition is named
    expect((await get(`/v1/status/${CA}/${s('p0001').revoked}?partition=p0000`)).body).toMatchObject({ status: 'revoked' });
    const bad = await svc.app.request(`/v1/status/${CA}/${s('p0000').good}?partition=p9999`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/partition: \\"p9999\\" is not a configured partition of issuer/);
  });

  it('batch items carry `partition` (JSON and NDJSON); a partition the issuer lacks, or not a string, falls back to the whole rule', async () => {
    const items = [
      { issuer: CA, serial: s('p0000').good, partition: 'p0000', id: 1 },
      { issuer: CA, serial: s('p0000').good, id: 2 },
      { issuer: CA, serial: s('p0002').good, partition: 'p0002', id: 3 },
      { issuer: CA, serial: s('p0001').good, partition: 'nope', id: 4 },
      { issuer: CA, serial: s('p0001').good, partition: 7, id: 5 },
      { issuer: CA, serial: s('p0001').revoked, partition: 'p0001', id: 6 },
    ];
    const expected = [
      { status: 'good', id: 1, crl: { partition: 'p0000' } },
      { status: 'unknown', detail: 'crl_stale', id: 2, crl: { stalePartitions: 1 } },
      { status: 'unknown', detail: 'crl_stale', id: 3, crl: { partition: 'p0002' } },
      { status: 'unknown', detail: 'crl_stale', id: 4, crl: { stalePartitions: 1 } },
      { status: 'unknown', detail: 'crl_stale', id: 5, crl: { stalePartitions: 1 } },
      { status: 'revoked', id: 6 },
    ];
    const json = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    const { results } = (await json.json()) as { results: unknown[] };
    expect(results).toMatchObject(expected);
    const ndjson = await svc.app.request('/v1/status/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${items.map((i) => JSON.stringify(i)).join('\n')}\n`,
    });
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toMatchObject(expected);
  });

  it("/v1/validate needs only the certificate's own partition fresh (mapped from its CRL distribution point)", async () => {
    const validate = async (cert: IssuedCertificate) =>
      (await (
        await svc.app.request('/v1/validate', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ certificate: cert.pem }),
        })
      ).json()) as { result: string; status: StatusAnswer };
    const fresh = await validate(certIn.p0000 as IssuedCertificate);
    expect(fresh).toMatchObject({ result: 'valid', status: { status: 'good', crl: { partition: 'p0000', stale: false } } });
    const stale = await validate(certIn.p0002 as IssuedCertificate);
    expect(stale).toMatchObject({ result: 'unknown', status: { status: 'unknown', detail: 'crl_stale', crl: { partition: 'p0002' } } });
  });

  it('/v1/issuers counts partitions by state; /readyz names the stale ones', async () => {
    const issuers = (await (await svc.app.request('/v1/issuers')).json()) as {
      issuers: { id: string; partitions: { name: string; stale: boolean }[]; partitionCounts: unknown }[];
    };
    const ca = issuers.issuers.find((i) => i.id === CA);
    expect(ca?.partitionCounts).toEqual({ total: 3, fresh: 2, stale: 1, notLoaded: 0 });
    expect(ca?.partitions.map((p) => p.name)).toEqual(['p0000', 'p0001', 'p0002']);
    const ready = await svc.app.request('/readyz');
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { reasons: string[]; issuers: { partitions?: unknown }[] };
    expect(body.reasons).toEqual([`issuer ${CA}: CRL stale (1 of 3 partitions: p0002), no OCSP responder`]);
    expect(body.issuers[0]?.partitions).toEqual({ total: 3, fresh: 2, stale: 1, notLoaded: 0, worst: ['p0002'] });
  });
});
