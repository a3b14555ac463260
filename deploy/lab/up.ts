/**
 * `lab up`: the deploy/ topology on loopback from Debian's packages and this repository — a Redis Cluster of 3 masters and 3
 * replicas, the simulator serving a national-layout CA, the webhook receiver, 2 fetchers (which host the watch job), 3 validators
 * and HAProxy in front of them. Each process is recorded in state.json as soon as it starts, so a failed `up` can be `down`ed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { openSimulator } from '@jpki-validator/sim';
import { haproxyConfig } from './haproxy.ts';
import { alive, httpOk, type LabState, type ProcRecord, type ProcSpec, readState, startProc, waitFor, writeState } from './procs.ts';
import { API_KEY, API_KEYS, CLI, HOST, type LabSize, paths, SIZES, type Topology, WEBHOOK_SECRET } from './topology.ts';

const run = promisify(execFile);

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

export const clusterOk = async (port: number): Promise<boolean> => /cluster_state:ok/.test(await redisCli(port, 'cluster', 'info'));

export function redisSpec(t: Topology, size: LabSize, port: number): ProcSpec {
  const dir = paths(t).redis(port);
  mkdirSync(dir, { recursive: true });
  return {
    name: `redis-${port}`,
    role: 'redis',
    command: 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(size.nodeTimeoutMs),
      // a replica whose master died long ago still takes over: the lab wants failover, not a cluster that waits for an operator
      '--cluster-replica-validity-factor',
      '0',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ],
    env: {},
    port,
  };
}

const appEnv = (t: Topology, name: string): Record<string, string> => ({
  REDIS_URL: t.redisUrl,
  JPKI_VALIDATOR_CONFIG: paths(t).config,
  JPKI_VALIDATOR_DATA_DIR: paths(t).data(name),
  LOG_LEVEL: 'info',
});

export function validatorSpec(t: Topology, i: number): ProcSpec {
  const port = t.validatorPorts[i] as number;
  const name = `validator-${i + 1}`;
  return {
    name,
    role: 'validator',
    command: process.execPath,
    // 1.5 s of /readyz 503 before draining: HAProxy (checks every 500 ms, out after 2 failures) stops routing here first
    args: [CLI, 'serve', '--host', HOST, '--port', String(port), '--drain-delay', '1.5'],
    env: { ...appEnv(t, name), API_KEYS: API_KEYS.join(',') },
    port,
  };
}

export function fetcherSpec(t: Topology, i: number): ProcSpec {
  const port = t.fetcherPorts[i] as number;
  const name = `fetcher-${i + 1}`;
  return {
    name,
    role: 'fetcher',
    command: process.execPath,
    args: [CLI, 'fetch', '--admin-host', HOST, '--admin-port', String(port)],
    env: appEnv(t, name),
    port,
  };
}

/** The config the processes share: deploy/config/config.yaml's shape, pointed at the simulator. */
function configYaml(t: Topology, size: LabSize, listing: string, signCert: string, authCert: string): string {
  return `# written by \`npm run lab -- up\` (deploy/lab): deploy/config/config.yaml's shape, pointed at the lab's simulator
issuers:
  - id: jpki-sign-2023
    group: jpki-sign
    caCert: ${signCert}
    crls:
      partitions: ${listing}
    refresh: ${size.refresh}
    fetch: { concurrency: 8, attempts: 3, backoffSeconds: 1 }
    freshness: { graceSeconds: 0, skewSeconds: 300 }
    mode: crl-only
  - id: jpki-auth-2023
    group: jpki-auth
    caCert: ${authCert}
    crls:
      - ${t.simUrl}/crl/jpki-auth-2023/full.crl
    refresh: ${size.refresh}
    mode: crl-only
profile: jpki
watch:
  schedule: "*/5 * * * *"
  timeZone: Asia/Tokyo
  sinks:
    - webhook: http://${HOST}:${t.webhookPort}/events
      secret: ${WEBHOOK_SECRET}
`;
}

/** How many watched certificates: every tenth sampled serial of each CA, enough that several die in each generation switch. */
const WATCHED_PER_CA = { full: 20_000, quick: 2_000 } as const;

/** the Debian packages the lab runs (by executable): redis-server and redis-cli for the cluster, haproxy in front of the validators */
const LAB_PACKAGES: readonly { executable: string; pkg: string }[] = [
  { executable: 'redis-server', pkg: 'redis-server' },
  { executable: 'redis-cli', pkg: 'redis-tools' },
  { executable: 'haproxy', pkg: 'haproxy' },
];

const onPath = (executable: string): boolean =>
  (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(`${dir}/${executable}`)) ||
  existsSync(`/usr/sbin/${executable}`);

/**
 * Installs what the lab needs from Debian's packages when it is missing (as root, like the test suite's set-up), or names the
 * packages to install — before anything starts, so a missing balancer never leaves half a lab running.
 */
