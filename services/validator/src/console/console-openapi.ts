/**
 * The console's routes in the OpenAPI document (every route the app serves is documented). The pages and their files need no key;
 * the JSON under /console/api/ takes an API key as a header or as the login form's cookie. The answers' fields: docs/console.md.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { problemSpec } from '../schemas.js';

const tags = ['console'];
const open = { tags, security: [] };
/** the key as the API takes it, or the cookie the login form set */
const keyed = { tags, security: [{ ApiKey: [] }, { ConsoleCookie: [] }] };
const html = (description: string) => ({ description, content: { 'text/html; charset=utf-8': { schema: z.string() } } });
const json = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).passthrough() } } });
const redirect = (description: string) => ({ description, headers: { location: { schema: { type: 'string' as const } } } });
const denied = { 401: problemSpec('no valid API key (header or login cookie)'), 429: problemSpec('the key is over its rate limit') };
const query = (name: string, description: string) =>
  z
    .string()
    .optional()
    .openapi({ param: { name, in: 'query' }, description });

export const CONSOLE_ROUTES = [
  createRoute({
    method: 'get',
    path: '/console',
    operationId: 'getConsolePage',
    ...open,
    summary: 'The operators’ console (the login form while API keys are configured and none was given)',
    responses: { 200: html('the console'), 401: html('the login form') },
  }),
  createRoute({
    method: 'post',
    path: '/console/login',
    operationId: 'postConsoleLogin',
    ...open,
    summary: 'The login form: a valid key becomes an HttpOnly, SameSite=Strict cookie scoped to /console',
    request: {
      body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ key: z.string() }) } }, required: true },
    },
    responses: {
      200: {
        description: 'logged in (a client accepting JSON)',
        content: { 'application/json': { schema: z.object({ loggedIn: z.literal(true) }) } },
      },
      303: redirect('to /console (a browser’s form; `?login=failed` for a wrong key)'),
      401: problemSpec('a wrong key (a client accepting JSON)'),
      403: problemSpec('posted from another site'),
    },
  }),
  createRoute({
    method: 'post',
    path: '/console/logout',
    operationId: 'postConsoleLogout',
    ...open,
    summary: 'Forgets the login cookie',
    responses: {
      200: {
        description: 'logged out (a client accepting JSON)',
        content: { 'application/json': { schema: z.object({ loggedIn: z.literal(false) }) } },
      },
      303: redirect('to /console (a browser’s form)'),
      403: problemSpec('posted from another site'),
    },
  }),
  createRoute({
    method: 'get',
    path: '/console/assets/{file}',
    operationId: 'getConsoleAsset',
    ...open,
    summary: "A file of the console's pages (its script and styles, uPlot)",
    request: { params: z.object({ file: z.string().openapi({ param: { name: 'file', in: 'path' } }) }) },
    responses: {
      200: { description: 'the file', content: { 'application/octet-stream': { schema: z.string() } } },
      404: problemSpec('not a file of the console'),
    },
  }),
  createRoute({
    method: 'get',
    path: '/console/api/overview',
    operationId: 'getConsoleOverview',
    ...keyed,
    summary: 'Readiness as /readyz judges it, issuers by medium and kind, partitions by state with the worst, OCSP circuits',
    responses: { 200: json('the overview'), ...denied },
  }),
  createRoute({
    method: 'get',
    path: '/console/api/partitions',
    operationId: 'getConsolePartitions',
    ...keyed,
    summary: 'One page of partitions, worst first per CA',
    request: {
      query: z.object({
        ca: query('ca', 'one CA id'),
        state: query('state', 'fresh, stale or not_loaded'),
        offset: query('offset', 'from this place (default 0)'),
        limit: query('limit', 'at most this many (default 100, ≤ 500)'),
      }),
    },
    responses: { 200: json('the page'), 400: problemSpec('a query value out of range'), ...denied },
  }),
  createRoute({
    method: 'get',
    path: '/console/api/loads',
    operationId: 'getConsoleLoads',
    ...keyed,
    summary: 'The CRL loads history, newest first: all, one partition’s, or the rejected and failed ones',
    request: {
      query: z.object({
        ca: query('ca', 'with partition: that partition’s loads'),
        partition: query('partition', 'a partition of `ca`'),
        rejected: query('rejected', '1: the rejected and failed loads'),
        offset: query('offset', 'from this place (default 0)'),
        limit: query('limit', 'at most this many (default 50, ≤ 500)'),
      }),
    },
    responses: { 200: json('the page'), 400: problemSpec('a query value out of range'), 404: problemSpec('no ops history'), ...denied },
  }),
  createRoute({
    method: 'get',
    path: '/console/api/history',
    operationId: 'getConsoleHistory',
    ...keyed,
    summary: 'Per JST day: revocations by reason and meaning, loads, watch passes and deliveries, OCSP queries and spend',
    request: {
      query: z.object({
        from: query('from', 'first JST day, YYYY-MM-DD (default 29 days before `to`)'),
        to: query('to', 'last JST day, YYYY-MM-DD (default today)'),
        ca: query('ca', 'one CA id (revocations and OCSP)'),
      }),
    },
    responses: { 200: json('the series'), 400: problemSpec('not a day'), 404: problemSpec('no ops history'), ...denied },
  }),
  createRoute({
    method: 'get',
    path: '/console/api/watch',
    operationId: 'getConsoleWatch',
    ...keyed,
    summary: 'Watch passes and webhook delivery rounds, newest first',
    request: { query: z.object({ offset: query('offset', 'from this place'), limit: query('limit', 'at most this many (≤ 500)') }) },
    responses: { 200: json('the pages'), 400: problemSpec('a query value out of range'), 404: problemSpec('no ops history'), ...denied },
  }),
  createRoute({
    method: 'get',
    path: '/console/api/audit',
    operationId: 'getConsoleAudit',
    ...keyed,
    summary: 'GET /v1/audit asked with the console’s key (the key needs the `audit` scope)',
    responses: {
      200: json('as GET /v1/audit'),
      403: problemSpec('the key lacks the audit scope'),
      404: problemSpec('the audit history is off'),
      ...denied,
    },
  }),
];
