/**
 * /docs in a real headless browser (Debian's chromium) with every request to anything but loopback refused — the machine a
 * validator runs on often has no internet. The page must render every operation of the document from what the validator
 * itself serves, with no console error and no request leaving loopback. A screenshot lands in test-results/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@jpki-validator/config';
import { startValidator, type RunningValidator } from '@jpki-validator/validator';
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotDir } from './support/browser.js';

let dir: string;
let validator: RunningValidator;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jv-docs-page-'));
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ issuers: [], dataDir: join(dir, 'data') }));
  validator = await startValidator({
    config: loadConfig({ file, env: {} }),
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await validator?.close();
  await rm(dir, { recursive: true, force: true });
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

describe('/docs in chromium, offline', () => {
  it('renders every operation from assets the validator serves, with no console error and no request off loopback', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const refused: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname)) return route.continue();
      refused.push(url.href);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));

    const response = await page.goto(`${validator.url}/docs`);
    expect(response?.status()).toBe(200);
    const doc = (await (await fetch(`${validator.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    await page
      .locator('.opblock')
      .nth(operations.length - 1)
      .waitFor({ timeout: 30_000 });

    const rendered = await page
      .locator('.opblock .opblock-summary')
      .evaluateAll((nodes) =>
        nodes.map(
          (n) =>
            `${n.querySelector('.opblock-summary-method')?.textContent?.trim()} ${n.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
        ),
      );
    expect(rendered.sort()).toEqual(operations.sort());
    expect(await page.locator('.info .title').textContent()).toContain('jpki-validator');
    await page.screenshot({ path: join(screenshotDir(), 'docs-page.png'), fullPage: true });

    expect(refused).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the blocking holds: a page asking another host gets nothing from it', async () => {
    const context = await browser.newContext();
    const refused: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname)) return route.continue();
      refused.push(url.href);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    await page.goto(`${validator.url}/healthz`);
    const outcome = await page.evaluate(() =>
      fetch('https://unpkg.com/swagger-ui-dist/swagger-ui.css').then(
        () => 'fetched',
        () => 'refused',
      ),
    );
    expect(outcome).toBe('refused');
    expect(refused).toEqual(['https://unpkg.com/swagger-ui-dist/swagger-ui.css']);
    await context.close();
  });
});