export function ensureLabPackages(log: (line: string) => void, present: (executable: string) => boolean = onPath): void {
  const missing = LAB_PACKAGES.filter((p) => !present(p.executable)).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error(`lab: missing ${missing.join(', ')} — install them (sudo apt-get install ${missing.join(' ')}) and run again`);
  log(`installing from Debian: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: 'ignore' });
  const still = LAB_PACKAGES.filter((p) => !present(p.executable)).map((p) => p.executable);
  if (still.length > 0) throw new Error(`lab: ${still.join(', ')} still not found after installing ${missing.join(', ')}`);
}

export async function up(t: Topology, size: LabSize, log: (line: string) => void): Promise<LabState> {
  const p = paths(t);
  const previous = readState(p.state);
  if (previous?.procs.some((r) => alive(r.pid))) throw new Error(`lab: already up in ${t.dir} (npm run lab -- down first)`);
  ensureLabPackages(log);
  for (const sub of ['redis', 'data', 'logs', 'sim']) rmSync(`${t.dir}/${sub}`, { recursive: true, force: true });
  rmSync(p.webhookEvents, { force: true });
  mkdirSync(t.dir, { recursive: true });
  const state: LabState = { size: size.name, startedAt: new Date().toISOString(), procs: [] };
  const started = (rec: ProcRecord): ProcRecord => {
    state.procs.push(rec);
    writeState(p.state, state);
    return rec;
  };
  const start = (spec: ProcSpec): ProcRecord => started(startProc(spec, p.logs));

  log(`redis: 6 nodes on ${t.redisPorts.join(', ')}`);
  for (const port of t.redisPorts) start(redisSpec(t, size, port));
  for (const port of t.redisPorts) await waitFor(`redis ${port}`, async () => (await redisCli(port, 'ping')).trim() === 'PONG', 10_000);
  await run(
    'redis-cli',
    ['--cluster', 'create', ...t.redisPorts.map((port) => `${HOST}:${port}`), '--cluster-replicas', '1', '--cluster-yes'],
    { timeout: 60_000 },
  );
  for (const port of t.redisPorts) await waitFor(`cluster_state:ok on ${port}`, () => clusterOk(port), 30_000);

  log(`simulator: national layout, ${size.partitions} partitions, ${size.population} certificates a CA`);
  // generation 0 ten days back and 30-day CRLs: the scenarios advance it a day at a time without reaching the future
  const epoch = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 10 * 86_400_000).toISOString().replace('.000Z', 'Z');
  await run(
    process.execPath,
    [
      CLI,
      'sim',
      'init',
      '--dir',
      p.sim,
      '--layout',
      'national',
      '--partitions',
      String(size.partitions),
      '--population',
      String(size.population),
      '--epoch',
      epoch,
      '--crl-validity-hours',
      '720',
      '--daily-revoked-rate',
      '0.002',
      '--base-url',
      t.simUrl,
      '--no-smartphone',
    ],
    { timeout: 120_000 },
  );
  start({
    name: 'sim',
    role: 'sim',
    command: process.execPath,
    args: [CLI, 'sim', 'serve', '--dir', p.sim, '--host', HOST, '--port', String(t.simPort)],
    env: {},
    port: t.simPort,
  });
  await waitFor('simulator', () => httpOk(`${t.simUrl}/ca/jpki-auth-2023.pem`), 20_000);

  const sim = await openSimulator(p.sim);
  writeFileSync(
    p.config,
    configYaml(
      t,
      size,
      sim.partitionListingPath('jpki-sign-2023'),
      sim.caCertificatePath('jpki-sign-2023'),
      sim.caCertificatePath('jpki-auth-2023'),
    ),
  );
  const rows = ['customerId,issuer,serial'];
  for (const ca of sim.listCas()) {
    const every = Math.max(1, Math.floor(ca.population / WATCHED_PER_CA[size.name]));
    for (let s = ca.serialBase; s < ca.nextSerial; s += every)
      rows.push(`C-${ca.kind}-${s.toString(16)},${ca.group},${s.toString(16).toUpperCase()}`);
  }
  writeFileSync(p.watchList, `${rows.join('\n')}\n`);

  start({
    name: 'webhook',
    role: 'webhook',
    command: process.execPath,
    args: [new URL('./webhook-receiver.ts', import.meta.url).pathname, String(t.webhookPort), p.webhookEvents, WEBHOOK_SECRET],
    env: {},
    port: t.webhookPort,
  });
  log(`watch list: ${rows.length - 1} certificates`);
  await run(process.execPath, [CLI, 'watch', 'import', p.watchList], { env: { ...process.env, ...appEnv(t, 'tools') }, timeout: 120_000 });

  log(`fetchers: admin on ${t.fetcherPorts.join(', ')}`);
  for (let i = 0; i < t.fetcherPorts.length; i++) start(fetcherSpec(t, i));
  log(`validators: ${t.validatorPorts.join(', ')}`);
  for (let i = 0; i < t.validatorPorts.length; i++) start(validatorSpec(t, i));
  for (const port of t.fetcherPorts) await waitFor(`fetcher ${port}`, () => httpOk(`http://${HOST}:${port}/healthz`), 60_000);
  const loadMs = await waitFor(
    'every validator ready (every CRL loaded)',
    async () => (await Promise.all(t.validatorPorts.map((port) => httpOk(`http://${HOST}:${port}/readyz`)))).every(Boolean),
    size.name === 'full' ? 900_000 : 120_000,
    500,
  );
  log(`every validator ready ${Math.round(loadMs / 1000)} s after start`);

  writeFileSync(p.haproxyConfig, haproxyConfig(t));
  start({
    name: 'haproxy',
    role: 'haproxy',
    command: onPath('haproxy') ? 'haproxy' : '/usr/sbin/haproxy',
    args: ['-db', '-f', p.haproxyConfig],
    env: {},
    port: t.haproxyPort,
  });
  await waitFor('haproxy', () => httpOk(`${t.apiUrl}/readyz`), 20_000);
  log(`up: API ${t.apiUrl} (X-API-Key ${API_KEY}); state ${p.state}`);
  return state;
}

export { SIZES };
