/**
 * `POST /v1/challenges`: a login challenge — a random nonce for the card's authentication key to sign, with an expiry, kept in
 * the store so any validator sharing it can accept the answer (once) at POST /v1/verify with `challengeId`.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ChallengeStore } from '@jpki-validator/status';
import { formatTime, SignatureInputError } from '@jpki-validator/x509';
import type { AppEnv } from '../env.js';
import { jsonBodyLimit } from '../middleware/body-limit.js';
import { ProblemError } from '../problem.js';
import { problemSpec } from '../schemas.js';
import { ChallengeRequestSchema, ChallengeResponseSchema } from '../verify-schemas.js';

const challengeRoute = createRoute({
  method: 'post',
  path: '/v1/challenges',
  operationId: 'createChallenge',
  tags: ['signatures'],
  summary: 'Issue a single-use login challenge (a nonce to sign with the authentication certificate)',
  security: [{ ApiKey: [] }],
  middleware: [jsonBodyLimit(4_096)] as const,
  request: { body: { required: false, content: { 'application/json': { schema: ChallengeRequestSchema } } } },
  responses: {
    201: { description: 'the challenge', content: { 'application/json': { schema: ChallengeResponseSchema } } },
    400: problemSpec('a bad ttlSeconds'),
    401: problemSpec('missing or invalid API key'),
    503: problemSpec('the store that keeps challenges does not answer'),
  },
});

export function registerChallengesRoute(app: OpenAPIHono<AppEnv>, challenges: ChallengeStore | null): void {
  app.openapi(challengeRoute, async (c) => {
    const body = c.req.header('content-length') === '0' ? {} : c.req.valid('json');
    if (challenges === null) throw new ProblemError(503, 'unavailable', 'this service keeps no challenges (no store)');
    try {
      const issued = await challenges.issue({
        ...(body.ttlSeconds !== undefined ? { ttlSeconds: body.ttlSeconds } : {}),
        owner: c.get('apiKeyId') ?? null,
      });
      return c.json(
        {
          challengeId: issued.challengeId,
          nonce: Buffer.from(issued.nonce).toString('base64'),
          expiresAt: formatTime(new Date(issued.expiresAtMs)),
        },
        201,
      );
    } catch (error) {
      if (error instanceof SignatureInputError) throw new ProblemError(400, 'bad-request', error.message);
      c.get('log')().warn({ err: error }, 'challenge not stored');
      throw new ProblemError(503, 'unavailable', 'the challenge store does not answer; try again');
    }
  });
}
