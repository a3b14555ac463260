/**
 * The operators' console at /console: a few static pages (console/ beside this service's sources, uPlot from its npm package —
 * nothing from the internet) and the JSON they read under /console/api/. Its own route module: createApp mounts it with one call.
 *
 *   GET  /console                    the page (the login form when keys are configured and none was given)
 *   POST /console/login              form field `key` → HttpOnly SameSite=Strict cookie; POST /console/logout forgets it
 *                                    (a redirect to the page; JSON when the client accepts it)
 *   GET  /console/assets/<file>      the page's script, styles, uPlot
 *   GET  /console/api/overview       readiness (as /readyz), issuers by medium/kind, partitions by state with the worst
 *   GET  /console/api/partitions     ?ca=&state=fresh|stale|not_loaded&offset=&limit= (≤ 500)
 *   GET  /console/api/loads          ?ca=&partition=&rejected=1&offset=&limit= — the CRL loads history
 *   GET  /console/api/history        ?from=&to=&ca= (JST days, ≤ 400) — per-day series: revocations by reason and meaning,
 *                                    loads, watch passes/events/deliveries, OCSP queries/cache hits/spend
 *   GET  /console/api/watch          ?offset=&limit= — watch passes and delivery rounds
 *   GET  /console/api/audit          the query of GET /v1/audit, answered by it with the console's key
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MeaningLabels } from '@jpki-validator/config';
import { jstDay, OpsHistory, type OpsRoom } from '@jpki-validator/store';
import type { CrlReason } from '@jpki-validator/x509';
import { CRL_REASON_NAMES } from '@jpki-validator/x509';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../env.js';
import type { ApiKeyGate } from '../middleware/api-key.js';
import { ProblemError, problemResponse } from '../problem.js';
import { CONSOLE_COOKIE, createConsoleAuth } from './console-auth.js';
import { CONSOLE_ROUTES } from './console-openapi.js';
import { historySeries, overview, partitionsPage, type ConsoleSources, type PartitionState } from './console-data.js';

export interface ConsoleDeps extends ConsoleSources {
  /** the API keys' gate (null: no keys, the console is open) */
  gate: ApiKeyGate | null;
  /** the store's ops history room (null: the history pages say there is none) */
  ops: OpsRoom | null;
  meaning: (reason: CrlReason) => string;
  labels: MeaningLabels;
  /** brings this process's own counters (OCSP) into the history before a page reads it, so today's figures are current */
  beforeHistoryRead?: () => Promise<void>;
  /** answers an internal request as the app would (the audit search goes through /v1/audit) */
  fetch: (request: Request) => Response | Promise<Response>;
}

const PAGE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
const require = createRequire(import.meta.url);

