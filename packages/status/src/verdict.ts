/**
 * Per-CA verdicts and how a group's verdicts combine into one status answer (docs/api.md, "The status answer", groups):
 * revoked if any CA lists the serial (the CA with the latest notBefore when several do: an anomaly); good only when every
 * non-retired CA of the group can vouch (fresh CRL without the serial, or an OCSP `good`) — a responder's `unknown` means
 * "not my certificate" and does not block when another CA vouches; otherwise unknown with the first blocking reason.
 */
import type { EntrySlot } from '@jpki-validator/store';
import { formatTime, reasonCode, reasonName, type CrlReason } from '@jpki-validator/x509';
import type { Medium } from '@jpki-validator/config';
import type { RegisteredCa } from './ca-registry.js';
import type { CrlSummary, CrlVia } from './crl-summary.js';
import type { OcspSourceInfo, StatusAnswer, UnknownDetail } from './types.js';

export interface OcspVia {
  source: 'ocsp';
  ocsp: OcspSourceInfo;
}
export type Via = CrlVia | OcspVia;

export type CaVerdict =
  | { kind: 'revoked'; ca: RegisteredCa; reasonCode: number; revokedAtMs: number; invalidityMs: number; via: Via }
  | { kind: 'clear'; ca: RegisteredCa; via: Via }
  /** an OCSP responder's `unknown`: it never issued this serial */
  | { kind: 'not_mine'; ca: RegisteredCa; via: Via }
  | { kind: 'unknown'; ca: RegisteredCa; detail: UnknownDetail; via: Via | null };

/**
 * The CRL's verdict. A listed serial is revoked whatever the data's age (revocation is final in the store); absence vouches for
 * nothing unless every configured partition of `summary`'s scope is loaded and fresh — the whole CA's, or the one partition the
 * question named (crl-summary.ts).
 */
export function crlVerdict(ca: RegisteredCa, summary: CrlSummary, listed: EntrySlot | null, atMs: number, nowMs: number): CaVerdict {
  const stale = !(nowMs < summary.freshUntilMs);
  const via = stale ? summary.staleVia(nowMs) : summary.freshVia;
  if (listed !== null && via !== null && listed.revokedAtMs <= atMs) {
    return { kind: 'revoked', ca, reasonCode: listed.reasonCode, revokedAtMs: listed.revokedAtMs, invalidityMs: listed.invalidityMs, via };
  }
  if (via === null || !summary.complete) return { kind: 'unknown', ca, detail: 'issuer_not_loaded', via };
  if (stale) return { kind: 'unknown', ca, detail: 'crl_stale', via };
  return { kind: 'clear', ca, via };
}

/** A verified OCSP answer, as of `atMs` (a revocation after it does not count). */
export interface OcspAnswer {
  status: 'good' | 'revoked' | 'unknown';
  reason: CrlReason | null;
  revokedAtMs: number;
  producedAtMs: number;
  thisUpdateMs: number;
  nextUpdateMs: number | null;
}

export function ocspVerdict(ca: RegisteredCa, answer: OcspAnswer, atMs: number): CaVerdict {
  const via: OcspVia = {
    source: 'ocsp',
    ocsp: {
      producedAt: formatTime(answer.producedAtMs),
      thisUpdate: formatTime(answer.thisUpdateMs),
      nextUpdate: answer.nextUpdateMs === null ? null : formatTime(answer.nextUpdateMs),
    },
  };
  if (answer.status === 'unknown') return { kind: 'not_mine', ca, via };
  if (answer.status === 'revoked' && answer.revokedAtMs <= atMs) {
    // RFC 5280 §5.3.1: no reason given reads as unspecified
    const code = reasonCodeOf(answer.reason ?? 'unspecified');
    return { kind: 'revoked', ca, reasonCode: code, revokedAtMs: answer.revokedAtMs, invalidityMs: Number.NaN, via };
  }
  return { kind: 'clear', ca, via };
}

const reasonCodeOf = (reason: CrlReason): number => Math.max(0, reasonCode(reason));

export interface AnswerContext {
  issuer: string;
  /** the asked issuer's medium, null when it is not configured */
  medium: Medium | null;
  serial: string;
  checkedAt: string;
  meaning: (reason: CrlReason) => string;
}

