/**
 * The operations history the console reads: what the product did, recorded by the process that did it, kept bounded in the store
 * (OpsRoom). Recording is a few small writes per CRL load, watch pass or delivery round — never on a status request's path; the
 * validator adds its OCSP counters once a minute.
 *
 *   lists (newest first, capped)             counters per JST day
 *   loads              every CRL load        crl.<outcome>                   loads by outcome
 *   loads:<ca>:<part>  one partition's       revoked.<ca>.<reason>           entries a switch newly listed (or re-reasoned)
 *   rejected           rejected and failed   watch.passes, watch.events, watch.revoked, watch.expired, watch.delivered,
 *   passes             watch passes            watch.deliveryFailures
 *   deliveries         delivery rounds       ocsp.<field>.<ca>               queries, cacheHits, refused, failed, spendYen
 */
import { jstDay, jstDaysBetween } from './jst-day.js';
import { DAYS_KEPT, type OpsRoom } from './ops-room.js';

/** one CRL load as the fetcher reported it */
export interface CrlLoadRecord {
  at: string;
  caId: string;
  partition: string;
  outcome: 'loaded' | 'unchanged' | 'not-modified' | 'rejected' | 'failed';
  crlNumber: string | null;
  entries: number | null;
  bytes: number | null;
  durationMs: number;
  thisUpdate: string | null;
  nextUpdate: string | null;
  /** rejected: why (a stable label); failed: the error code */
  reason: string | null;
  error: string | null;
  /** the entries the switch newly listed or gave another reason, by reason name; null for a partition's first load (a baseline) */
  added: Record<string, number> | null;
}

export interface WatchPassRecord {
  at: string;
  runId: string | null;
  rows: number;
  events: number;
  revoked: number;
  expired: number;
  cas: { caId: string; generation: number; hits: number }[];
  unavailable: string[];
  durationMs: number;
}

export interface DeliveryRecord {
  at: string;
  delivered: number;
  pending: number;
  failed: number;
  errors: string[];
  /** when the next attempt is due (null: nothing waits) */
  nextRetryAt: string | null;
}

/** one issuer's OCSP counters since the last flush */
export interface OcspCountsRecord {
  caId: string;
  queries: number;
  cacheHits: number;
  refused: number;
  failed: number;
  spendYen: number;
}

export interface DayCounts {
  day: string;
  counts: Record<string, number>;
}

export interface Page<T> {
  items: T[];
  /** lines the list holds */
  total: number;
  offset: number;
}

/**
 * List caps: the latest 5 000 loads overall (about two months of a national day's ~90 changed partitions), 30 per partition (a
 * month of daily CRLs), 2 000 rejected or failed. A load is ~300 bytes: at 1,741 partitions the lists hold at most ~18 MB.
 */
export const OPS_CAPS = { loads: 5_000, partitionLoads: 30, rejected: 2_000, passes: 1_000, deliveries: 1_000 } as const;

const partitionList = (caId: string, partition: string): string => `loads:${caId}:${partition}`;

export class OpsHistory {
  constructor(
    readonly room: OpsRoom,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A load that changed nothing (`unchanged`, `not-modified`: most refreshes of 1,741 partitions) is only counted: listing each
   * would push the loads that did something out of the lists within hours.
   */
  async recordLoad(load: CrlLoadRecord): Promise<void> {
    const day = jstDay(Date.parse(load.at) || this.now());
    const counts: Record<string, number> = { [`crl.${load.outcome}`]: 1 };
    for (const [reason, n] of Object.entries(load.added ?? {})) counts[`revoked.${load.caId}.${reason}`] = n;
    if (load.outcome === 'unchanged' || load.outcome === 'not-modified') return this.room.addCounts(day, counts);
    const line = JSON.stringify(load);
    const lines: { list: string; line: string; cap: number }[] = [
      { list: 'loads', line, cap: OPS_CAPS.loads },
      { list: partitionList(load.caId, load.partition), line, cap: OPS_CAPS.partitionLoads },
    ];
    if (load.outcome === 'rejected' || load.outcome === 'failed') lines.push({ list: 'rejected', line, cap: OPS_CAPS.rejected });
    await this.room.write({ lines, day: { day, counts } });
  }

  async recordPass(pass: WatchPassRecord): Promise<void> {
    await this.room.write({
      lines: [{ list: 'passes', line: JSON.stringify(pass), cap: OPS_CAPS.passes }],
      day: {
        day: jstDay(Date.parse(pass.at) || this.now()),
        counts: { 'watch.passes': 1, 'watch.events': pass.events, 'watch.revoked': pass.revoked, 'watch.expired': pass.expired },
      },
    });
  }

  async recordDelivery(round: DeliveryRecord): Promise<void> {
    await this.room.write({
      lines: [{ list: 'deliveries', line: JSON.stringify(round), cap: OPS_CAPS.deliveries }],
      day: {
        day: jstDay(Date.parse(round.at) || this.now()),
        counts: { 'watch.delivered': round.delivered, 'watch.deliveryFailures': round.failed },
      },
    });
  }

  async recordOcsp(atMs: number, counts: readonly OcspCountsRecord[]): Promise<void> {
    const fields: Record<string, number> = {};
    for (const c of counts) {
      fields[`ocsp.queries.${c.caId}`] = c.queries;
      fields[`ocsp.cacheHits.${c.caId}`] = c.cacheHits;
      fields[`ocsp.refused.${c.caId}`] = c.refused;
      fields[`ocsp.failed.${c.caId}`] = c.failed;
      fields[`ocsp.spendYen.${c.caId}`] = c.spendYen;
    }
    await this.room.addCounts(jstDay(atMs), fields);
  }

  /** loads newest first: one partition's, the rejected and failed ones, or all */
  async loads(query: {
    caId?: string;
    partition?: string;
    rejected?: boolean;
    offset: number;
    limit: number;
  }): Promise<Page<CrlLoadRecord>> {
    if (query.caId !== undefined && query.partition !== undefined)
      return this.page<CrlLoadRecord>(partitionList(query.caId, query.partition), OPS_CAPS.partitionLoads, query.offset, query.limit);
    if (query.rejected) return this.page<CrlLoadRecord>('rejected', OPS_CAPS.rejected, query.offset, query.limit);
    return this.page<CrlLoadRecord>('loads', OPS_CAPS.loads, query.offset, query.limit);
  }

  passes(offset: number, limit: number): Promise<Page<WatchPassRecord>> {
    return this.page<WatchPassRecord>('passes', OPS_CAPS.passes, offset, limit);
  }

  deliveries(offset: number, limit: number): Promise<Page<DeliveryRecord>> {
    return this.page<DeliveryRecord>('deliveries', OPS_CAPS.deliveries, offset, limit);
  }

  /** counters per day, oldest first, from `fromDay` to `toDay` (JST days, at most DAYS_KEPT) */
  async days(fromDay: string, toDay: string): Promise<DayCounts[]> {
    const days = jstDaysBetween(fromDay, toDay, DAYS_KEPT);
    const counts = await this.room.countsOf(days);
    return days.map((day, i) => ({ day, counts: counts[i] ?? {} }));
  }

  private async page<T>(list: string, cap: number, offset: number, limit: number): Promise<Page<T>> {
    const [lines, total] = await Promise.all([this.room.range(list, cap, offset, limit), this.room.length(list, cap)]);
    const items: T[] = [];
    for (const line of lines) {
      try {
        items.push(JSON.parse(line) as T);
      } catch {
        // a torn line is skipped, not fatal to the page
      }
    }
    return { items, total, offset };
  }
}
