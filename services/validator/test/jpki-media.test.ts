/**
 * JPKI as it really is, through the API: smartphone issuers beside the card's (medium in every answer, /v1/issuers, /v1/validate),
 * kind detection by each issuer's configured policy OIDs, OCSP prices per medium from the config, meaning labels in Japanese on
 * request (and the status GET's fast path untouched without), and the real J-LIS 2015 CAs loaded as retired.
 */
import { join } from 'node:path';
import { loadConfig } from '@jpki-validator/config';
import type { IssuedCertificate } from '@jpki-validator/sim';
import { createCaRegistry } from '@jpki-validator/status';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildService,
  loadCrlFile,
  simWorld,
  tempDir,
  writeConfig,
  writePartitionCrls,
  type SimWorld,
  type TestService,
} from './helpers.js';

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let svc: TestService;
let phoneSign: IssuedCertificate;
let phoneDead: IssuedCertificate;
let phoneAuth: IssuedCertificate;
let cardDead: IssuedCertificate;

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

beforeAll(async () => {
  tmp = await tempDir('media');
  world = await simWorld(tmp.path);
  const { sim } = world;
  phoneSign = await sim.issueCertificate({ ca: 'jpki-smartphone-sign-2023' });
  phoneDead = await sim.issueCertificate({ ca: 'jpki-smartphone-sign-2023' });
  await sim.revoke({ ca: 'jpki-smartphone-sign-2023', serial: phoneDead.serial, reason: 'affiliationChanged' });
  phoneAuth = await sim.issueCertificate({ ca: 'jpki-smartphone-auth-2023' });
  cardDead = await sim.issueCertificate({ ca: 'jpki-sign-2023' });
  await sim.revoke({ ca: 'jpki-sign-2023', serial: cardDead.serial, reason: 'superseded' });
  store = await openEmbeddedStore({ dataDir: join(tmp.path, 'store') });
  const crls: Record<string, { name: string; source: string }[]> = {};
  for (const ca of ['jpki-sign-2023', 'jpki-smartphone-sign-2023']) {
    crls[ca] = await writePartitionCrls(world, ca);
    for (const p of crls[ca] ?? []) await loadCrlFile(store, ca, p.name, p.source);
  }
  const file = await writeConfig(
    tmp.path,
    'media',
    [
      { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.caCertificatePath('jpki-sign-2023'), crls: crls['jpki-sign-2023'] ?? [] },
      {
        id: 'jpki-smartphone-sign-2023',
        group: 'jpki-smartphone-sign',
        caCert: sim.caCertificatePath('jpki-smartphone-sign-2023'),
        crls: crls['jpki-smartphone-sign-2023'] ?? [],
        medium: 'smartphone',
      },
      {
        id: 'jpki-smartphone-auth-2023',
        group: 'jpki-smartphone-auth',
        caCert: sim.caCertificatePath('jpki-smartphone-auth-2023'),
        ocsp: { url: sim.ocspUrl() },
        mode: 'ocsp-only',
        medium: 'smartphone',
        // the smartphone profile's OIDs are not public: an operator who learns them configures them; here, one that no leaf carries
        policies: { auth: ['1.2.392.999.1'] },
      },
    ],
    { ocsp: { costYen: { smartphone: { auth: 7 } } } },
  );
  svc = await buildService(file, store, store.kv);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await world?.close();
  await tmp?.remove();
});

