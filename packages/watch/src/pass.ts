/**
 * One detection pass, under the writer lock:
 *
 * 1. detect (detect.ts): every watched certificate listed under a reason not yet reported for it, and every expiry due;
 * 2. record: the events, the rows' new "reported" marks and the sinks they are owed to, as ONE journal transaction — from its
 *    commit on, no later pass reports them again, and the record is what every sink is delivered from;
 * 3. deliver (delivery.ts): this pass's and any earlier pass's owed deliveries, each step recorded.
 *
 * A crash before the commit leaves nothing (the next pass finds the same events again); after it, delivery resumes where the
 * record says. So each event reaches each sink exactly once, and its eventId is the same whichever process reports it.
 */
import type { Writable } from 'node:stream';
import type { CaSnapshot } from '@jpki-validator/store';
import { formatSerial, formatTime, reasonName, type CrlReason } from '@jpki-validator/x509';
import { crashPoint } from './crash-point.js';
import {
  deliverRecorded,
  FileSinkTarget,
  sinkKey,
  WebhookTarget,
  type DeliveryOutcome,
  type DeliveryTarget,
  type WatchSinkConfig,
} from './delivery.js';
import { detect, type DetectTarget } from './detect.js';
import { expiryCaId, watchEventId } from './event-id.js';
import { writeEventLines } from './events-file.js';
import { eventLine } from './journal/records.js';
import { EXPIRED_BIT } from './list/watch-columns.js';
import type { PendingPass } from './list/watch-state.js';
import type { WatchEvent } from './types.js';
import type { WatchRepository, WatchWriter } from './watch-repository.js';
import type { WebhookQueue } from './webhook.js';

export type { WatchSinkConfig } from './delivery.js';

export interface PassOptions {
  repo: WatchRepository;
  /** the CA's current generation (embedded: `store.snapshot`, Redis: `store.loadSnapshot`) */
  snapshot: (caId: string) => Promise<CaSnapshot | null>;
  meaning: (reason: CrlReason) => string;
  /** the medium of a CA (`card` | `smartphone`, from the config), for the events' `medium`; absent: null */
  mediumOf?: (caId: string) => 'card' | 'smartphone' | null;
  sinks?: readonly WatchSinkConfig[];
  /** where webhook batches go; without one, webhook deliveries stay owed */
  webhooks?: WebhookQueue;
  /** `watch run --output`: this pass's events, from the record, once it is committed */
  output?: Writable;
  /** events kept in the report (default 10 000; every event is recorded and delivered regardless) */
  reportEvents?: number;
  nowMs?: number;
}

export interface PassReport {
  /** null when the pass found nothing (nothing is recorded then) */
  runId: string | null;
  detectedAt: string;
  /** the first `reportEvents` events, in record order */
  events: WatchEvent[];
  eventCount: number;
  revoked: number;
  expired: number;
  /** rows of the watch list */
  rows: number;
  /** per CA with a generation: the generation passed and the hits found */
  cas: { caId: string; generation: number; hits: number }[];
  /** CAs the list watches that have no generation loaded (nothing could be checked against them) */
  unavailable: string[];
  delivery: DeliveryOutcome;
  /** milliseconds: detection (the walk and the events), recording, delivering */
  timings: { detectMs: number; recordMs: number; deliverMs: number };
}

/** journal lines per append while a pass records */
const LINES_PER_APPEND = 5000;

const newRunId = (): string => `${Date.now().toString(36)}${Math.random().toString(16).slice(2, 8)}`;

export function runWatchPass(options: PassOptions): Promise<PassReport> {
  return options.repo.write((w) => pass(w, options));
}

