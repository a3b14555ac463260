import { createSign, type Sign } from 'node:crypto';
import { writeSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crlFrame, signDocument, type CrlDocument, type CrlFrame } from './crl-writer.js';
import { EntryEncoder, MAX_ENTRY_BYTES } from './entry-encoder.js';
import type { PartitionMap } from './partition-map.js';
import type { EntryFields } from './revocations.js';

/** A walk of a CA's entries in serial order (an EntryCursor over the whole CA). */
export interface EntryWalk {
  next(out: EntryFields): boolean;
  /** seeded revocation day of the last entry, −1 for an explicit record */
  readonly seededDay: number;
}

/** What the measuring pass learns per partition. */
export interface PartitionTotals {
  entries: Float64Array;
  entriesLength: Float64Array;
  /** latest seeded revocation day among the partition's entries listed from the population, −1 when none */
  maxSeededDay: Float64Array;
}

/** Per-partition staging buffers share this much memory (each at least 4 KiB, at most 1 MiB): measured, larger buys nothing. */
const STAGING_BYTES = 16 << 20;
/** The walk hands the event loop a turn this often, so a server writing a national generation keeps answering (OCSP, 304s). */
const TURN_MS = 25;
const CHECK_EVERY = 4096;

/** Yields to the event loop when `TURN_MS` has passed since the last turn; checks the clock every `checkEvery` calls. */
class Pacer {
  private calls = 0;
  private last = performance.now();

  constructor(private readonly checkEvery = CHECK_EVERY) {}

  async tick(): Promise<void> {
    if (++this.calls % this.checkEvery !== 0) return;
    const now = performance.now();
    if (now - this.last < TURN_MS) return;
    await nextTurn();
    this.last = performance.now();
  }
}

/** The measuring pass: one walk of the CA, each entry routed to its partition, counting entries and encoded bytes. */
export async function measurePartitions(walk: EntryWalk, map: PartitionMap): Promise<PartitionTotals> {
  const totals: PartitionTotals = {
    entries: new Float64Array(map.count),
    entriesLength: new Float64Array(map.count),
    maxSeededDay: new Float64Array(map.count).fill(-1),
  };
  const encoder = new EntryEncoder();
  const entry: EntryFields = { serial: 0, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 };
  const pacer = new Pacer();
  while (walk.next(entry)) {
    const p = map.indexOf(entry.serial);
    totals.entries[p] = (totals.entries[p] as number) + 1;
    totals.entriesLength[p] = (totals.entriesLength[p] as number) + encoder.length(entry);
    if (walk.seededDay > (totals.maxSeededDay[p] as number)) totals.maxSeededDay[p] = walk.seededDay;
    await pacer.tick();
  }
  return totals;
}

export interface BundleSlot {
  offset: number;
  bytes: number;
  entries: number;
}

/**
 * The writing pass: every partition's CRL laid out back to back in one file at offsets known from the measuring pass, written
 * by one walk that encodes each entry into its partition's staging buffer; a full buffer is hashed into that partition's
 * signature and written at its place. One file descriptor whatever the partition count, and memory bounded by the staging
 * buffers (no entry is kept). `documents[p]` must describe partition p with `totals` from `measurePartitions`.
 */
export async function writePartitionBundle(
  fd: number,
  walk: EntryWalk,
  map: PartitionMap,
  totals: PartitionTotals,
  documents: readonly CrlDocument[],
): Promise<BundleSlot[]> {
  const count = map.count;
  const frames: CrlFrame[] = documents.map((doc, p) => crlFrame(doc, totals.entries[p] as number, totals.entriesLength[p] as number));
  const slots: BundleSlot[] = [];
  const position = new Float64Array(count);
  const signers: Sign[] = [];
  let offset = 0;
  for (let p = 0; p < count; p++) {
    const frame = frames[p] as CrlFrame;
    slots.push({ offset, bytes: frame.totalBytes, entries: totals.entries[p] as number });
    const signer = createSign('sha256');
    signer.update(frame.signedHead);
    signers.push(signer);
    const head = Buffer.concat([frame.outerHeader, frame.signedHead]);
    writeSync(fd, head, 0, head.length, offset);
    position[p] = offset + head.length;
    offset += frame.totalBytes;
  }

  const chunk = Math.max(4096, Math.min(1 << 20, Math.floor(STAGING_BYTES / Math.max(1, count))));
  const staging = Buffer.allocUnsafe(chunk * count);
  const fill = new Float64Array(count);
  const written = new Float64Array(count);
  const flush = (p: number): void => {
    const length = fill[p] as number;
    if (length === 0) return;
    const view = staging.subarray(p * chunk, p * chunk + length);
    (signers[p] as Sign).update(view);
    writeSync(fd, view, 0, length, position[p] as number);
    position[p] = (position[p] as number) + length;
    fill[p] = 0;
  };

  const encoder = new EntryEncoder();
  const entry: EntryFields = { serial: 0, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 };
  const pacer = new Pacer();
  while (walk.next(entry)) {
    const p = map.indexOf(entry.serial);
    if ((fill[p] as number) > chunk - MAX_ENTRY_BYTES) flush(p);
    const start = p * chunk;
    fill[p] = encoder.write(staging, start + (fill[p] as number), entry) - start;
    written[p] = (written[p] as number) + 1;
    await pacer.tick();
  }

  const signing = new Pacer(1);
  for (let p = 0; p < count; p++) {
    flush(p);
    if (written[p] !== totals.entries[p])
      throw new RangeError(`partition ${p}: the measuring pass counted ${totals.entries[p]} entries, the writing pass ${written[p]}`);
    const frame = frames[p] as CrlFrame;
    const signer = signers[p] as Sign;
    signer.update(frame.signedTail);
    const tail = Buffer.concat([frame.signedTail, frame.trailer(signDocument(documents[p] as CrlDocument, signer))]);
    writeSync(fd, tail, 0, tail.length, position[p] as number);
    const end = (position[p] as number) + tail.length;
    const slot = slots[p] as BundleSlot;
    if (end !== slot.offset + slot.bytes) throw new RangeError(`partition ${p}: wrote ${end - slot.offset} bytes, expected ${slot.bytes}`);
    await signing.tick();
  }
  return slots;
}