describe('smartphone certificates', () => {
  it('every answer carries the medium of the issuer asked, single and batch alike', async () => {
    expect(await json(await svc.app.request(`/v1/status/jpki-smartphone-sign/${phoneDead.serial}`))).toMatchObject({
      caId: 'jpki-smartphone-sign-2023',
      medium: 'smartphone',
      status: 'revoked',
      meaning: 'death_or_emigration',
    });
    expect(await json(await svc.app.request(`/v1/status/jpki-sign/${cardDead.serial}`))).toMatchObject({
      medium: 'card',
      reason: 'superseded',
    });
    const text = await (await svc.app.request(`/v1/status/jpki-smartphone-sign-2023/${phoneSign.serial}`)).text();
    // the key sits after caId, in the order the fast path writes
    expect(text).toMatch(/^\{"issuer":"jpki-smartphone-sign-2023","caId":"jpki-smartphone-sign-2023","medium":"smartphone","serial":/);
    const batch = await json(
      await svc.app.request('/v1/status/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          items: [
            { issuer: 'jpki-smartphone-sign', serial: phoneDead.serial, id: 1 },
            { issuer: 'jpki-sign', serial: cardDead.serial, id: 2 },
            { issuer: 'nobody', serial: '1', id: 3 },
          ],
        }),
      }),
    );
    expect((batch.results as Record<string, unknown>[]).map((r) => [r.id, r.medium, r.status])).toEqual([
      [1, 'smartphone', 'revoked'],
      [2, 'card', 'revoked'],
      [3, null, 'unknown'],
    ]);
  });

  it('a smartphone issuer answers from its own OCSP responder, costed at the configured price', async () => {
    const answer = await json(await svc.app.request(`/v1/status/jpki-smartphone-auth/${phoneAuth.serial}`));
    expect(answer).toMatchObject({ status: 'good', source: 'ocsp', medium: 'smartphone' });
    const stats = svc.ocsp?.issuerStats().find((s) => s.caId === 'jpki-smartphone-auth-2023');
    expect(stats).toMatchObject({ kind: 'auth', medium: 'smartphone', queries: 1, estimatedCostYen: 7 });
  });

  it('/v1/issuers and /v1/validate name the medium; kind follows the issuer’s configured policy OIDs', async () => {
    const issuers = (await json(await svc.app.request('/v1/issuers'))).issuers as Record<string, unknown>[];
    expect(issuers.map((i) => [i.id, i.medium, i.kind])).toEqual([
      ['jpki-sign-2023', 'card', 'sign'],
      ['jpki-smartphone-sign-2023', 'smartphone', 'sign'],
      ['jpki-smartphone-auth-2023', 'smartphone', 'auth'],
    ]);
    const validate = async (cert: IssuedCertificate) =>
      json(
        await svc.app.request('/v1/validate', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ certificate: cert.pem }),
        }),
      );
    expect(await validate(phoneSign)).toMatchObject({
      result: 'valid',
      certificate: { caId: 'jpki-smartphone-sign-2023', kind: 'sign', medium: 'smartphone' },
    });
    // its leaf carries the card's auth policy, which this issuer was told is not its own: still `auth`, by the CA that signed it
    expect(await validate(phoneAuth)).toMatchObject({
      certificate: { caId: 'jpki-smartphone-auth-2023', kind: 'auth', medium: 'smartphone' },
    });
  });
});

