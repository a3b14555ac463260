/**
 * The fixed list of serials the API benchmarks ask about: drawn with a fixed seed from the simulator CA's seeded population and
 * classified by the simulator itself (`Simulator.status`, the same source the CRL was written from), half revoked and half good,
 * interleaved. The expected status of each is kept so the driver can check the validator's answers before timing them.
 */
import { openSimulator } from '@jpki-validator/sim';
import { xorshift32 } from './xorshift.js';

export interface BenchSerial {
  /** the contract's serial form: upper-case hex without leading zeros */
  serial: string;
  status: 'good' | 'revoked';
  reason: string | null;
}

export async function pickSerials(simDir: string, caId: string, count: number, seed = 20261124): Promise<BenchSerial[]> {
  const sim = await openSimulator(simDir);
  const ca = sim.listCas().find((c) => c.id === caId);
  if (ca === undefined) throw new Error(`simulator ${simDir} has no CA ${caId}`);
  const revoked: BenchSerial[] = [];
  const good: BenchSerial[] = [];
  const seen = new Set<number>();
  const half = Math.ceil(count / 2);
  const random = xorshift32(seed);
  for (let tries = 0; (revoked.length < half || good.length < half) && tries < count * 100; tries++) {
    const n = ca.serialBase + ((random.next().value as number) % ca.population);
    if (seen.has(n)) continue;
    seen.add(n);
    const s = sim.status(caId, n);
    if (s.status === 'revoked' && revoked.length < half) revoked.push({ serial: s.serial, status: 'revoked', reason: s.reason });
    else if (s.status === 'good' && good.length < half) good.push({ serial: s.serial, status: 'good', reason: null });
  }
  if (revoked.length < half || good.length < half)
    throw new Error(`found ${revoked.length} revoked and ${good.length} good serials, wanted ${half} each`);
  return revoked.flatMap((r, i) => [r, good[i] as BenchSerial]).slice(0, count);
}
