/**
 * OCSP fallback against `openssl ocsp` as an independent responder on loopback: answers signed by the CA key, a responder signing
 * with the wrong key (rejected), a responder that is down (unknown, never good; the circuit opens), the cache, and the spend cap.
 */
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildService,
  indexLine,
  loadCrlFile,
  simWorld,
  startOpensslOcsp,
  tempDir,
  writeConfig,
  writePartitionCrls,
  type OpensslOcspPeer,
  type SimWorld,
} from './helpers.js';

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let peer: OpensslOcspPeer;
let wrongKeyPeer: OpensslOcspPeer;
let goodCert: IssuedCertificate;
let revokedCert: IssuedCertificate;
let staleCrls: { name: string; source: string }[];
const revokedAt = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const CA = 'jpki-auth-2023';

async function freePortUrl(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  return `http://127.0.0.1:${port}/ocsp`;
}

async function serviceFor(name: string, ocspUrl: string, options: Parameters<typeof buildService>[3] = {}) {
  const file = await writeConfig(tmp.path, name, [
    { id: CA, group: 'jpki-auth', caCert: world.sim.caCertificatePath(CA), crls: staleCrls, ocsp: { url: ocspUrl } },
  ]);
  // a cache of its own: answers cached by an earlier case must not hide this case's responder
  const cacheRoom = await openEmbeddedStore();
  return buildService(file, store, cacheRoom.kv, options);
}

beforeAll(async () => {
  tmp = await tempDir('ocsp');
  world = await simWorld(tmp.path);
  goodCert = await world.sim.issueCertificate({ ca: CA });
  revokedCert = await world.sim.issueCertificate({ ca: CA });
  staleCrls = await writePartitionCrls(world, CA, { expired: true });
  store = await openEmbeddedStore();
  for (const p of staleCrls) await loadCrlFile(store, CA, p.name, p.source);
  const index = join(tmp.path, 'index.txt');
  await writeFile(index, indexLine(goodCert.serial, null) + indexLine(revokedCert.serial, { at: revokedAt, reason: 'keyCompromise' }));
  const caCert = world.sim.caCertificatePath(CA);
  const caKey = join(tmp.path, 'sim', 'keys', `${CA}.key.pem`);
  peer = await startOpensslOcsp({ index, caCert, signerCert: caCert, signerKey: caKey });
  // signs with another CA's key: the response must be rejected
  const other = 'jpki-auth-2015';
  wrongKeyPeer = await startOpensslOcsp({
    index,
    caCert,
    signerCert: world.sim.caCertificatePath(other),
    signerKey: join(tmp.path, 'sim', 'keys', `${other}.key.pem`),
  });
});

afterAll(async () => {
  await peer?.close();
  await wrongKeyPeer?.close();
  await world?.close();
  await store?.close();
  await tmp?.remove();
});

describe('OCSP fallback against openssl ocsp', () => {
  it('answers from a CA-signed openssl response when the CRL is stale: good, revoked with reason and time, unknown', async () => {
    const svc = await serviceFor('openssl', peer.url);
    const good = (await (await svc.app.request(`/v1/status/${CA}/${goodCert.serial}`)).json()) as Record<string, unknown>;
    expect(good).toMatchObject({ status: 'good', source: 'ocsp', crl: null, caId: CA });
    const revoked = (await (await svc.app.request(`/v1/status/${CA}/${revokedCert.serial}`)).json()) as Record<string, unknown>;
    expect(revoked).toMatchObject({ status: 'revoked', source: 'ocsp', reason: 'keyCompromise', revokedAt: '2024-01-02T03:04:05Z' });
    const before = (await (await svc.app.request(`/v1/status/${CA}/${revokedCert.serial}?at=2024-01-01T00:00:00Z`)).json()) as Record<
      string,
      unknown
    >;
    expect(before.status).toBe('good');
    const never = (await (await svc.app.request(`/v1/status/${CA}/ABCDEF`)).json()) as Record<string, unknown>;
    expect(never).toMatchObject({ status: 'unknown', detail: 'ocsp_unknown' });
    const stats = svc.ocsp?.issuerStats()[0];
    // the second question about the revoked serial came from the cache (openssl gives nextUpdate with -nmin)
    expect(stats).toMatchObject({ caId: CA, kind: 'auth', queries: 3, answered: 3, cacheHits: 1, estimatedCostYen: 6 });
  });

  it('rejects a response signed with the wrong key: unknown / ocsp_unavailable, never good', async () => {
    const svc = await serviceFor('wrong-key', wrongKeyPeer.url);
    const answer = (await (await svc.app.request(`/v1/status/${CA}/${goodCert.serial}`)).json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ status: 'unknown', detail: 'ocsp_unavailable', source: 'crl' });
    expect(svc.ocsp?.issuerStats()[0]).toMatchObject({ rejected: 1, answered: 0 });
  });

  it('fails closed when the responder is down, opens the circuit, and /readyz says so', async () => {
    const svc = await serviceFor('down', await freePortUrl(), {
      ocsp: { retries: 1, retryDelayMs: 1, breaker: { failureThreshold: 2, cooldownMs: 60_000 } },
    });
    for (let i = 0; i < 2; i++) {
      const answer = (await (await svc.app.request(`/v1/status/${CA}/${goodCert.serial}`)).json()) as Record<string, unknown>;
      expect(answer).toMatchObject({ status: 'unknown', detail: 'ocsp_unavailable' });
    }
    expect(svc.ocsp?.issuerStats()[0]).toMatchObject({ queries: 4, failed: 4 });
    const ready = await svc.app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { issuers: unknown[] }).issuers[0]).toMatchObject({ crl: 'stale', ocsp: 'open', ready: false });
    // open circuit: no query is sent
    await svc.app.request(`/v1/status/${CA}/${revokedCert.serial}`);
    expect(svc.ocsp?.issuerStats()[0]).toMatchObject({ queries: 4, refused: 1 });
  });

  it('caps OCSP spend per issuer', async () => {
    const svc = await serviceFor('cap', peer.url, { ocsp: { maxQueriesPerMinute: 1 } });
    expect(
      ((await (await svc.app.request(`/v1/status/${CA}/${goodCert.serial}?mode=ocsp-only`)).json()) as Record<string, unknown>).status,
    ).toBe('good');
    const capped = (await (await svc.app.request(`/v1/status/${CA}/ABCDE1?mode=ocsp-only`)).json()) as Record<string, unknown>;
    expect(capped).toMatchObject({ status: 'unknown', detail: 'ocsp_unavailable' });
    expect(svc.ocsp?.issuerStats()[0]).toMatchObject({ queries: 1, refused: 1 });
  });
});