describe('meaning labels', () => {
  it('adds meaningLabel only when Accept-Language asks, in Japanese or English, to single, batch, NDJSON and validate answers', async () => {
    const path = `/v1/status/jpki-sign/${cardDead.serial}`;
    const plain = await json(await svc.app.request(path));
    expect(plain).not.toHaveProperty('meaningLabel');
    const ja = await json(await svc.app.request(path, { headers: { 'Accept-Language': 'ja-JP,ja;q=0.9' } }));
    expect(ja).toMatchObject({ meaning: 'basic_info_changed', meaningLabel: '基本4情報（氏名・住所・生年月日・性別）の変更による再発行' });
    // the label sits beside the meaning
    expect(Object.keys(ja).slice(6, 8)).toEqual(['meaning', 'meaningLabel']);
    const en = await json(await svc.app.request(path, { headers: { 'Accept-Language': 'en' } }));
    expect(en.meaningLabel).toBe('name, address, birth date or gender changed; certificate reissued');
    const fr = await json(await svc.app.request(path, { headers: { 'Accept-Language': 'fr' } }));
    expect(fr).not.toHaveProperty('meaningLabel');
    const good = await json(await svc.app.request(`/v1/status/jpki-sign/${phoneSign.serial}`, { headers: { 'Accept-Language': 'ja' } }));
    expect(good).toMatchObject({ meaning: null, meaningLabel: null });

    const batch = await json(
      await svc.app.request('/v1/status/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-language': 'ja' },
        body: JSON.stringify({ items: [{ issuer: 'jpki-smartphone-sign', serial: phoneDead.serial }] }),
      }),
    );
    expect((batch.results as Record<string, unknown>[])[0]).toMatchObject({
      meaning: 'death_or_emigration',
      meaningLabel: '死亡または国外転出',
    });
    const ndjson = await (
      await svc.app.request('/v1/status/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'accept-language': 'ja' },
        body: `${JSON.stringify({ issuer: 'jpki-smartphone-sign', serial: phoneDead.serial })}\n`,
      })
    ).text();
    expect(JSON.parse(ndjson.trim())).toMatchObject({ meaningLabel: '死亡または国外転出', medium: 'smartphone' });
    const report = await json(
      await svc.app.request('/v1/validate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-language': 'ja' },
        body: JSON.stringify({ certificate: cardDead.pem }),
      }),
    );
    expect(report).toMatchObject({
      result: 'revoked',
      status: { meaningLabel: '基本4情報（氏名・住所・生年月日・性別）の変更による再発行' },
    });
  });

  it('labels every answer when the profile says so (labelLanguage), in the profile’s own words', async () => {
    const { sim } = world;
    const file = await writeConfig(
      tmp.path,
      'labelled',
      [
        {
          id: 'jpki-sign-2023',
          group: 'jpki-sign',
          caCert: sim.caCertificatePath('jpki-sign-2023'),
          crls: await writePartitionCrls(world, 'jpki-sign-2023'),
        },
      ],
      {
        profile: {
          meanings: { superseded: 'moved_or_renamed' },
          labels: { ja: { moved_or_renamed: '転居・改姓など' } },
          labelLanguage: 'ja',
        },
      },
    );
    const labelled = await buildService(file, store, store.kv);
    expect(await json(await labelled.app.request(`/v1/status/jpki-sign/${cardDead.serial}`))).toMatchObject({
      meaning: 'moved_or_renamed',
      meaningLabel: '転居・改姓など',
    });
  });
});

describe('the real J-LIS CAs', () => {
  it('loads the preset: the 2015 generation (expired 2025-10-19) as retired, with a log line; the 2023 one active', async () => {
    const file = await writeConfig(tmp.path, 'preset', [], {});
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      JSON.stringify({
        issuers: {
          preset: 'jpki',
          groups: { 'jpki-sign': { ocsp: { url: 'http://127.0.0.1:9/ocsp' } }, 'jpki-auth': { ocsp: { url: 'http://127.0.0.1:9/ocsp' } } },
        },
      }),
    );
    const config = loadConfig({ file, env: {} });
    const notices: string[] = [];
    const registry = await createCaRegistry(config.issuers, { onNotice: (m) => notices.push(m) });
    expect(registry.cas.map((ca) => [ca.id, ca.kind, ca.medium, ca.retired])).toEqual([
      ['jpki-sign-2015', 'sign', 'card', true],
      ['jpki-sign-2023', 'sign', 'card', false],
      ['jpki-auth-2015', 'auth', 'card', true],
      ['jpki-auth-2023', 'auth', 'card', false],
    ]);
    expect(notices).toEqual([
      'CA jpki-sign-2015: certificate expired at 2025-10-19T14:59:59Z; loaded as retired',
      'CA jpki-auth-2015: certificate expired at 2025-10-19T14:59:59Z; loaded as retired',
    ]);
    // a CA listed as active in a plain list is retired all the same once its certificate has expired
    const forced = await createCaRegistry([{ ...(config.issuers[0] as (typeof config.issuers)[number]), retired: false }], {
      onNotice: (m) => notices.push(m),
    });
    expect(forced.cas[0]?.retired).toBe(true);
    expect(notices.at(-1)).toBe(
      'CA jpki-sign-2015: certificate expired at 2025-10-19T14:59:59Z; loaded as retired (the config did not say so)',
    );
  });
});
