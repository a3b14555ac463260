/**
 * `GET /v1/issuers`: every configured CA with its partitions' CRL metadata and its OCSP responder's circuit. A national signature
 * CA has ~1,741 partitions: they are counted by state (`partitionCounts`) and only the worst listed, unless `?partitions=all`.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { partitionOverview, partitionView, type OcspChecker, type StatusResolver } from '@jpki-validator/status';
import type { AppEnv } from '../env.js';
import { IssuersResponseSchema, problemSpec } from '../schemas.js';

/** a CA with at most this many partitions lists them all */
export const LIST_ALL_UP_TO = 20;
/** otherwise the worst this many */
export const WORST_LISTED = 10;

export const issuersRoute = createRoute({
  method: 'get',
  path: '/v1/issuers',
  operationId: 'listIssuers',
  tags: ['issuers'],
  summary: 'Configured CAs, their CRL partitions and OCSP responders',
  security: [{ ApiKey: [] }],
  request: {
    query: z.object({
      partitions: z
        .enum(['all', 'worst'])
        .optional()
        .openapi({
          param: { name: 'partitions', in: 'query' },
          description: `\`all\`: list every partition; default: all up to ${LIST_ALL_UP_TO}, else the ${WORST_LISTED} worst`,
        }),
    }),
  },
  responses: {
    200: { description: 'every CA', content: { 'application/json': { schema: IssuersResponseSchema } } },
    400: problemSpec('an unknown `partitions` value'),
    401: problemSpec('missing or invalid API key'),
  },
});

export function registerIssuersRoute(
  app: OpenAPIHono<AppEnv>,
  resolver: StatusResolver,
  ocsp: OcspChecker | null,
  now: () => number,
): void {
  app.openapi(issuersRoute, (c) => {
    const nowMs = now();
    const listAll = c.req.valid('query').partitions === 'all';
    const issuers = resolver.registry.cas.map((ca) => {
      const snapshot = resolver.snapshotOf(ca.id);
      const overview = partitionOverview(ca, snapshot, nowMs, WORST_LISTED);
      const partitions = listAll || ca.partitions.length <= LIST_ALL_UP_TO ? partitionView(ca, snapshot, nowMs) : overview.worst;
      return {
        id: ca.id,
        group: ca.group,
        subject: ca.certificate.subject.text,
        keyId: ca.keyId,
        kind: ca.kind,
        medium: ca.medium,
        retired: ca.retired,
        mode: ca.mode,
        partitions,
        partitionCounts: overview.counts,
        ocsp: ca.ocsp ? { url: ca.ocsp.url, circuit: ocsp?.breakerState(ca) ?? 'closed' } : null,
      };
    });
    return c.json({ issuers }, 200);
  });
}
