/** `GET /v1/issuers`: every configured CA with its partitions' CRL metadata and its OCSP responder's circuit. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { partitionView, type OcspChecker, type StatusResolver } from '@jpki-validator/status';
import type { AppEnv } from '../env.js';
import { IssuersResponseSchema, problemSpec } from '../schemas.js';

export const issuersRoute = createRoute({
  method: 'get',
  path: '/v1/issuers',
  tags: ['issuers'],
  summary: 'Configured CAs, their CRL partitions and OCSP responders',
  security: [{ ApiKey: [] }],
  responses: {
    200: { description: 'every CA', content: { 'application/json': { schema: IssuersResponseSchema } } },
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
    const issuers = resolver.registry.cas.map((ca) => ({
      id: ca.id,
      group: ca.group,
      subject: ca.certificate.subject.text,
      keyId: ca.keyId,
      kind: ca.kind,
      medium: ca.medium,
      retired: ca.retired,
      mode: ca.mode,
      partitions: partitionView(ca, resolver.snapshotOf(ca.id), nowMs),
      ocsp: ca.ocsp ? { url: ca.ocsp.url, circuit: ocsp?.breakerState(ca) ?? 'closed' } : null,
    }));
    return c.json({ issuers }, 200);
  });
}