async function pass(w: WatchWriter, options: PassOptions): Promise<PassReport> {
  const started = performance.now();
  const nowMs = options.nowMs ?? Date.now();
  const detectedAt = formatTime(nowMs);
  const { state } = w;
  const c = state.columns;
  const issuers = state.issuers.entries;

  // the CAs the list watches, with their current generations
  const caIds = [...new Set(issuers.flatMap((e) => e.caIds))].sort();
  const targets: DetectTarget[] = [];
  const targetCaIds: string[] = [];
  const crlNumbers: (string | null)[] = [];
  const unavailable: string[] = [];
  for (const caId of caIds) {
    const snapshot = await options.snapshot(caId);
    if (snapshot === null || !snapshot.loaded) {
      unavailable.push(caId);
      continue;
    }
    targets.push({ snapshot, hits: 0 });
    targetCaIds.push(caId);
    crlNumbers.push(latestCrlNumber(snapshot));
  }
  const targetsOfIssuer = issuers.map((e) => e.caIds.map((id) => targetCaIds.indexOf(id)).filter((t) => t >= 0));

  const runId = newRunId();
  const sinkKeys = (options.sinks ?? []).map(sinkKey);
  const keep = options.reportEvents ?? 10_000;
  const kept: WatchEvent[] = [];
  let lines: string[] = [];
  let count = 0;
  let revoked = 0;
  let begun = false;
  let beginPosition = 0;
  let recordMs = 0;
  const flush = async (): Promise<void> => {
    const t0 = performance.now();
    if (!begun) {
      beginPosition = await w.begin({ t: 'begin', id: runId, kind: 'pass', detectedAt, sinks: sinkKeys });
      begun = true;
    }
    await w.appendBody(lines);
    lines = [];
    recordMs += performance.now() - t0;
    crashPoint('pass.appended');
  };
  const hits = new HitList();
  detect(c, targets, targetsOfIssuer, nowMs, (row, target, code, revokedSec) => hits.add(row, target, code, revokedSec));
  // the events are built after the walk (each costs a hash and a JSON text), so the walk stays a tight loop
  const h = { row: 0, target: 0, code: 0, revokedSec: 0 };
  for (let i = 0; i < hits.length; i++) {
    hits.read(i, h);
    const e =
      h.target < 0
        ? expiredEvent(w, h.row, detectedAt, options.mediumOf)
        : revokedEvent(w, h, targetCaIds, crlNumbers, detectedAt, options.meaning, options.mediumOf);
    const bits = h.target < 0 ? EXPIRED_BIT : 1 << h.code;
    if (h.target >= 0) {
      revoked++;
      (targets[h.target] as DetectTarget).hits++;
    }
    lines.push(eventLine(h.row, bits, JSON.stringify(e)));
    if (kept.length < keep) kept.push(e);
    count++;
    if (lines.length >= LINES_PER_APPEND) await flush();
  }
  if (lines.length > 0) await flush();
  const detectMs = performance.now() - started - recordMs;

  let recorded: PendingPass | null = null;
  if (begun) {
    const t0 = performance.now();
    crashPoint('pass.before-commit');
    const end = await w.commit(runId, count);
    // what the committed record says, applied to the columns this process holds
    for (let i = 0; i < hits.length; i++) {
      hits.read(i, h);
      c.mask[h.row] = (c.mask[h.row] as number) | (h.target < 0 ? EXPIRED_BIT : 1 << h.code);
    }
    recorded = { runId, detectedAt, begin: beginPosition, end, events: count, sinks: new Map() };
    for (const key of sinkKeys) recorded.sinks.set(key, { state: 'pending', host: null });
    if (sinkKeys.length > 0) state.pending.set(runId, recorded);
    recordMs += performance.now() - t0;
    crashPoint('pass.committed');
  }

  const t1 = performance.now();
  const delivery = await deliverRecorded(w, targetResolver(options.webhooks));
  const deliverMs = performance.now() - t1;
  if (recorded !== null && options.output) await writeEventLines(options.output, w.passEvents(recorded));
  await w.maybeCheckpoint();
  return {
    runId: recorded === null ? null : runId,
    detectedAt,
    events: kept,
    eventCount: count,
    revoked,
    expired: count - revoked,
    rows: c.rows,
    cas: targets.map((t, i) => ({ caId: targetCaIds[i] as string, generation: t.snapshot.generation, hits: t.hits })),
    unavailable,
    delivery,
    timings: { detectMs, recordMs, deliverMs },
  };
}

