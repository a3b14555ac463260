/**
 * Login challenges: a random nonce the service issues, the card's authentication key signs, and `verify` accepts once.
 * Kept in the store's small key-value room (Redis when configured, the embedded store's files otherwise), so every validator
 * sharing that store honours the same challenges; a challenge is consumed by the store's atomic take (Redis GETDEL / rename),
 * so of two validators racing on one challenge exactly one sees it. Any verify attempt consumes it, valid or not: a challenge is
 * single use, like a WebAuthn challenge.
 * The record is kept a grace period past its expiry so a late answer is told `expired` rather than `unknown_or_used`.
 */
import { randomBytes } from 'node:crypto';
import type { SmallKv } from '@jpki-validator/store';
import { SignatureInputError } from '@jpki-validator/x509';

export const CHALLENGE_DEFAULT_TTL_SECONDS = 300;
export const CHALLENGE_MAX_TTL_SECONDS = 3_600;
export const CHALLENGE_NONCE_BYTES = 32;
const GRACE_MS = 10 * 60_000;
const ID = /^[A-Za-z0-9_-]{22}$/;

export interface IssuedChallenge {
  challengeId: string;
  /** the bytes to be signed */
  nonce: Uint8Array;
  expiresAtMs: number;
}

export type ChallengeOutcome =
  | { status: 'accepted'; nonce: Uint8Array; expiresAtMs: number }
  | { status: 'expired'; nonce: Uint8Array; expiresAtMs: number }
  | { status: 'unknown_or_used' };

interface StoredChallenge {
  /** nonce, base64 */
  n: string;
  /** expiry, ms since the epoch */
  e: number;
  /** the API key id that asked for it (a challenge is answered only to the same key), null without keys */
  o: string | null;
}

const kvKey = (challengeId: string): string => `challenge:${challengeId}`;

export class ChallengeStore {
  constructor(
    private readonly kv: SmallKv,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(options: { ttlSeconds?: number; owner: string | null }): Promise<IssuedChallenge> {
    const ttlSeconds = options.ttlSeconds ?? CHALLENGE_DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > CHALLENGE_MAX_TTL_SECONDS)
      throw new SignatureInputError('ttlSeconds', `must be a whole number of seconds from 1 to ${CHALLENGE_MAX_TTL_SECONDS}`);
    const challengeId = randomBytes(16).toString('base64url');
    const nonce = new Uint8Array(randomBytes(CHALLENGE_NONCE_BYTES));
    const expiresAtMs = Math.floor(this.now() / 1000) * 1000 + ttlSeconds * 1000;
    const stored: StoredChallenge = { n: Buffer.from(nonce).toString('base64'), e: expiresAtMs, o: options.owner };
    await this.kv.set(kvKey(challengeId), Buffer.from(JSON.stringify(stored)), ttlSeconds * 1000 + GRACE_MS);
    return { challengeId, nonce, expiresAtMs };
  }

  /** Consumes the challenge (whatever comes of the verification); `owner` must be the key that asked for it. */
  async take(challengeId: string, owner: string | null): Promise<ChallengeOutcome> {
    if (!ID.test(challengeId)) throw new SignatureInputError('challengeId', 'not a challenge id (22 base64url characters)');
    const bytes = await this.kv.take(kvKey(challengeId));
    if (bytes === null) return { status: 'unknown_or_used' };
    const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredChallenge;
    if (stored.o !== owner) return { status: 'unknown_or_used' };
    const nonce = new Uint8Array(Buffer.from(stored.n, 'base64'));
    return { status: this.now() > stored.e ? 'expired' : 'accepted', nonce, expiresAtMs: stored.e };
  }
}
