/**
 * The console in a real browser (Debian's chromium through playwright-core): the login form, then every page — loaded without a
 * console error, its key figures equal to the API's, the stale partition visible on the overview — with a screenshot of each
 * page kept under test-results/ (CI's artefacts). Times in JST with UTC on hover; the language switch relabels the page.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jstDay } from '@jpki-validator/store';
import { launchChromium, screenshotDir } from '../../../test/support/browser.js';
import { AUTH, CONSOLE_KEY, SIGN, startConsoleWorld, type ConsoleWorld } from './console-world.js';

let world: ConsoleWorld;
let browser: Browser;
let page: Page;
const problems: string[] = [];

const api = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${world.validator.url}${path}`, { headers: { 'x-api-key': CONSOLE_KEY } })).json()) as T;

async function open(name: string, hash = name): Promise<void> {
  await page.goto(`${world.validator.url}/console#${hash}`);
  await page.waitForSelector(`#page[data-ready="${name}"]`);
  await page.screenshot({ path: join(screenshotDir(), `console-${name}.png`), fullPage: true });
}
const figure = (name: string) => page.locator(`[data-figure="${name}"]`).textContent();

beforeAll(async () => {
  [world, browser] = await Promise.all([startConsoleWorld('embedded'), launchChromium()]);
  page = await browser.newPage({ locale: 'en-US', timezoneId: 'Europe/London', viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  // nothing from outside the product: a request anywhere else fails the test
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith(world.validator.url)) return route.continue();
    problems.push(`outside request: ${route.request().url()}`);
    return route.abort();
  });
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

it('asks for the key, refuses a wrong one, and opens with the right one', async () => {
  await page.goto(`${world.validator.url}/console`);
  await page.screenshot({ path: join(screenshotDir(), 'console-login.png') });
  await page.fill('#key', 'not-the-key');
  await page.click('button[type=submit]');
  await page.waitForURL('**/console?login=failed');
  expect(await page.locator('[role=alert]').textContent()).toContain('not valid');
  await page.fill('#key', CONSOLE_KEY);
  await page.click('button[type=submit]');
  await page.waitForSelector('#page[data-ready="overview"]');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'jpki_console_key');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
  // the login form is answered 401 (no key yet), which the browser reports; nothing else may be
  const expected = /status of 401/;
  expect(problems.filter((p) => !expected.test(p))).toEqual([]);
  problems.length = 0;
});

