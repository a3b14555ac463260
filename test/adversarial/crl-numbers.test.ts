/**
 * Semantic CRL cases for the CRL number and extension rules, each CRL signed again by the CA itself (so signature, issuer and key
 * identifier are right and only the meaning is wrong), served at the partition's URL and taken by the real fetcher (`fetch
 * --once`'s fetchOnce) into the embedded store and a real Redis; the answers come from the running validator over HTTP.
 *
 * For each bad CRL: the fetch is a non-retryable rejection, and every answer still comes from the previous good generation
 * (its CRL number; a serial it lists stays revoked). Then the genuine next CRL must load — a poisoned CRL-number high-water mark
 * would refuse it as a rollback and leave its new revocation answering `good` — and a CRL with an unknown non-critical extension
 * whose value is not DER loads too (RFC 5280 §5.2). `check --crl` and `crl inspect` refuse the same CRLs with exit 2, no stack.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '@jpki-validator/config';
import { fetchOnce, FETCH_EXIT, type PartitionReport } from '@jpki-validator/crl-fetcher';
import { initSimulator, type Simulator } from '@jpki-validator/sim';
import { createRedisStore, openEmbeddedStore, type RevocationStore } from '@jpki-validator/store';
import { linkEmbedded, startValidator, type RunningValidator } from '@jpki-validator/validator';
import { enumerated, extension, integer, octetString, sequence } from '@jpki-validator/x509';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from '../../apps/cli/test/run-cli.ts';
import { extensionOid, resign, simCaKey, type TbsParts } from './lib/crl-surgery.ts';
import { recordResult } from './lib/record-result.ts';

const CA = 'jpki-sign-2023';
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const ID_CRL_NUMBER = '2.5.29.20';
const ID_AKI = '2.5.29.35';
const silent = pino({ level: 'silent' });

let dir: string;
let sim: Simulator;
let attacker: Server;
/** what the "network path" serves at the partition's URL */
let served: Uint8Array = new Uint8Array(0);
let crlUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jv-adv-crl-numbers-'));
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': served.length }).end(served);
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
  crlUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/crl/${CA}/full.crl`;
});

afterAll(async () => {
  await new Promise((r) => attacker?.close(r));
  await rm(dir, { recursive: true, force: true });
});

/** the CA's genuine full CRL of the simulator's current generation */
async function genuineCrl(name: string): Promise<Uint8Array> {
  const out = join(dir, `${name}.crl`);
  await sim.writeCrl({ ca: CA, out });
  return new Uint8Array(await readFile(out));
}

const crlNumber = (value: bigint): Uint8Array => extension(ID_CRL_NUMBER, false, integer(value));
const withoutNumber = (p: TbsParts): Uint8Array[] => p.extensions.filter((e) => extensionOid(e) !== ID_CRL_NUMBER);

interface BadCase {
  name: string;
  edit: (parts: TbsParts, next: bigint) => void;
}

/** what is wrong in each, in the CRL the CA would otherwise have published next (number `next`) */
const BAD_CASES: BadCase[] = [
  { name: 'negative cRLNumber', edit: (p, next) => void (p.extensions = [...withoutNumber(p), crlNumber(-next)]) },
  { name: '21-octet cRLNumber', edit: (p, next) => void (p.extensions = [...withoutNumber(p), crlNumber((1n << 160n) + next)]) },
  {
    // "the last one wins" would take 2^159: every genuine CRL after it would then look like a rollback
    name: 'cRLNumber twice',
    edit: (p, next) => void (p.extensions = [...withoutNumber(p), crlNumber(next), crlNumber(1n << 159n)]),
  },
  {
    name: 'authorityKeyIdentifier twice',
    edit: (p) => {
      const aki = p.extensions.find((e) => extensionOid(e) === ID_AKI);
      if (!aki) throw new Error('the simulator CRL has no AKI');
      p.extensions = [...p.extensions, aki];
    },
  },
  {
    name: 'reasonCode twice in an entry',
    edit: (p) => {
      const reason = (code: number) => extension('2.5.29.21', false, enumerated(code));
      p.entries = [...p.entries, sequence(integer(0x7ffffff0), p.head[3] as Uint8Array, sequence(reason(3), reason(6)))];
    },
  },
  {
    name: 'unknown critical extension',
    edit: (p) => void (p.extensions = [...p.extensions, extension('1.3.6.1.4.1.99999.1', true, octetString(Uint8Array.of(1)))]),
  },
];

const STORES: Record<
  string,
  () => Promise<{ store: RevocationStore; config: Config; validator: RunningValidator; close(): Promise<void> }>
> = {
  embedded: async () => {
    const config = await writeConfigFile('embedded', {});
    const store = await openEmbeddedStore({ dataDir: join(dir, `data-${randomBytes(4).toString('hex')}`), watch: false });
    const validator = await startValidator({ config, store: linkEmbedded(store, false), logger: silent, port: 0, host: '127.0.0.1' });
    return {
      store,
      config,
      validator,
      close: async () => {
        await validator.close();
        await store.close();
      },
    };
  },
  redis: async () => {
    const prefix = `jvadv:${randomBytes(6).toString('hex')}:`;
    const config = await writeConfigFile('redis', { REDIS_URL });
    const store = createRedisStore({ redis: REDIS_URL, prefix });
    const validator = await startValidator({ config, logger: silent, redisPrefix: prefix, port: 0, host: '127.0.0.1' });
    return {
      store,
      config,
      validator,
      close: async () => {
        await validator.close();
        await store.close();
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.unlink(...keys);
        await redis.quit();
      },
    };
  },
};

async function writeConfigFile(name: string, env: NodeJS.ProcessEnv): Promise<Config> {
  const file = join(dir, `${name}-config.json`);
  const issuer = { id: CA, group: 'jpki-sign', caCert: sim.caCertificatePath(CA), crls: [{ name: 'full', source: crlUrl }] };
  await writeFile(file, JSON.stringify({ issuers: [issuer], dataDir: join(dir, `${name}-data`) }));
  return loadConfig({ file, env });
}

interface Answer {
  status: string;
  crl: { number: string } | null;
}

async function ask(validator: RunningValidator, serial: bigint): Promise<Answer> {
  const res = await fetch(`${validator.url}/v1/status/${CA}/${serial.toString(16)}`);
  return (await res.json()) as Answer;
}

/** the validator's answer once it shows CRL number `number` (a Redis replica follows the switch event) */
async function askAt(validator: RunningValidator, serial: bigint, number: bigint): Promise<Answer> {
  for (let i = 0; i < 300; i++) {
    const answer = await ask(validator, serial);
    if (answer.crl?.number === number.toString()) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
  return ask(validator, serial);
}

const tally = { tried: 0, handled: 0, wrongGood: 0 };

describe.each(Object.keys(STORES))('bad CRL numbers and repeated extensions, re-signed by the CA, on the %s store', (kind) => {
  let world: Awaited<ReturnType<(typeof STORES)[string]>>;
  let caKey: ReturnType<typeof simCaKey>;
  let listed: bigint;
  let fresh: bigint;

  beforeAll(async () => {
    // generation 0 two days back, so the two generations advanced below are not dated ahead of the clock; a week's validity
    // keeps all three fresh
    sim = await initSimulator({
      dir: join(dir, `sim-${kind}`),
      seed: 17,
      populationPerCa: 600,
      revokedRate: 0.2,
      generations: [2023],
      kinds: ['sign'],
      partitions: 0,
      epoch: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 86_400_000),
      crlValidityHours: 7 * 24,
    });
    caKey = simCaKey(join(dir, `sim-${kind}`), CA);
    const base = BigInt(sim.listCas()[0]?.serialBase ?? 0);
    for (let n = base; n < base + 600n; n++) {
      const s = sim.status(CA, n).status;
      if (s === 'revoked') listed ??= n;
      else if (s === 'good') fresh ??= n;
    }
    world = await (STORES[kind] as (typeof STORES)[string])();
  });
  afterAll(async () => {
    await world?.close();
  });

  const fetchNow = async (): Promise<PartitionReport> => {
    const { reports, exitCode } = await fetchOnce(world.config, world.store, silent);
    const report = reports[0] as PartitionReport;
    expect(exitCode).toBe(report.outcome === 'loaded' ? FETCH_EXIT.OK : FETCH_EXIT.UNAVAILABLE);
    return report;
  };

  it('each bad CRL is a non-retryable rejection; answers stay on the previous good generation; the genuine next CRL then loads', async () => {
    served = await genuineCrl(`${kind}-g1`);
    const first = await fetchNow();
    expect(first.outcome).toBe('loaded');
    const n1 = BigInt(first.crlNumber ?? -1);
    expect((await askAt(world.validator, listed, n1)).status).toBe('revoked');
    expect((await ask(world.validator, fresh)).status).toBe('good');

    // the next generation revokes `fresh` (a death): the CA's genuine CRL says so
    await sim.advance(1);
    await sim.revoke({ ca: CA, serial: fresh, reason: 'affiliationChanged' });
    const g2 = await genuineCrl(`${kind}-g2`);
    const n2 = BigInt(sim.describeCrl({ ca: CA }).crlNumber);
    expect(n2).toBeGreaterThan(n1);

    for (const bad of BAD_CASES) {
      tally.tried++;
      served = resign(g2, caKey, (parts) => bad.edit(parts, n2));
      const report = await fetchNow();
      const listedAnswer = await ask(world.validator, listed);
      const freshAnswer = await ask(world.validator, fresh);
      const partitions = await world.store.partitions(CA);
      const outcome = {
        case: bad.name,
        outcome: report.outcome,
        retryable: report.retryable,
        listed: [listedAnswer.status, listedAnswer.crl?.number],
        fresh: freshAnswer.crl?.number,
        highWater: partitions[0]?.crlNumber,
      };
      const expected = {
        case: bad.name,
        outcome: 'rejected',
        retryable: false,
        listed: ['revoked', n1.toString()],
        fresh: n1.toString(),
        highWater: n1,
      };
      if (listedAnswer.status === 'good') tally.wrongGood++;
      if (
        JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) ===
        JSON.stringify(expected, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
      )
        tally.handled++;
      expect(outcome).toEqual(expected);
      expect(report.error).toMatch(/cRLNumber|appears twice|critical/);
    }

    // nothing above moved the CRL number: the genuine next CRL loads, and its new revocation is answered
    tally.tried++;
    served = g2;
    const genuine = await fetchNow();
    const after = await askAt(world.validator, fresh, n2);
    if (after.status === 'good') tally.wrongGood++;
    if (genuine.outcome === 'loaded' && after.status === 'revoked') tally.handled++;
    expect([genuine.outcome, genuine.crlNumber, after.status, after.crl?.number]).toEqual([
      'loaded',
      n2.toString(),
      'revoked',
      n2.toString(),
    ]);

    // a private non-critical extension whose value is not DER: opaque, the CRL loads (RFC 5280 §5.2)
    tally.tried++;
    await sim.advance(1);
    const n3 = BigInt(sim.describeCrl({ ca: CA }).crlNumber);
    served = resign(await genuineCrl(`${kind}-g3`), caKey, (p) => {
      p.extensions = [...p.extensions, extension('1.2.3.4.5', false, new TextEncoder().encode('abcdef'))];
    });
    const opaque = await fetchNow();
    const third = await askAt(world.validator, fresh, n3);
    if (third.status === 'good') tally.wrongGood++;
    if (opaque.outcome === 'loaded' && third.status === 'revoked') tally.handled++;
    expect([opaque.outcome, opaque.crlNumber, third.status]).toEqual(['loaded', n3.toString(), 'revoked']);
  });
});

describe('the CLI refuses the same CRLs', () => {
  it('check --crl exits 2 naming the problem (no stack, not 70); crl inspect exits 2 naming the byte offset', async () => {
    await ensureBuilt();
    const cliDir = join(dir, 'cli');
    sim = await initSimulator({ dir: cliDir, seed: 5, populationPerCa: 200, generations: [2023], kinds: ['sign'], partitions: 0 });
    const genuine = await genuineCrl('cli-genuine');
    const key = simCaKey(cliDir, CA);
    const serial = (BigInt(sim.listCas()[0]?.serialBase ?? 0) + 1n).toString(16);
    await writeFile(join(dir, 'serials.csv'), `serial\n${serial}\n`);
    let tried = 0;
    let handled = 0;
    for (const bad of BAD_CASES.slice(0, 5)) {
      tried++;
      const file = join(dir, `cli-${bad.name.replace(/\W+/g, '-')}.crl`);
      await writeFile(
        file,
        resign(genuine, key, (p) => bad.edit(p, 99n)),
      );
      const check = await cli([
        'check',
        '--crl',
        file,
        '--ca',
        sim.caCertificatePath(CA),
        '--input',
        join(dir, 'serials.csv'),
        '--issuer',
        CA,
      ]);
      const inspect = await cli(['crl', 'inspect', file]);
      const result = {
        case: bad.name,
        check: check.code,
        checkStack: /\n\s+at /.test(check.stderr),
        inspect: inspect.code,
        names: /byte \d+/.test(inspect.stderr) && /byte \d+/.test(check.stderr),
      };
      const want = { case: bad.name, check: 2, checkStack: false, inspect: 2, names: true };
      if (JSON.stringify(result) === JSON.stringify(want)) handled++;
      expect(result).toEqual(want);
    }
    recordResult({
      file: import.meta.url,
      covers: 'CLI: check --crl and crl inspect on CA-signed CRLs with bad numbers / repeated extensions (exit 2, no stack)',
      tried,
      handled,
      wrongGood: 0,
      unit: 'bad CRLs',
    });
  });
});

afterAll(() => {
  recordResult({
    file: import.meta.url,
    covers:
      'fetcher + validator: CA-signed CRLs with negative / 21-octet / repeated cRLNumber, repeated extensions, unknown critical or opaque private extension',
    tried: tally.tried,
    handled: tally.handled,
    wrongGood: tally.wrongGood,
    unit: 'CRLs fetched × stores (embedded, Redis)',
  });
});
