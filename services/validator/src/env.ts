import type { Logger } from 'pino';

/** What handlers find on the Hono context (`c.var`). */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** a child logger carrying the request id (made on first use: most requests never log) */
    log: () => Logger;
    /** the API key's id (a hash prefix, never the key) when keys are configured */
    apiKeyId: string | null;
    /** the API key's scopes (API_KEYS `key:personal`); unset without keys, which grants none */
    apiScopes: ReadonlySet<string> | undefined;
    /** the handler's response already carries `x-request-id` (fast-response.ts), so the middleware need not add it */
    requestIdSent: boolean;
  };
}
