/**
 * A small world for the console's tests: a simulated signature CA of three partitions (p0002's CRL past its nextUpdate: stale)
 * and an authentication CA whose p0001 source is not a CRL (rejected: that partition is not loaded), loaded by the real fetcher
 * (fetchOnce) twice — the second time after three new affiliationChanged revocations — and a validator serving it with API keys
 * and the audit history on. The store is the embedded one or Redis (a random prefix on the shared server).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { issuerKind, loadConfig } from '@jpki-validator/config';
import { createLogger, fetchOnce } from '@jpki-validator/crl-fetcher/once';
import { initSimulator, type Simulator } from '@jpki-validator/sim';
import { createRedisStore, openEmbeddedStore, OpsHistory, type RevocationStore } from '@jpki-validator/store';
import { createIssuerResolver, importWatchCsv, openEmbeddedWatch } from '@jpki-validator/watch';
import { startWatchJob, type RunningWatchJob } from '@jpki-validator/watcher';
import { linkEmbedded, startValidator, type RunningValidator } from '@jpki-validator/validator';

export const SIGN = 'jpki-sign-2023';
export const AUTH = 'jpki-auth-2023';
export const CONSOLE_KEY = 'console-test-key-0123456789';
/** a key without the audit scope */
export const PLAIN_KEY = 'plain-test-key-0123456789';

export interface ConsoleWorld {
  validator: RunningValidator;
  /** the death-detection job (embedded store only): a file sink and a webhook nobody answers */
  watch: RunningWatchJob | null;
  store: RevocationStore;
  sim: Simulator;
  /** serials newly revoked (affiliationChanged) before the second load */
  newlyRevoked: string[];
  /** a watched signature serial that stays good */
  stillGood: string;
  close(): Promise<void>;
}

/** the three customers whose certificates are revoked before the second load, and one whose is not */
const WATCHED = 4;

export async function startConsoleWorld(kind: 'embedded' | 'redis'): Promise<ConsoleWorld> {
  const dir = await mkdtemp(join(tmpdir(), `console-${kind}-`));
  const sim = await initSimulator({
    dir: join(dir, 'sim'),
    seed: 7,
    populationPerCa: 400,
    revokedRate: 0.2,
    generations: [2023],
    kinds: ['sign', 'auth'],
    partitions: 3,
  });
  // the simulator's OCSP responder answers for the signature CA (a paid query in J-LIS's terms: 20 yen, the card default)
  const simServer = await sim.serve({ port: 0, host: '127.0.0.1' });
  await sim.setBaseUrl(simServer.url);
  const signCrls = sim.partitionNames(SIGN).map((p) => ({ name: p, source: join(dir, `sign-${p}.crl`), url: sim.crlUrl(SIGN, p) }));
  const authCrls = sim.partitionNames(AUTH).map((p) => ({ name: p, source: join(dir, `auth-${p}.crl`), url: sim.crlUrl(AUTH, p) }));
  const writeCrls = async (): Promise<void> => {
    for (const c of signCrls)
      await sim.writeCrl({ ca: SIGN, partition: c.name, out: c.source, ...(c.name === 'p0002' ? { expired: true } : {}) });
    for (const c of authCrls) {
      if (c.name === 'p0001') await writeFile(c.source, 'not a CRL\n');
      else await sim.writeCrl({ ca: AUTH, partition: c.name, out: c.source });
    }
  };
  await writeCrls();
  const redisPrefix = `test-console-${randomBytes(4).toString('hex')}`;
  const configFile = join(dir, 'console.json');
  const issuers = [
    { id: SIGN, group: 'jpki-sign', caCert: sim.caCertificatePath(SIGN), crls: signCrls, ocsp: { url: sim.ocspUrl() } },
    { id: AUTH, group: 'jpki-auth', caCert: sim.caCertificatePath(AUTH), crls: authCrls },
  ];
  // embedded: a watch job whose webhook is refused (port 9, discard: nothing listens), so its deliveries wait for a retry
  const watch =
    kind === 'embedded'
      ? { sinks: [{ file: join(dir, 'events') }, { webhook: 'http://127.0.0.1:9/hook', secret: 'console-test-webhook-secret' }] }
      : undefined;
  await writeFile(
    configFile,
    JSON.stringify({ issuers, dataDir: join(dir, 'data'), audit: { retention: '7y' }, ...(watch ? { watch } : {}) }),
  );
  const env = {
    API_KEYS: `${CONSOLE_KEY}:audit,${PLAIN_KEY}`,
    ...(kind === 'redis' ? { REDIS_URL: process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379' } : {}),
  };
  const config = loadConfig({ file: configFile, env });
  const store: RevocationStore =
    kind === 'embedded'
      ? await openEmbeddedStore({ dataDir: config.dataDir })
      : createRedisStore({ redis: config.redisUrl as string, prefix: redisPrefix });
  const quiet = createLogger({ level: 'silent' });
  await fetchOnce(config, store, quiet);

  // three signature certificates of the loaded partitions newly revoked for affiliationChanged, then loaded again
  const good: number[] = [];
  const base = sim.listCas().find((c) => c.id === SIGN)?.serialBase ?? 0;
  for (let s = base; good.length < WATCHED; s++) {
    if (sim.partitionOf(SIGN, s) !== 'p0002' && sim.status(SIGN, s).status === 'good') good.push(s);
  }
  let watchJob: RunningWatchJob | null = null;
  if (kind === 'embedded') {
    const repo = await openEmbeddedWatch({ dir: join(config.dataDir, 'watch') });
    const csv = ['customerId,issuer,serial', ...good.map((s, i) => `C-${i + 1},${SIGN},${s.toString(16)}`)].join('\n');
    await importWatchCsv(
      repo,
      Readable.from([csv]),
      createIssuerResolver(config.issuers.map((i) => ({ id: i.id, group: i.group, kind: issuerKind(i) }))),
    );
    await repo.close();
    watchJob = await startWatchJob({ config, store, logger: quiet });
  }
  const newlyRevoked: string[] = [];
  for (const s of good.slice(0, WATCHED - 1)) {
    await sim.revoke({ ca: SIGN, serial: s, reason: 'affiliationChanged' });
    newlyRevoked.push(s.toString(16).toUpperCase());
  }
  await writeCrls();
  await fetchOnce(config, store, quiet);
  if (watchJob !== null) {
    // the switch's pass, and its delivery round that the webhook refused
    const history = new OpsHistory(store.ops);
    for (let i = 0; i < 200; i++) {
      const [passes, deliveries] = await Promise.all([history.passes(0, 10), history.deliveries(0, 10)]);
      if (passes.items.some((p) => p.events > 0) && deliveries.total > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const validator = await startValidator({
    config,
    logger: quiet,
    port: 0,
    host: '127.0.0.1',
    ...(kind === 'embedded' ? { store: linkEmbedded(store as Awaited<ReturnType<typeof openEmbeddedStore>>, false) } : { redisPrefix }),
  });
  return {
    validator,
    watch: watchJob,
    store,
    sim,
    newlyRevoked,
    stillGood: (good[WATCHED - 1] as number).toString(16).toUpperCase(),
    async close() {
      await validator.close();
      await watchJob?.close();
      if (kind === 'redis') {
        const redis = (store as ReturnType<typeof createRedisStore>).redis;
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      }
      await store.close();
      await simServer.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
