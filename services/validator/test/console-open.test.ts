/**
 * The console without API keys (the `npm start` demo's case): open, as the API is; and a validator built without the store's ops
 * room says it has no history rather than failing. With keys, a login form posted from another site is refused.
 */
import { join } from 'node:path';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  buildService,
  simWorld,
  tempDir,
  writeConfig,
  writePartitionCrls,
  loadCrlFile,
  type SimWorld,
  type TestService,
} from './helpers.js';

let tmp: { path: string; remove: () => Promise<void> };
let world: SimWorld;
let store: EmbeddedRevocationStore;
let open: TestService;
let keyed: TestService;

beforeAll(async () => {
  tmp = await tempDir('console-open');
  world = await simWorld(tmp.path);
  store = await openEmbeddedStore({ dataDir: join(tmp.path, 'store') });
  const crls = await writePartitionCrls(world, 'jpki-sign-2023');
  for (const p of crls) await loadCrlFile(store, 'jpki-sign-2023', p.name, p.source);
  const file = await writeConfig(tmp.path, 'open', [
    { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: world.sim.caCertificatePath('jpki-sign-2023'), crls },
  ]);
  open = await buildService(file, store, store.kv);
  keyed = await buildService(file, store, store.kv, { env: { API_KEYS: 'the-key-0123456789' } });
});
afterAll(async () => {
  await store?.close();
  await world?.close();
  await tmp?.remove();
});

it('is open without keys: the page, the overview, the partitions', async () => {
  const page = await open.app.request('/console');
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('/console/assets/console.js');
  const overview = await open.app.request('/console/api/overview');
  expect(overview.status).toBe(200);
  expect(((await overview.json()) as { partitions: { total: number } }).partitions.total).toBeGreaterThan(0);
  expect((await open.app.request('/console/api/partitions?limit=1')).status).toBe(200);
  expect((await open.app.request('/console/')).headers.get('location')).toBe('/console');
});

it('says there is no history when the app has no ops room', async () => {
  for (const path of ['/console/api/loads', '/console/api/history', '/console/api/watch']) {
    const response = await open.app.request(path);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/no ops history/);
  }
});

it('refuses a login form posted from another site, and takes one from its own page', async () => {
  const body = new URLSearchParams({ key: 'the-key-0123456789' });
  const foreign = await keyed.app.request('http://127.0.0.1/console/login', {
    method: 'POST',
    body,
    headers: { origin: 'https://evil.example' },
  });
  expect(foreign.status).toBe(403);
  expect(foreign.headers.get('set-cookie')).toBeNull();
  const own = await keyed.app.request('http://127.0.0.1/console/login', { method: 'POST', body, headers: { origin: 'http://127.0.0.1' } });
  expect(own.status).toBe(303);
  expect(own.headers.get('set-cookie')).toMatch(/^jpki_console_key=the-key-0123456789;/);
});