it('overview: readiness and partition counts as /readyz gives them, the stale and the unloaded partition listed', async () => {
  await open('overview');
  const readyz = (await (await fetch(`${world.validator.url}/readyz`)).json()) as {
    ready: boolean;
    issuers: { partitions?: Record<string, number> }[];
  };
  const sum = (k: string) => readyz.issuers.reduce((n, i) => n + (i.partitions?.[k] ?? 0), 0);
  expect(await figure('ready')).toBe(readyz.ready ? 'Ready' : 'Not ready');
  expect(await figure('partitions-total')).toBe(String(sum('total')));
  expect(await figure('partitions-stale')).toBe(String(sum('stale')));
  expect(await figure('partitions-not-loaded')).toBe(String(sum('notLoaded')));
  const stale = page.locator(`tr[data-partition="${SIGN}/p0002"]`);
  await expect.poll(() => stale.count()).toBe(1);
  expect(await stale.getAttribute('class')).toBe('state-stale');
  expect(await page.locator(`tr[data-partition="${AUTH}/p0001"]`).getAttribute('class')).toBe('state-not_loaded');
  // a time is JST on the page and UTC on hover
  const when = stale.locator('time').first();
  expect(await when.textContent()).toMatch(/ JST$/);
  expect(await when.getAttribute('title')).toMatch(/^UTC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(await page.locator(`tr[data-issuer="${SIGN}"] td[data-col="ocspCircuit"]`).textContent()).toBe('closed');
});

it('CRL loads: the history with the rejected load and its reason, and one partition on its own', async () => {
  await open('loads', 'loads?rejected=1');
  const row = page.locator('tr[data-load="rejected"]').first();
  expect(await row.locator('td[data-col="partition"]').textContent()).toBe('p0001');
  expect(await row.locator('td[data-col="reason"]').textContent()).toBe('malformed');
  await page.goto(`${world.validator.url}/console#loads?ca=${SIGN}&partition=p0000`);
  await page.waitForSelector('tr[data-load="loaded"]');
  const { issuers } = await api<{ issuers: { id: string; partitions: { name: string; crlNumber: string; entries: number }[] }[] }>(
    '/v1/issuers?partitions=all',
  );
  const p0000 = issuers.find((i) => i.id === SIGN)?.partitions.find((p) => p.name === 'p0000');
  const latest = page.locator('tr[data-load="loaded"]').first();
  expect(await latest.locator('td[data-col="crlNumber"]').textContent()).toBe(p0000?.crlNumber);
  expect(await latest.locator('td[data-col="entries"]').textContent()).toBe(p0000?.entries.toLocaleString('en-US'));
});

it("revocations: today's affiliationChanged count as the history API gives it, and the chart drawn", async () => {
  await open('revocations');
  const h = await api<{ revocations: { byReason: Record<string, number[]> } }>(
    `/console/api/history?from=${jstDay(Date.now() - 89 * 86_400_000)}`,
  );
  expect(await figure('affiliation-today')).toBe(String(h.revocations.byReason.affiliationChanged?.at(-1)));
  expect(await figure('affiliation-today')).toBe(String(world.newlyRevoked.length));
  expect(await page.locator('[data-chart="revocations"] canvas').count()).toBe(1);
  // the legend carries the profile's label for the meaning
  expect(await page.locator('[data-chart="revocations"] .u-legend').textContent()).toContain('holder died or emigrated');
});

it('death detection: the watch list, the pass, and the delivery waiting for its retry', async () => {
  await open('watch');
  expect(await figure('watch-rows')).toBe('4');
  const w = await api<{ passes: { total: number }; deliveries: { items: { pending: number }[] } }>('/console/api/watch');
  expect(await figure('watch-passes')).toBe(String(w.passes.total));
  expect(await figure('deliveries-pending')).toBe(String(w.deliveries.items[0]?.pending));
  expect(Number(await figure('deliveries-pending'))).toBeGreaterThan(0);
});

it('OCSP: the spend today and the cap as the history API gives them', async () => {
  await fetch(`${world.validator.url}/v1/status/${SIGN}/${world.stillGood}?mode=ocsp-only`, { headers: { 'x-api-key': CONSOLE_KEY } });
  await open('ocsp');
  const h = await api<{ ocsp: { spendYen: number[] }; ocspCapYenPerDay: number }>('/console/api/history');
  expect(await figure('ocsp-spend-today')).toBe(`¥${(h.ocsp.spendYen.at(-1) ?? 0).toLocaleString('en-US')}`);
  expect(await figure('ocsp-spend-today')).not.toBe('¥0');
  expect(await figure('ocsp-cap')).toBe(`¥${h.ocspCapYenPerDay.toLocaleString('en-US')}`);
  expect(await page.locator('[data-chart="ocsp"] canvas').count()).toBe(1);
});

it('audit: the search finds the recorded question, in Japanese after the language switch', async () => {
  const serial = world.newlyRevoked[0] as string;
  await fetch(`${world.validator.url}/v1/status/jpki-sign/${serial}?purpose=death_check`, { headers: { 'x-api-key': CONSOLE_KEY } });
  let rows = 0;
  for (let i = 0; i < 30 && rows === 0; i++) {
    await open('audit', `audit?serial=${serial}`);
    rows = await page.locator('tr[data-audit-row]').count();
  }
  expect(rows).toBe(1);
  // today as a JST day range finds it; yesterday's does not
  const today = jstDay(Date.now());
  await open('audit', `audit?serial=${serial}&from=${today}&to=${today}`);
  expect(await page.locator('tr[data-audit-row]').count()).toBe(1);
  const yesterday = jstDay(Date.now() - 86_400_000);
  await open('audit', `audit?serial=${serial}&from=${yesterday}&to=${yesterday}`);
  expect(await page.locator('tr[data-audit-row]').count()).toBe(0);
  await open('audit', `audit?serial=${serial}`);
  const row = page.locator('tr[data-audit-row]').first();
  expect(await row.locator('td[data-col="purpose"]').textContent()).toBe('death_check');
  expect(await row.locator('td[data-col="result"]').textContent()).toBe('revoked');
  await page.click('#lang');
  await page.locator('html[lang="ja"]').waitFor({ state: 'attached' });
  await page.waitForSelector('#page[data-ready="audit"] tr[data-audit-row]');
  expect(await page.locator('a[data-page="audit"]').textContent()).toBe('監査ログ');
  expect(await page.locator('tr[data-audit-row] td[data-col="reason"]').first().textContent()).toBe('死亡または国外転出');
  await page.screenshot({ path: join(screenshotDir(), 'console-audit-ja.png'), fullPage: true });
  await page.click('#lang');
});

it('loaded every page without a console error or a request outside the product', () => {
  expect(problems).toEqual([]);
});
