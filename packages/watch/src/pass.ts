/**
 * One detection pass: for every CA with watched serials, set algebra against its current generation (detect.ts) finds the
 * watched serials listed under a reason not yet reported; the watchers of those serials become `revoked` events, and watched
 * certificates whose notAfter has passed become `expired` events (once). Then, in this order: the events files, the webhook
 * batches (queued, durable), and only then the record that stops later passes from reporting them again. A crash between the
 * steps repeats the same events with the same eventIds (receivers dedupe by eventId), never loses one.
 */
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { CaSnapshot } from '@jpki-validator/store';
import { formatSerial, formatTime, LISTING_REASON_CODES, reasonName, type CrlReason } from '@jpki-validator/x509';
import { detectRevocations } from './detect.js';
import { batchId, expiryCaId, watchEventId } from './event-id.js';
import { eventsFileName, writeEventLines, writeEventsFile } from './events-file.js';
import type { ReportMark, WatchEvent, WatchRecord, WatchRepository } from './types.js';
import type { WebhookBatch, WebhookQueue } from './webhook.js';

export type WatchSinkConfig = { file: string } | { webhook: string; secret: string };

export interface PassOptions {
  repo: WatchRepository;
  /** the CA's current generation (embedded: `store.snapshot`, Redis: `store.loadSnapshot`) */
  snapshot: (caId: string) => Promise<CaSnapshot | null>;
  meaning: (reason: CrlReason) => string;
  /** the medium of a CA (`card` | `smartphone`, from the config), for the events' `medium`; absent: null */
  mediumOf?: (caId: string) => 'card' | 'smartphone' | null;
  sinks?: readonly WatchSinkConfig[];
  /** required when a webhook sink is configured */
  webhooks?: WebhookQueue;
  /** `watch run --output`: the events also go here */
  output?: Writable;
  /** events per webhook POST (default 500) */
  batchSize?: number;
  nowMs?: number;
}

export interface PassReport {
  runId: string;
  detectedAt: string;
  events: WatchEvent[];
  revoked: number;
  expired: number;
  /** per CA: the generation passed and the watched, listed serials found not yet reported */
  cas: { caId: string; generation: number; hits: number }[];
  files: string[];
  batches: number;
}

export async function runWatchPass(options: PassOptions): Promise<PassReport> {
  const { repo } = options;
  return repo.withLock(async () => {
    const nowMs = options.nowMs ?? Date.now();
    const detectedAt = formatTime(nowMs);
    const runId = randomBytes(4).toString('hex');
    const candidates: WatchEvent[] = [];
    const marks: ReportMark[] = [];
    const cas: PassReport['cas'] = [];
    const passed: string[] = [];

    for (const caId of await repo.caIds()) {
      const snapshot = await options.snapshot(caId);
      if (snapshot === null || !snapshot.loaded) continue;
      const reported = new Map<number, Awaited<ReturnType<WatchRepository['reported']>>>();
      for (const code of LISTING_REASON_CODES) reported.set(code, await repo.reported(caId, code));
      const hits = detectRevocations({
        snapshot,
        watched: await repo.watched(caId),
        reported: (c) => reported.get(c),
        fresh: await repo.fresh(caId),
      });
      cas.push({ caId, generation: snapshot.generation, hits: hits.length });
      passed.push(caId);
      const crlNumber = latestCrlNumber(snapshot);
      const owners = await repo.owners(
        caId,
        hits.map((h) => h.serial),
      );
      for (const hit of hits) {
        const reason = reasonName(hit.reasonCode) ?? 'unspecified';
        const serial = formatSerial(hit.serial);
        for (const record of owners.get(hit.serial) ?? []) {
          candidates.push({
            eventId: watchEventId(record.customerId, caId, serial, 'revoked', reason),
            type: 'revoked',
            customerId: record.customerId,
            issuer: record.issuer,
            caId,
            medium: options.mediumOf?.(caId) ?? null,
            serial,
            reason,
            meaning: options.meaning(reason),
            revokedAt: formatTime(hit.revokedAtMs),
            crlNumber,
            detectedAt,
          });
        }
        marks.push({ kind: 'revoked', caId, serial: hit.serial, reasonCode: hit.reasonCode });
      }
    }
    for (const record of await repo.dueExpiries(nowMs)) {
      candidates.push(expiredEvent(record, detectedAt, options.mediumOf));
      marks.push({ kind: 'expired', customerId: record.customerId });
    }

    const known = await repo.knownEventIds(candidates.map((e) => e.eventId));
    const seen = new Set<string>();
    const events = candidates.filter((e) => !known.has(e.eventId) && !seen.has(e.eventId) && seen.add(e.eventId));
    events.sort(compareEvents);

    const files: string[] = [];
    for (const sink of options.sinks ?? []) {
      if ('file' in sink) files.push(await writeEventsFile(sink.file, eventsFileName(detectedAt, runId), events));
    }
    if (options.output) await writeEventLines(options.output, events);
    const batches = webhookBatches(options.sinks ?? [], events, options.batchSize ?? 500);
    if (batches.length > 0) {
      if (options.webhooks === undefined) throw new TypeError('a webhook sink is configured but no webhook queue was given to the pass');
      await options.webhooks.enqueue(batches);
    }
    await repo.record(events, marks, passed);
    return {
      runId,
      detectedAt,
      events,
      revoked: events.filter((e) => e.type === 'revoked').length,
      expired: events.filter((e) => e.type === 'expired').length,
      cas,
      files,
      batches: batches.length,
    };
  });
}

function expiredEvent(record: WatchRecord, detectedAt: string, mediumOf: PassOptions['mediumOf']): WatchEvent {
  const caId = expiryCaId(record.caIds);
  const serial = formatSerial(record.serial);
  return {
    eventId: watchEventId(record.customerId, caId, serial, 'expired', null),
    type: 'expired',
    customerId: record.customerId,
    issuer: record.issuer,
    caId,
    medium: caId === null ? null : (mediumOf?.(caId) ?? null),
    serial,
    reason: null,
    meaning: 'expired',
    revokedAt: null,
    crlNumber: null,
    detectedAt,
    notAfter: formatTime(record.notAfterMs ?? 0),
  };
}

/** the CRL number of the CA's most recently loaded partition: the CRL that made this generation */
function latestCrlNumber(snapshot: CaSnapshot): string | null {
  let latest: (typeof snapshot.partitions)[number] | undefined;
  for (const p of snapshot.partitions) if (latest === undefined || p.loadedAtMs > latest.loadedAtMs) latest = p;
  return latest?.crlNumber.toString() ?? null;
}

/** code-unit order (not locale order: localeCompare costs ~1 µs a call, too much for 50 k events) */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareEvents(a: WatchEvent, b: WatchEvent): number {
  return (
    cmp(a.caId ?? '', b.caId ?? '') ||
    a.serial.length - b.serial.length ||
    cmp(a.serial, b.serial) ||
    cmp(a.customerId, b.customerId) ||
    cmp(a.type, b.type)
  );
}

function webhookBatches(sinks: readonly WatchSinkConfig[], events: readonly WatchEvent[], size: number): WebhookBatch[] {
  const out: WebhookBatch[] = [];
  for (const sink of sinks) {
    if (!('webhook' in sink)) continue;
    for (let i = 0; i < events.length; i += size) {
      const slice = events.slice(i, i + size);
      out.push({ batchId: batchId([sink.webhook, ...slice.map((e) => e.eventId)]), url: sink.webhook, events: slice });
    }
  }
  return out;
}
