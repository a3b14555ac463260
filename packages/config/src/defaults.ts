/** The fetch tuning an issuer gets when its config says nothing (see schema.ts `fetch`). */
export const DEFAULT_FETCH_TUNING = Object.freeze({ concurrency: 4, attempts: 3, backoffMs: 1_000 });
