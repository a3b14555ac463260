import type { CheckOptions, StatusMode } from '@jpki-validator/status';
import { ProblemError } from './problem.js';

/** ISO 8601 / RFC 3339 date-time with a zone, or a bare date (midnight UTC). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/** `at` and `mode` from a query or body; a bad `at` is the caller's mistake (400). */
export function checkOptions(at: string | undefined, mode: string | undefined): CheckOptions {
  const options: CheckOptions = {};
  if (at !== undefined && at !== '') {
    const ms = ISO_TIME.test(at) ? Date.parse(at) : Number.NaN;
    if (Number.isNaN(ms))
      throw new ProblemError(400, 'bad-request', `at: "${at.slice(0, 40)}" is not an ISO time such as 2026-10-01T03:00:00Z`);
    options.atMs = ms;
  }
  if (mode !== undefined) options.mode = mode as StatusMode;
  return options;
}