/** a recorded sink to where it is delivered: a file sink by its directory, a webhook through the queue given (if any) */
export function targetResolver(webhooks: WebhookQueue | undefined): (key: string) => DeliveryTarget | null {
  return (key) => {
    if (key.startsWith('file:')) return new FileSinkTarget(key.slice('file:'.length));
    if (key.startsWith('webhook:') && webhooks !== undefined) return new WebhookTarget(key.slice('webhook:'.length), webhooks);
    return null;
  };
}

/** Delivers what earlier passes still owe, without a new pass (the watcher's retry timer, `watch run` after a crash). */
export function deliverOwed(repo: WatchRepository, webhooks?: WebhookQueue): Promise<DeliveryOutcome> {
  return repo.write((w) => deliverRecorded(w, targetResolver(webhooks)));
}

/** hits of a walk as columns (a first pass over a national backlog finds millions) */
class HitList {
  length = 0;
  private rows = new Int32Array(1024);
  private targets = new Int16Array(1024);
  private codes = new Int8Array(1024);
  private revokedSec = new Uint32Array(1024);

  add(row: number, target: number, code: number, revokedSec: number): void {
    if (this.length === this.rows.length) {
      const n = this.length * 2;
      this.rows = grow(this.rows, new Int32Array(n));
      this.targets = grow(this.targets, new Int16Array(n));
      this.codes = grow(this.codes, new Int8Array(n));
      this.revokedSec = grow(this.revokedSec, new Uint32Array(n));
    }
    const i = this.length++;
    this.rows[i] = row;
    this.targets[i] = target;
    this.codes[i] = code;
    this.revokedSec[i] = revokedSec;
  }

  read(i: number, out: { row: number; target: number; code: number; revokedSec: number }): void {
    out.row = this.rows[i] as number;
    out.target = this.targets[i] as number;
    out.code = this.codes[i] as number;
    out.revokedSec = this.revokedSec[i] as number;
  }
}

function grow<T extends Int32Array | Int16Array | Int8Array | Uint32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

function revokedEvent(
  w: WatchWriter,
  h: { row: number; target: number; code: number; revokedSec: number },
  caIds: readonly string[],
  crlNumbers: readonly (string | null)[],
  detectedAt: string,
  meaning: (reason: CrlReason) => string,
  mediumOf: PassOptions['mediumOf'],
): WatchEvent {
  const c = w.state.columns;
  const entry = w.state.issuers.get(c.issuer[h.row] as number);
  const caId = caIds[h.target] as string;
  const customerId = c.keyOf(h.row);
  const serial = formatSerial(c.serialOf(h.row));
  const reason = reasonName(h.code) ?? 'unspecified';
  return {
    eventId: watchEventId(customerId, caId, serial, 'revoked', reason),
    type: 'revoked',
    customerId,
    issuer: entry.issuer,
    caId,
    medium: mediumOf?.(caId) ?? null,
    serial,
    reason,
    meaning: meaning(reason),
    revokedAt: formatTime(h.revokedSec * 1000),
    crlNumber: crlNumbers[h.target] ?? null,
    detectedAt,
  };
}

function expiredEvent(w: WatchWriter, row: number, detectedAt: string, mediumOf: PassOptions['mediumOf']): WatchEvent {
  const c = w.state.columns;
  const entry = w.state.issuers.get(c.issuer[row] as number);
  const caId = expiryCaId(entry.caIds);
  const customerId = c.keyOf(row);
  const serial = formatSerial(c.serialOf(row));
  return {
    eventId: watchEventId(customerId, caId, serial, 'expired', null),
    type: 'expired',
    customerId,
    issuer: entry.issuer,
    caId,
    medium: caId === null ? null : (mediumOf?.(caId) ?? null),
    serial,
    reason: null,
    meaning: 'expired',
    revokedAt: null,
    crlNumber: null,
    detectedAt,
    notAfter: formatTime(c.notAfterMs[row] as number),
  };
}

/** the CRL number of the CA's most recently loaded partition: the CRL that made this generation */
function latestCrlNumber(snapshot: CaSnapshot): string | null {
  let latest: (typeof snapshot.partitions)[number] | undefined;
  for (const p of snapshot.partitions) if (latest === undefined || p.loadedAtMs > latest.loadedAtMs) latest = p;
  return latest?.crlNumber.toString() ?? null;
}
