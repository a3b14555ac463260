import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Simulator, SimServer } from '@jpki-validator/sim';
import { parseSerial } from '@jpki-validator/x509';
import { crlSlot } from '@jpki-validator/config';
import { CrlRejectedError, createFileSource, createHttpSource, ingestCrl, loadTrustedCa, type TrustedCa } from '../src/index.js';
import { CA_ID, STORES, issuerConfig, smallSimulator, truncatedCopy, type StoreHandle } from './helpers.js';

let sim: Simulator;
let dir: string;
let server: SimServer;
let ca: TrustedCa;

async function rejection(p: Promise<unknown>): Promise<CrlRejectedError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof CrlRejectedError) return error;
    throw error;
  }
  throw new Error('expected the CRL to be rejected');
}

/** A revoked serial of the seeded population, with its reason. */
function someRevoked(reason?: string): { serial: bigint; reason: string } {
  for (let n = 0x07000000; n < 0x07000000 + 4000; n++) {
    const s = sim.status(CA_ID, n);
    if (s.status === 'revoked' && (!reason || s.reason === reason)) return { serial: BigInt(n), reason: s.reason ?? '' };
  }
  throw new Error(`no revoked serial${reason ? ` with ${reason}` : ''} in the population`);
}

describe.each(Object.keys(STORES))('ingest into the %s store', (kind) => {
  let handle: StoreHandle;
  // Each store kind gets its own simulator: tests revoke and advance it.
  beforeAll(async () => {
    ({ sim, dir } = await smallSimulator());
    server = await sim.serve({ port: 0, host: '127.0.0.1' });
    await sim.setBaseUrl(server.url);
    ca = await loadTrustedCa(issuerConfig(sim, []));
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    handle = await (STORES[kind] as () => Promise<StoreHandle>)();
  });
  afterEach(async () => {
    await handle.close();
  });

  const fileCrl = async (name: string, opts: Parameters<Simulator['writeCrl']>[0] extends infer O ? Partial<O> : never = {}) => {
    const out = join(dir, `${kind}-${name}-${Date.now()}.crl`);
    const written = await sim.writeCrl({ ca: CA_ID, out, ...opts });
    return { out, written };
  };
  // a partition read from a file is bound to its scope by the URL its CRL's issuingDistributionPoint names
  const ingestFile = (path: string, partition = 'full') =>
    ingestCrl({
      store: handle.store,
      ca,
      partition:
        partition === 'full'
          ? crlSlot({ name: partition, source: path, scope: 'full' })
          : crlSlot({ name: partition, source: path, scope: 'partition', url: sim.crlUrl(CA_ID, partition) }),
      source: createFileSource({ path }),
      skewSeconds: 300,
    });

  it('first load over HTTP makes every listed serial answer revoked with its reason; an unchanged refetch is a 304 and loads nothing', async () => {
    const url = sim.crlUrl(CA_ID);
    const source = createHttpSource({ url });
    const first = await ingestCrl({
      store: handle.store,
      ca,
      partition: crlSlot({ name: 'full', source: url, scope: 'full' }),
      source,
      skewSeconds: 300,
    });
    expect(first.outcome).toBe('loaded');
    if (first.outcome !== 'loaded') return;
    expect(first.entries).toBeGreaterThan(500);
    expect(first.stale).toBe(false);
    const { serial, reason } = someRevoked('affiliationChanged');
    const answer = await handle.store.lookup(CA_ID, serial);
    expect(answer.entry?.reasonCode).toBe(3);
    expect(reason).toBe('affiliationChanged');
    const good = await handle.store.lookup(CA_ID, 0x07000000n + 3999n + 100n);
    expect(good.entry).toBeNull();
    const partitions = await handle.store.partitions(CA_ID);
    expect(partitions[0]?.crlNumber).toBe(first.crlNumber);

    const again = await ingestCrl({
      store: handle.store,
      ca,
      partition: crlSlot({ name: 'full', source: url, scope: 'full' }),
      source,
      skewSeconds: 300,
    });
    expect(again.outcome).toBe('not-modified');
    expect((await handle.store.partitions(CA_ID))[0]?.generation).toBe(partitions[0]?.generation);
  });

  it('an update switches to the new generation; the same file again is a no-op; an older CRL is a rejected rollback', async () => {
    const v1 = await fileCrl('v1');
    expect((await ingestFile(v1.out)).outcome).toBe('loaded');
    const newly = await sim.revoke({ ca: CA_ID, serial: 0x07000000 + 4000 + 5, reason: 'affiliationChanged' });
    const v2 = await fileCrl('v2');
    const loaded = await ingestFile(v2.out);
    expect(loaded).toMatchObject({ outcome: 'loaded', crlNumber: BigInt(v2.written.crlNumber) });
    expect((await handle.store.lookup(CA_ID, parseSerial(newly.serial))).entry?.reasonCode).toBe(3);
    expect((await ingestFile(v2.out)).outcome).toMatch(/not-modified|unchanged/);
    const rollback = await rejection(ingestFile(v1.out));
    expect(rollback.reason).toBe('rollback');
    expect((await handle.store.partitions(CA_ID))[0]?.crlNumber).toBe(BigInt(v2.written.crlNumber));
  });

  it('a forged signature, a CRL signed by another CA key, and a truncated body are rejected; the previous generation keeps serving', async () => {
    const good = await fileCrl('good');
    await ingestFile(good.out);
    const before = await handle.store.partitions(CA_ID);
    await sim.revoke({ ca: CA_ID, serial: 0x07000000 + 4000 + 6, reason: 'superseded' });
    const forged = await fileCrl('forged', { corruptSignature: true });
    expect((await rejection(ingestFile(forged.out))).reason).toBe('signature');
    const truncated = truncatedCopy((await fileCrl('whole')).out, 100);
    const cut = await rejection(ingestFile(truncated));
    expect(cut.reason).toBe('malformed');
    expect(cut.message).toMatch(/byte \d+/);
    expect(await handle.store.partitions(CA_ID)).toEqual(before);
    expect((await handle.store.lookup(CA_ID, BigInt(0x07000000 + 4000 + 6))).entry).toBeNull();
  });

  it('a CRL from another CA with the same name (another generation key) is rejected as a bad signature', async () => {
    const { sim: other } = await smallSimulator(0);
    const out = join(dir, `${kind}-other-${Date.now()}.crl`);
    await other.writeCrl({ ca: CA_ID, out });
    expect((await rejection(ingestFile(out))).reason).toBe('signature');
  });

  it('a CRL past its nextUpdate is loaded but marked stale; thisUpdate in the future beyond the skew is rejected', async () => {
    const expired = await fileCrl('expired', { expired: true });
    const result = await ingestFile(expired.out);
    expect(result).toMatchObject({ outcome: 'loaded', stale: true });
    await sim.revoke({ ca: CA_ID, serial: 0x07000000 + 4000 + 7, reason: 'keyCompromise' });
    const future = await fileCrl('future', { thisUpdate: new Date(Date.now() + 3_600_000), nextUpdate: new Date(Date.now() + 7_200_000) });
    expect((await rejection(ingestFile(future.out))).reason).toBe('future_this_update');
  });

  it('two partitions load separately; a serial is revoked if its partition lists it', async () => {
    const [p0, p1] = sim.partitionNames(CA_ID) as [string, string];
    const a = await fileCrl('p0', { partition: p0 });
    const b = await fileCrl('p1', { partition: p1 });
    await ingestFile(a.out, p0);
    await ingestFile(b.out, p1);
    const metas = await handle.store.partitions(CA_ID);
    expect(metas.map((m) => m.partition).sort()).toEqual([p0, p1]);
    expect(metas.reduce((n, m) => n + m.entries, 0)).toBe(a.written.entries + b.written.entries);
    const { serial } = someRevoked();
    expect((await handle.store.lookup(CA_ID, serial)).entry).not.toBeNull();
  });

  it('a delta CRL applies on its base', async () => {
    const base = await fileCrl('base');
    await ingestFile(base.out);
    await sim.advance(1);
    const revoked = await sim.revoke({ ca: CA_ID, serial: 0x07000000 + 4000 + 8, reason: 'certificateHold' });
    // advance() moves the simulator a day ahead of this clock; the delta is dated now so the skew rule passes.
    const delta = await fileCrl('delta', { delta: true, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86_400_000) });
    expect(delta.written.baseCrlNumber).toBe(base.written.crlNumber);
    const result = await ingestFile(delta.out);
    expect(result).toMatchObject({ outcome: 'loaded', isDelta: true });
    expect((await handle.store.lookup(CA_ID, parseSerial(revoked.serial))).entry?.reasonCode).toBe(6);
    const meta = (await handle.store.partitions(CA_ID))[0];
    expect(meta).toMatchObject({ isDelta: true, fullCrlNumber: BigInt(base.written.crlNumber) });
  });
});