/** file name → where it is and its type; nothing else is served */
const ASSETS: Record<string, { path: string; type: string }> = {
  'console.js': { path: `${PAGE_DIR}console.js`, type: 'text/javascript; charset=utf-8' },
  'console.css': { path: `${PAGE_DIR}console.css`, type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/** the page may load only its own files: no inline script, nothing from elsewhere */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function registerConsole(app: OpenAPIHono<AppEnv>, deps: ConsoleDeps): void {
  const auth = createConsoleAuth(deps.gate);
  const history = deps.ops === null ? null : new OpsHistory(deps.ops);
  const files = new Map<string, Promise<Buffer>>();
  const fileOf = (path: string): Promise<Buffer> => {
    let f = files.get(path);
    if (f === undefined) {
      f = readFile(path);
      f.catch(() => files.delete(path));
      files.set(path, f);
    }
    return f;
  };
  const html = async (c: Context<AppEnv>, file: string, status: 200 | 401 = 200, edit: (text: string) => string = (t) => t) =>
    c.body(edit((await fileOf(`${PAGE_DIR}${file}`)).toString('utf8')), status, {
      'content-type': 'text/html; charset=utf-8',
      ...SECURITY_HEADERS,
    });
  const failedLogin = (text: string): string =>
    text.replace('<!--login-failed-->', '<p class="error" role="alert">API キーが正しくありません。 / That API key is not valid.</p>');

  for (const route of CONSOLE_ROUTES) app.openAPIRegistry.registerPath(route);
  app.openAPIRegistry.registerComponent('securitySchemes', 'ConsoleCookie', { type: 'apiKey', in: 'cookie', name: CONSOLE_COOKIE });
  // the page is /console; /console/ (no documented route: a trailing-slash alias) sends the browser there
  app.use('/console/', async (c, next) => (c.req.path === '/console/' ? c.redirect('/console', 302) : next()));
  app.get('/console', async (c) => {
    if (auth.required && auth.keyOf(c) === null)
      return html(c, 'login.html', 401, c.req.query('login') === 'failed' ? failedLogin : undefined);
    return html(c, 'index.html');
  });
  // a form posted from another site's page (login CSRF: the victim logged in with someone else's key) is refused
  const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== 'null' && origin !== new URL(c.req.url).origin)
      throw new ProblemError(403, 'forbidden', `a console form posted from ${origin}`);
    await next();
  };
  app.post('/console/login', sameOrigin);
  app.post('/console/logout', sameOrigin);
  // a browser's form gets a redirect to the page; a script that asks for JSON gets JSON
  const wantsJson = (c: Context<AppEnv>): boolean => (c.req.header('accept') ?? '').includes('application/json');
  app.post('/console/login', async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    if (!auth.check(key)) {
      if (wantsJson(c)) throw new ProblemError(401, 'unauthorized', 'the API key is not valid');
      return c.redirect('/console?login=failed', 303);
    }
    if (auth.required)
      setCookie(c, CONSOLE_COOKIE, key, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/console',
        secure: new URL(c.req.url).protocol === 'https:',
        maxAge: 12 * 3_600,
      });
    return wantsJson(c) ? c.json({ loggedIn: true }, 200) : c.redirect('/console', 303);
  });
  app.post('/console/logout', (c) => {
    deleteCookie(c, CONSOLE_COOKIE, { path: '/console' });
    return wantsJson(c) ? c.json({ loggedIn: false }, 200) : c.redirect('/console', 303);
  });
  app.get('/console/assets/:file', async (c) => {
    const asset = ASSETS[c.req.param('file')];
    if (asset === undefined) return problemResponse(404, 'not-found', `no console asset ${c.req.param('file')}`, c.get('requestId'));
    return c.body(new Uint8Array(await fileOf(asset.path)), 200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
  });

  // the data: the same keys as the API
  app.use('/console/api/*', async (c, next) => {
    const who = auth.keyOf(c);
    if (who === null)
      throw new ProblemError(401, 'unauthorized', 'an API key is required: log in at /console or send X-API-Key', {
        'www-authenticate': 'Bearer realm="jpki-validator", charset="UTF-8"',
      });
    if (who.grant !== null) c.set('apiKeyId', who.grant.keyId);
    await next();
  });
  app.get('/console/api/overview', async (c) =>
    c.json({
      ...(await overview(deps)),
      meanings: CRL_REASON_NAMES.filter((r) => r !== 'removeFromCRL').map((reason) => ({ reason, meaning: deps.meaning(reason) })),
      labels: { ja: deps.labels.ja ?? {}, en: deps.labels.en ?? {} },
      history: history !== null,
    }),
  );
  app.get('/console/api/partitions', (c) => {
    const state = c.req.query('state');
    const states: readonly string[] = ['fresh', 'stale', 'not_loaded'];
    if (state !== undefined && !states.includes(state)) throw badQuery('state', 'fresh, stale or not_loaded');
    return c.json(
      partitionsPage(deps, {
        caId: c.req.query('ca') ?? null,
        state: (state as PartitionState | undefined) ?? null,
        offset: intQuery(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
        limit: intQuery(c, 'limit', 100, 1, 500),
      }),
    );
  });
  app.get('/console/api/loads', async (c) => {
    const h = needHistory(history);
    const caId = c.req.query('ca');
    const partition = c.req.query('partition');
    return c.json(
      await h.loads({
        ...(caId ? { caId } : {}),
        ...(partition ? { partition } : {}),
        rejected: c.req.query('rejected') === '1',
        offset: intQuery(c, 'offset', 0, 0, 100_000),
        limit: intQuery(c, 'limit', 50, 1, 500),
      }),
    );
  });
  app.get('/console/api/history', async (c) => {
    const h = needHistory(history);
    await deps.beforeHistoryRead?.();
    const today = jstDay(deps.now());
    const to = dayQuery(c, 'to') ?? today;
    const from = dayQuery(c, 'from') ?? jstDay(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000);
    const caId = c.req.query('ca') ?? null;
    const series = historySeries(await h.days(from, to), deps.meaning, caId);
    const ocspCapYenPerDay = deps.resolver.registry.cas
      .filter((ca) => caId === null || ca.id === caId)
      .reduce((sum, ca) => sum + (deps.ocsp?.dailyCapYen(ca) ?? 0), 0);
    return c.json({ from, to, ...series, ocspCapYenPerDay });
  });
  app.get('/console/api/watch', async (c) => {
    const h = needHistory(history);
    const offset = intQuery(c, 'offset', 0, 0, 100_000);
    const limit = intQuery(c, 'limit', 50, 1, 500);
    const [passes, deliveries] = await Promise.all([h.passes(offset, limit), h.deliveries(offset, limit)]);
    return c.json({ passes, deliveries });
  });
  app.get('/console/api/audit', async (c) => {
    const url = new URL(c.req.url);
    const headers = new Headers();
    const key = auth.keyOf(c)?.key ?? null;
    if (key !== null) headers.set('x-api-key', key);
    const requestId = c.get('requestId');
    if (requestId) headers.set('x-request-id', requestId);
    return deps.fetch(new Request(new URL(`/v1/audit${url.search}`, url), { headers }));
  });
}

function needHistory(history: OpsHistory | null): OpsHistory {
  if (history === null) throw new ProblemError(404, 'not-found', 'this validator has no ops history (no store room)');
  return history;
}

function badQuery(name: string, expected: string): ProblemError {
  return new ProblemError(400, 'bad-request', `query ${name}: expected ${expected}`);
}

function intQuery(c: Context<AppEnv>, name: string, fallback: number, min: number, max: number): number {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw badQuery(name, `an integer from ${min} to ${max}`);
  return n;
}

function dayQuery(c: Context<AppEnv>, name: string): string | null {
  const text = c.req.query(name);
  if (text === undefined || text === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) throw badQuery(name, 'a day YYYY-MM-DD');
  return text;
}
