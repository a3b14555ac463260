/**
 * Test world: a JPKI-like simulator (real CA keys, certificates, CRLs, OCSP responder on loopback), CRLs loaded into a real store
 * by scanning the files, configs written as YAML and read by the real config loader, and `openssl ocsp` as an independent peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '@jpki-validator/config';
import { initSimulator, type Simulator, type SimServer } from '@jpki-validator/sim';
import { createCaRegistry, OcspChecker, StatusResolver, type OcspCheckerOptions, type SnapshotSource } from '@jpki-validator/status';
import type { RevocationStore, SmallKv } from '@jpki-validator/store';
import { scanCrl, serialFromDer } from '@jpki-validator/x509';
import { pino } from 'pino';
import { createApp, type AppDeps, type ValidatorApp } from '../src/app.js';

export const silentLogger = pino({ level: 'silent' });

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `jv-validator-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface SimWorld {
  dir: string;
  sim: Simulator;
  server: SimServer;
  close(): Promise<void>;
}

/** A small simulator (2 000 certificates per CA, 2 partitions) serving CRLs and OCSP on loopback. */
export async function simWorld(dir: string): Promise<SimWorld> {
  const sim = await initSimulator({
    dir: join(dir, 'sim'),
    seed: 7,
    populationPerCa: 2_000,
    revokedRate: 0.2,
    partitions: 2,
    generations: [2015, 2023],
  });
  const server = await sim.serve({ port: 0 });
  await sim.setBaseUrl(server.url);
  return { dir, sim, server, close: () => server.close() };
}

/**
 * Writes the CA's partition CRLs to files; returns the config's `crls` entries, each bound to its scope by the URL the CRL's
 * issuingDistributionPoint names (the simulator's).
 */
export async function writePartitionCrls(
  world: SimWorld,
  ca: string,
  options: { expired?: boolean; nextUpdate?: Date | null } = {},
): Promise<{ name: string; source: string; url: string }[]> {
  const out: { name: string; source: string; url: string }[] = [];
  for (const partition of world.sim.partitionNames(ca)) {
    const file = join(world.dir, `${ca}-${partition}${options.expired ? '-expired' : ''}.crl`);
    await world.sim.writeCrl({
      ca,
      partition,
      out: file,
      ...(options.expired ? { expired: true } : {}),
      ...(options.nextUpdate !== undefined ? { nextUpdate: options.nextUpdate } : {}),
    });
    out.push({ name: partition, source: file, url: world.sim.crlUrl(ca, partition) });
  }
  return out;
}

/** Loads one CRL file into the store the way the fetcher does (scan → add → commit with the CRL's facts). */
export async function loadCrlFile(store: RevocationStore, caId: string, partition: string, file: string): Promise<void> {
  const loader = await store.beginLoad({ caId, partition, source: file });
  const result = await scanCrl(createReadStream(file), {
    onEntry: (e) => {
      if (e.serialNumber >= 0 && e.serialNumber < 2 ** 32) loader.add(e.serialNumber, e.reason, e.revocationDate, e.invalidityDate);
      else loader.addLong(serialFromDer(e.buf, e.serialStart, e.serialEnd), e.reason, e.revocationDate, e.invalidityDate);
    },
  });
  await loader.commit({
    crlNumber: result.crlNumber ?? 0n,
    thisUpdateMs: result.header.thisUpdate.getTime(),
    nextUpdateMs: result.header.nextUpdate?.getTime() ?? null,
    isDelta: result.deltaCrlIndicator !== null,
    ...(result.deltaCrlIndicator !== null ? { baseCrlNumber: result.deltaCrlIndicator } : {}),
  });
}

export interface IssuerSpec {
  id: string;
  group: string;
  caCert: string;
  crls?: { name: string; source: string; url?: string; dirName?: string }[];
  ocsp?: { url: string; responderCert?: string };
  mode?: string;
  retired?: boolean;
  medium?: 'card' | 'smartphone';
  policies?: { sign?: string[]; auth?: string[] };
}

export async function writeConfig(dir: string, name: string, issuers: IssuerSpec[], extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ issuers, ...extra }, null, 2));
  return file;
}

export interface TestService extends ValidatorApp {
  config: Config;
  resolver: StatusResolver;
  ocsp: OcspChecker | null;
}

/** The app over a store, built exactly as server.ts does it but without listening. */
export async function buildService(
  configFile: string,
  snapshots: SnapshotSource,
  kv: SmallKv | null,
  options: {
    env?: NodeJS.ProcessEnv;
    ocsp?: Omit<OcspCheckerOptions, 'kv'>;
    now?: () => number;
    storeAvailable?: () => boolean;
    app?: Partial<Pick<AppDeps, 'personalAudit' | 'maxVerifyBytes'>>;
  } = {},
): Promise<TestService> {
  const config = loadConfig({ file: configFile, env: options.env ?? {} });
  const registry = await createCaRegistry(config.issuers);
  const ocsp = new OcspChecker({
    kv,
    timeoutMs: 1_500,
    retries: 0,
    maxQueriesPerMinute: config.ocsp.maxQueriesPerMinute,
    costYenByMedium: config.ocsp.costYen,
    ...options.ocsp,
  });
  const resolver = new StatusResolver({
    registry,
    snapshots,
    ocsp,
    meaning: config.profile.meaning,
    ...(options.now ? { now: options.now } : {}),
    ...(options.storeAvailable ? { storeAvailable: options.storeAvailable } : {}),
  });
  const built = createApp({
    resolver,
    ocsp,
    probeStore: async () => true,
    logger: silentLogger,
    apiKeys: config.apiKeys,
    labels: { labels: config.profile.labels, labelLanguage: config.profile.labelLanguage },
    kv,
    ...options.app,
  });
  return { ...built, config, resolver, ocsp };
}

export interface OpensslOcspPeer {
  url: string;
  close(): Promise<void>;
}

/** `openssl ocsp -index … -port 0` on loopback; resolves once it prints the port it accepted on. */
export async function startOpensslOcsp(args: {
  index: string;
  caCert: string;
  signerCert: string;
  signerKey: string;
}): Promise<OpensslOcspPeer> {
  const child: ChildProcess = spawn(
    'openssl',
    ['ocsp', '-index', args.index, '-port', '0', '-CA', args.caCert, '-rsigner', args.signerCert, '-rkey', args.signerKey, '-nmin', '10'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /ACCEPT .*:(\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`openssl ocsp exited ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An openssl CA database line (index.txt): V (valid) or R (revoked, with time and reason). */
export function indexLine(serialHex: string, revoked: { at: Date; reason: string } | null): string {
  const t = (d: Date): string => `${d.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
  const expiry = t(new Date(Date.now() + 365 * 86_400_000));
  const hex = serialHex.length % 2 ? `0${serialHex}` : serialHex;
  return revoked
    ? `R\t${expiry}\t${t(revoked.at)},${revoked.reason}\t${hex}\tunknown\t/CN=test\n`
    : `V\t${expiry}\t\t${hex}\tunknown\t/CN=test\n`;
}