/** Combines the verdicts of the CAs asked (one for an id, every CA of a group) into the contract's answer. */
export function combineVerdicts(verdicts: readonly CaVerdict[], ctx: AnswerContext): StatusAnswer {
  let revoked: Extract<CaVerdict, { kind: 'revoked' }> | null = null;
  let revokedCount = 0;
  for (const v of verdicts) {
    if (v.kind !== 'revoked') continue;
    revokedCount++;
    if (revoked === null || v.ca.certificate.notBefore.getTime() > revoked.ca.certificate.notBefore.getTime()) revoked = v;
  }
  if (revoked !== null) return revokedAnswer(revoked, revokedCount > 1, ctx);

  const only = verdicts.length === 1 ? verdicts[0] : undefined;
  if (only !== undefined) {
    if (only.kind === 'clear') return goodAnswer(only.ca.id, only.via, ctx);
    if (only.kind === 'not_mine') return unknownAnswer(ctx, 'ocsp_unknown', only.ca.id, only.via);
    if (only.kind === 'unknown') return unknownAnswer(ctx, only.detail, only.ca.id, only.via);
  }
  let clear: CaVerdict | null = null;
  let firstUnknown: Extract<CaVerdict, { kind: 'unknown' }> | null = null;
  let notMine: CaVerdict | null = null;
  for (const v of verdicts) {
    if (v.kind === 'unknown' && !v.ca.retired) return unknownAnswer(ctx, v.detail, null, v.via);
    if (v.kind === 'unknown') firstUnknown ??= v;
    else if (v.kind === 'clear') clear ??= v;
    else if (v.kind === 'not_mine') notMine ??= v;
  }
  if (clear !== null) return goodAnswer(null, clear.via, ctx);
  if (notMine !== null) return unknownAnswer(ctx, 'ocsp_unknown', null, notMine.via);
  return unknownAnswer(ctx, firstUnknown?.detail ?? 'issuer_not_loaded', null, firstUnknown?.via ?? null);
}

function revokedAnswer(v: Extract<CaVerdict, { kind: 'revoked' }>, anomaly: boolean, ctx: AnswerContext): StatusAnswer {
  const reason = reasonName(v.reasonCode) ?? 'unspecified';
  const answer: StatusAnswer = {
    issuer: ctx.issuer,
    caId: v.ca.id,
    medium: ctx.medium,
    serial: ctx.serial,
    status: 'revoked',
    reason,
    meaning: ctx.meaning(reason),
    revokedAt: formatTime(v.revokedAtMs),
    invalidityDate: Number.isNaN(v.invalidityMs) ? null : formatTime(v.invalidityMs),
    ...sourceFields(v.via),
    checkedAt: ctx.checkedAt,
  };
  if (anomaly) answer.anomaly = true;
  return answer;
}

function goodAnswer(caId: string | null, via: Via, ctx: AnswerContext): StatusAnswer {
  return {
    issuer: ctx.issuer,
    caId,
    medium: ctx.medium,
    serial: ctx.serial,
    status: 'good',
    reason: null,
    meaning: null,
    revokedAt: null,
    invalidityDate: null,
    ...sourceFields(via),
    checkedAt: ctx.checkedAt,
  };
}

/** `unknown` with its detail; `via` (the stale CRL, say) shows what the service did have. */
export function unknownAnswer(ctx: AnswerContext, detail: UnknownDetail, caId: string | null, via: Via | null): StatusAnswer {
  return {
    issuer: ctx.issuer,
    caId,
    medium: ctx.medium,
    serial: ctx.serial,
    status: 'unknown',
    reason: null,
    meaning: null,
    revokedAt: null,
    invalidityDate: null,
    ...sourceFields(via),
    detail,
    checkedAt: ctx.checkedAt,
  };
}

function sourceFields(via: Via | null): Pick<StatusAnswer, 'source' | 'crl' | 'ocsp'> {
  if (via === null) return { source: null, crl: null };
  if (via.source === 'crl') return { source: 'crl', crl: via.crl };
  return { source: 'ocsp', crl: null, ocsp: via.ocsp };
}
