/**
 * The OCSP circuit breaker around a real responder (the simulator's, on loopback, behind a switch that makes it fail with HTTP
 * 503): a half-open trial refused by the spend cap hands the trial back without closing the circuit, and a throw while a trial is
 * in flight does not leave the circuit refusing for good. The breaker's own rules are tested on a clock.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOcspResponder, initSimulator, type Simulator } from '@jpki-validator/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/ocsp/circuit-breaker.js';
import { createCaRegistry, OcspChecker, type OcspCheckerOptions, type RegisteredCa } from '../src/index.js';

const CA = 'jpki-sign-2023';
let dir: string;
let sim: Simulator;
let server: Server;
let ca: RegisteredCa;
let failing = true;
let received = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jv-ocsp-breaker-'));
  sim = await initSimulator({ dir, seed: 3, populationPerCa: 200, revokedRate: 0.2, generations: [2023], kinds: ['sign'] });
  const respond = createOcspResponder(
    { cas: () => sim.listCas().map((c) => sim.resolveCa(c.id)), status: (caId, serial) => sim.status(caId, serial) },
    { signer: 'ca' },
  );
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      if (failing) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(respond(new Uint8Array(Buffer.concat(chunks))));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocsp`;
  const registry = await createCaRegistry([
    {
      id: CA,
      group: 'jpki-sign',
      caCertPath: sim.caCertificatePath(CA),
      partitions: [],
      ocsp: { url, responderCertPath: null },
      refresh: { intervalMs: 60_000 },
      freshness: { graceSeconds: 0, skewSeconds: 300 },
      mode: 'ocsp-only',
      retired: false,
      kind: 'sign',
    },
  ] as never);
  ca = registry.cas[0] as RegisteredCa;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});

/** a clock that starts now (the responder dates its answers by the wall clock) and moves only when told */
function testClock(): { now: () => number; advance: (ms: number) => void } {
  // at the start of a minute, so the spend cap's window is the test's to move
  let t = Math.ceil(Date.now() / 60_000) * 60_000 - 59_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function checker(clock: { now: () => number }, extra: Partial<OcspCheckerOptions> = {}): OcspChecker {
  return new OcspChecker({
    kv: null,
    retries: 0,
    nonce: false,
    timeoutMs: 2_000,
    breaker: { failureThreshold: 1, cooldownMs: 1_000, now: clock.now },
    now: clock.now,
    ...extra,
  });
}

const serial = (n: number): bigint => BigInt(sim.listCas()[0]?.serialBase ?? 0) + BigInt(n);

describe('OCSP circuit breaker with the spend cap and throws', () => {
  it('a half-open trial refused by the spend cap hands the trial back: the circuit stays half-open, never closed on no evidence', async () => {
    failing = true;
    const clock = testClock();
    const ocsp = checker(clock, { maxQueriesPerMinute: 2 });
    expect((await ocsp.query(ca, serial(1))).kind).toBe('unavailable');
    expect(ocsp.breakerState(ca)).toBe('open');
    expect(await ocsp.query(ca, serial(2))).toMatchObject({ why: 'breaker_open' });
    clock.advance(1_000);
    // the trial fails: open again (second paid query of the minute)
    expect(await ocsp.query(ca, serial(3))).toMatchObject({ why: 'http_status' });
    expect(ocsp.breakerState(ca)).toBe('open');
    clock.advance(1_000);
    const before = received;
    expect(await ocsp.query(ca, serial(4))).toMatchObject({ why: 'spend_cap' });
    expect(received).toBe(before);
    expect(ocsp.breakerState(ca)).toBe('half-open');
    // the next question is the trial again: still refused by the cap within the minute, and nothing is sent
    expect(await ocsp.query(ca, serial(5))).toMatchObject({ why: 'spend_cap' });
    expect(received).toBe(before);
    // a new minute, the responder well again: the trial goes out, answers, and closes the circuit
    failing = false;
    clock.advance(60_000);
    expect(await ocsp.query(ca, serial(6))).toMatchObject({ kind: 'answer' });
    expect(ocsp.breakerState(ca)).toBe('closed');
  });

  it('a throw while a trial is in flight re-opens the circuit, which tries again after its cool-down (not refusing forever)', async () => {
    failing = true;
    const clock = testClock();
    let throwing = false;
    const ocsp = checker(clock, {
      onEvent: () => {
        if (throwing) throw new Error('event sink failed');
      },
    });
    expect((await ocsp.query(ca, serial(10))).kind).toBe('unavailable');
    clock.advance(1_000);
    throwing = true;
    await expect(ocsp.query(ca, serial(11))).rejects.toThrow(/event sink failed/);
    throwing = false;
    expect(ocsp.breakerState(ca)).toBe('open');
    clock.advance(1_000);
    failing = false;
    expect(await ocsp.query(ca, serial(12))).toMatchObject({ kind: 'answer' });
    expect(ocsp.breakerState(ca)).toBe('closed');
  });
});

describe('CircuitBreaker', () => {
  it('release hands a half-open trial back without changing the state; in the closed state it changes nothing', () => {
    let t = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100, now: () => t });
    expect(breaker.allow()).toBe(true);
    breaker.release();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect([breaker.state, breaker.allow()]).toEqual(['open', false]);
    t = 100;
    expect([breaker.state, breaker.allow(), breaker.allow()]).toEqual(['half-open', true, false]);
    breaker.release();
    expect([breaker.state, breaker.allow()]).toEqual(['half-open', true]);
    breaker.failure();
    expect(breaker.state).toBe('open');
    t = 200;
    expect(breaker.allow()).toBe(true);
    breaker.success();
    expect([breaker.state, breaker.allow(), breaker.allow()]).toEqual(['closed', true, true]);
  });
});
