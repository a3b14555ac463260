/**
 * The OpenAPI document as tools take it: Redocly's recommended ruleset (the engine of `redocly lint`) finds nothing, every route
 * the app registers is in it with an operationId, and /docs serves its own assets (no CDN).
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { DOCS_ASSETS } from '../src/docs-page.js';
import { bareApp, openApiDocument } from '../src/openapi-document.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

type Operation = { operationId?: string; security?: unknown[] };
type Paths = Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;

/** `GET /v1/status/{issuer}/{serial}` for each operation of the document */
function documentedOperations(doc: Record<string, unknown>): string[] {
  const paths = doc.paths as Paths;
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

async function lint(doc: Record<string, unknown>): Promise<string[]> {
  // the repository has no license yet: `info.license` would have to invent one
  const config = await createConfig({ extends: ['recommended'], rules: { 'info-license': 'off' } });
  const problems = await lintFromString({ source: JSON.stringify(doc, null, 2), absoluteRef: '/openapi.json', config });
  return problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`);
}

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended ruleset with no error and no warning", async () => {
    const doc = await openApiDocument();
    expect(await lint(doc)).toEqual([]);
    // the lint does fail: a stray field and a missing operationId are found
    const paths = structuredClone(doc.paths) as Paths;
    const batch = paths['/v1/status/batch']?.post as Operation & { middleware?: unknown };
    batch.middleware = [];
    delete batch.operationId;
    const found = await lint({ ...doc, paths });
    expect(found.some((p) => p.startsWith('error struct') && p.includes('middleware'))).toBe(true);
    expect(found.some((p) => p.includes('operation-operationId'))).toBe(true);
  });

  it('documents every route the app registers, each with a unique operationId', async () => {
    const { app } = await bareApp();
    const registered = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
        // Hono answers HEAD from the GET route: only GETs are registered
        .filter((r) => !r.startsWith('HEAD ')),
    );
    const doc = await openApiDocument();
    const documented = documentedOperations(doc);
    expect([...registered].sort()).toEqual([...new Set(documented)].sort());
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/v1/status/batch']) {
      expect(documented.some((op) => op.endsWith(` ${path}`))).toBe(true);
    }
    const ids = Object.values(doc.paths as Paths).flatMap((item) => METHODS.map((m) => item[m]?.operationId).filter(Boolean));
    expect(ids).toHaveLength(documented.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('operations routes need no API key; /v1 and /console/api routes declare theirs', async () => {
    const paths = (await openApiDocument()).paths as Paths;
    for (const [path, item] of Object.entries(paths)) {
      for (const m of METHODS) {
        const op = item[m];
        if (op === undefined) continue;
        if (path.startsWith('/v1/')) expect(op.security, `${m} ${path}`).toEqual([{ ApiKey: [] }]);
        // the console's JSON takes the key as the header or as its login cookie
        else if (path.startsWith('/console/api/')) expect(op.security, `${m} ${path}`).toEqual([{ ApiKey: [] }, { ConsoleCookie: [] }]);
        else expect(op.security, `${m} ${path}`).toEqual([]);
      }
    }
  });
});

describe('/docs', () => {
  it('serves its page and every asset from the validator itself, with no URL to another host', async () => {
    const { app } = await bareApp();
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(referenced.sort()).toEqual(
      Object.keys(DOCS_ASSETS)
        .map((f) => `docs/assets/${f}`)
        .sort(),
    );
    for (const file of Object.keys(DOCS_ASSETS)) {
      const asset = await app.request(`/docs/assets/${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-type')).toBe(DOCS_ASSETS[file]);
      expect((await asset.arrayBuffer()).byteLength, file).toBeGreaterThan(100);
    }
    const init = await (await app.request('/docs/assets/init.js')).text();
    expect(init).toContain('validatorUrl: null');
    const other = await app.request('/docs/assets/package.json');
    expect(other.status).toBe(400);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
  });
});
