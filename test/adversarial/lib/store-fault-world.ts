/**
 * The world the store fault matrix runs in (store-faults.test.ts): a private redis-server the test may kill, freeze, restart and
 * empty; the simulator (one partitioned signature CA) serving its CRLs through a gate that can hold a CRL's body mid-download,
 * so a fault lands while a load is in progress; the real fetcher (in process, or the `jpki-validator fetch --once` binary) and
 * the real validator over HTTP, whose every answer is compared with the simulator's truth.
 *
 * Truth: the simulator's status of every serial as of the last load known to have switched and reached the validator. Until a
 * load is known to be visible its new revocations do not count — the CRL then serving is still fresh and says otherwise — so
 * a `good` is wrong only when the last trustworthy CRL lists the serial.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '@jpki-validator/config';
import { createLogger, fetchOnce, type FetchOnceResult, openFetcherStore } from '@jpki-validator/crl-fetcher';
import { initSimulator, type Simulator, type SimServer } from '@jpki-validator/sim';
import type { StatusAnswer } from '@jpki-validator/status';
import { linkRedis, startValidator, type RunningValidator } from '@jpki-validator/validator';
import { formatSerial } from '@jpki-validator/x509';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type PrivateRedis, startPrivateRedis } from '../../support/private-redis.js';

export const CA = 'jpki-sign-2023';
const silent = pino({ level: 'silent' });

/** A reverse proxy in front of the simulator whose CRL bodies can be held after their first half. */
export interface CrlGate {
  url: string;
  /** from now on, every CRL body stops after its first half until release() */
  hold(): void;
  /** resolves once a held body has stopped half-way (the fetcher is mid-download) */
  held(): Promise<void>;
  /** lets every held body go on, and stops holding new ones */
  release(): void;
  close(): Promise<void>;
}

