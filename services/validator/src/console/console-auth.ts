/**
 * Who may see the console. With API keys configured: the same keys as the API — given once in the login form and kept as an
 * HttpOnly, SameSite=Strict cookie scoped to /console (scripts never see it; other sites' pages never send it), or sent as
 * `X-API-Key` / `Authorization: Bearer` like any API call. Without keys (the demo) it is open, as the API is.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../env.js';
import type { ApiKeyGate, ApiKeyGrant } from '../middleware/api-key.js';
import { ProblemError } from '../problem.js';

export const CONSOLE_COOKIE = 'jpki_console_key';

export interface ConsoleAuth {
  /** whether keys are configured at all */
  required: boolean;
  /** the presented key (cookie or header) when it is valid; null when none or a wrong one was presented. Throws 429 when rate-limited. */
  keyOf(c: Context<AppEnv>): { key: string | null; grant: ApiKeyGrant | null } | null;
  /** checks a key typed into the login form */
  check(key: string): boolean;
}

export function createConsoleAuth(gate: ApiKeyGate | null): ConsoleAuth {
  return {
    required: gate !== null,
    keyOf(c) {
      if (gate === null) return { key: null, grant: null };
      const header = c.req.header('x-api-key') ?? bearer(c.req.header('authorization'));
      const key = header ?? getCookie(c, CONSOLE_COOKIE) ?? null;
      if (key === null || key === '') return null;
      try {
        return { key, grant: gate.grant(undefined, key) };
      } catch (error) {
        if (error instanceof ProblemError && error.status === 401) return null;
        throw error;
      }
    },
    check(key) {
      if (gate === null) return true;
      try {
        gate.grant(undefined, key);
        return true;
      } catch (error) {
        if (error instanceof ProblemError && error.status === 401) return false;
        throw error;
      }
    },
  };
}

function bearer(authorization: string | undefined): string | undefined {
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)$/i.exec(authorization);
  return m?.[1];
}