async function startGate(upstream: string): Promise<CrlGate> {
  let holding = false;
  let gate: { opened: Promise<void>; open: () => void } | null = null;
  let waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', upstream);
    const up = httpRequest(target, { method: req.method ?? 'GET', headers: { ...req.headers, host: target.host } }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', async () => {
        const body = Buffer.concat(chunks);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        const current = holding && body.length > 1 ? gate : null;
        if (current === null) {
          res.end(body);
          return;
        }
        const half = body.length >> 1;
        res.write(body.subarray(0, half));
        for (const w of waiters.splice(0)) w();
        await current.opened;
        res.end(body.subarray(half));
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const release = (): void => {
    holding = false;
    gate?.open();
    gate = null;
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold() {
      holding = true;
      let open: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { opened, open };
    },
    held: () => new Promise<void>((resolve) => waiters.push(resolve)),
    release,
    async close() {
      release();
      waiters = [];
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Tally {
  answers: number;
  wrongGood: number;
  unknown: number;
  /** first wrong goods, for the failure message */
  examples: string[];
}

export const newTally = (): Tally => ({ answers: 0, wrongGood: 0, unknown: 0, examples: [] });

export interface FaultWorld {
  dir: string;
  redis: PrivateRedis;
  sim: Simulator;
  gate: CrlGate;
  config: Config;
  configFile: string;
  prefix: string;
  validator: RunningValidator;
  /** the fetcher's store and data directory (its high-water record), in this process */
  fetchOnce(options?: { dataDir?: string }): Promise<FetchOnceResult>;
  /** revokes `n` serials that are good now (new revocations a next CRL carries); returns them */
  revokeSome(n: number): Promise<number[]>;
  /** every serial's answer from the validator (one batch over HTTP), compared with the truth into `tally` */
  check(tally: Tally): Promise<void>;
  /**
   * waits until the validator serves the store's current CRL numbers, then makes the simulator's state the truth (which it
   * becomes too when the validator does not catch up: the error says so, and the answers checked after it count against it)
   */
  settle(): Promise<void>;
  /** every key under the prefix that has no TTL and no generation refers to (what a killed loader must not leave) */
  orphans(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openFaultWorld(options: { populationPerCa?: number } = {}): Promise<FaultWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'jv-adv-faults-'));
  const redis = await startPrivateRedis();
  const sim = await initSimulator({
    dir: join(dir, 'sim'),
    seed: 23,
    populationPerCa: options.populationPerCa ?? 600,
    revokedRate: 0.2,
    generations: [2023],
    kinds: ['sign'],
    partitions: 2,
  });
  const server: SimServer = await sim.serve({ port: 0 });
  const gate = await startGate(server.url);
  // the CA publishes at the gate's address: every CRL's IDP names it, as J-LIS's names its own
  await sim.setBaseUrl(gate.url);
  const prefix = 'jpki';
  const configFile = join(dir, 'config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      issuers: [
        {
          id: CA,
          group: 'jpki-sign',
          caCert: sim.caCertificatePath(CA),
          crls: sim.partitionNames(CA).map((p) => sim.crlUrl(CA, p)),
          fetch: { attempts: 1 },
          mode: 'crl-only',
        },
      ],
      dataDir: join(dir, 'fetcher'),
    }),
  );
  const config = loadConfig({ file: configFile, env: { REDIS_URL: redis.url } });
  const validator = await startValidator({
    config,
    logger: silent,
    port: 0,
    host: '127.0.0.1',
    store: linkRedis({ url: redis.url, logger: silent, verifyMs: 200, retryMs: 200 }),
  });
  const fetcherLogger = createLogger({ level: 'silent' });
  const ca = sim.listCas().find((c) => c.id === CA);
  if (!ca) throw new Error(`no CA ${CA}`);
  const serials = Array.from({ length: ca.population }, (_, i) => ca.serialBase + i);
  const statusNow = (): Map<number, string> => new Map(serials.map((s) => [s, sim.status(CA, s).status]));
  let truth = new Map<number, string>();

  const world: FaultWorld = {
    dir,
    redis,
    sim,
    gate,
    config,
    configFile,
    prefix,
    validator,
    async fetchOnce(o = {}) {
      const opened = await openFetcherStore(
        { redisUrl: redis.url, dataDir: o.dataDir ?? config.dataDir },
        { logger: fetcherLogger, commandTimeoutMs: 1_000 },
      );
      try {
        return await fetchOnce(config, opened.store, fetcherLogger);
      } finally {
        await opened.store.close();
      }
    },
    async revokeSome(n) {
      const out: number[] = [];
      for (const s of serials) {
        if (out.length === n) break;
        if (sim.status(CA, s).status !== 'good') continue;
        await sim.revoke({ ca: CA, serial: s, reason: 'affiliationChanged' });
        out.push(s);
      }
      return out;
    },
    async check(tally) {
      const items = serials.map((s) => ({ issuer: CA, serial: formatSerial(BigInt(s)) }));
      const res = await fetch(`${validator.url}/v1/status/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      const { results } = (await res.json()) as { results: StatusAnswer[] };
      results.forEach((a, i) => {
        const serial = serials[i] as number;
        tally.answers++;
        if (a.status === 'unknown') tally.unknown++;
        if (a.status === 'good' && truth.get(serial) === 'revoked') {
          tally.wrongGood++;
          if (tally.examples.length < 5) tally.examples.push(`${formatSerial(BigInt(serial))} answered good, listed as revoked`);
        }
      });
    },
    async settle() {
      const probe = new Redis(redis.url);
      try {
        for (let i = 0; i < 400; i++) {
          const stored = await probe.hgetall(`${prefix}:{${CA}}:parts`);
          const want = new Map(Object.entries(stored).map(([p, json]) => [p, (JSON.parse(json) as { crlNumber: string }).crlNumber]));
          const held = validator.resolver.snapshotOf(CA)?.partitions ?? [];
          const same =
            want.size === sim.partitionNames(CA).length &&
            held.length === want.size &&
            held.every((m) => want.get(m.partition) === m.crlNumber.toString());
          if (same) {
            truth = statusNow();
            return;
          }
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        await probe.quit();
      }
      // the store holds the new CRLs: from now on they are the truth, whether the validator caught up or not
      truth = statusNow();
      throw new Error('the validator did not catch up with the store');
    },
    async orphans() {
      const probe = new Redis(redis.url);
      try {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await probe.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        const parts = await probe.hgetall(`${prefix}:{${CA}}:parts`);
        const live = new Set(Object.values(parts).map((j) => `${prefix}:{${CA}}:run:${(JSON.parse(j) as { loadId: string }).loadId}`));
        const out: string[] = [];
        for (const k of keys) {
          if (!k.includes(':run:') && !/:chg:/.test(k)) continue;
          if (live.has(k)) continue;
          if ((await probe.pttl(k)) === -1) out.push(k);
        }
        return out;
      } finally {
        await probe.quit();
      }
    },
    async close() {
      await validator.close();
      await gate.close();
      await server.close();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}
