/**
 * The lab's shape: where it lives, which loopback ports each part takes, and how big the simulated CA is. Everything is derived
 * from two knobs — the state directory (LAB_DIR) and the first port (LAB_PORT_BASE) — so a CI run and a person's lab never collide.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(REPO, 'apps/cli/bin/jpki-validator.js');
export const HOST = '127.0.0.1';
/** several keys: the validator limits each key's rate (1 000/s, burst 2 000, per process), and the load generator spreads over them */
export const API_KEYS = Array.from({ length: 8 }, (_, i) => `lab-key-${i}-0123456789`);
export const API_KEY = API_KEYS[0] as string;
export const WEBHOOK_SECRET = 'lab-webhook-secret-0123456789';

export interface LabSize {
  /** `full`: 1,741 municipal partitions; `quick`: a handful, for CI */
  name: 'full' | 'quick';
  partitions: number;
  population: number;
  /** Redis cluster-node-timeout: how long a master may be silent before its replica is promoted */
  nodeTimeoutMs: number;
  /** the fetchers' refresh interval: how soon a new simulator generation reaches the validators */
  refresh: string;
}

export const SIZES: Readonly<Record<LabSize['name'], LabSize>> = {
  full: { name: 'full', partitions: 1741, population: 400_000, nodeTimeoutMs: 5000, refresh: '10s' },
  quick: { name: 'quick', partitions: 8, population: 20_000, nodeTimeoutMs: 2000, refresh: '3s' },
};

export interface Topology {
  dir: string;
  base: number;
  redisPorts: number[];
  validatorPorts: number[];
  fetcherPorts: number[];
  haproxyPort: number;
  simPort: number;
  webhookPort: number;
  redisUrl: string;
  apiUrl: string;
  simUrl: string;
}

export function topology(env: NodeJS.ProcessEnv = process.env): Topology {
  const dir = resolve(env.LAB_DIR ?? join(REPO, '.jpki-validator/lab'));
  const base = Number(env.LAB_PORT_BASE ?? 7300);
  if (!Number.isInteger(base) || base < 1024 || base > 55_000) throw new Error(`LAB_PORT_BASE ${env.LAB_PORT_BASE}: a port 1024-55000`);
  // Redis cluster buses take port + 10000: the base stays below 55000 so they fit
  const redisPorts = [1, 2, 3, 4, 5, 6].map((i) => base + i);
  const validatorPorts = [11, 12, 13].map((i) => base + i);
  const fetcherPorts = [21, 22].map((i) => base + i);
  const haproxyPort = base + 10;
  const simPort = base + 30;
  const webhookPort = base + 31;
  return {
    dir,
    base,
    redisPorts,
    validatorPorts,
    fetcherPorts,
    haproxyPort,
    simPort,
    webhookPort,
    redisUrl: `redis+cluster://${redisPorts
      .slice(0, 3)
      .map((p) => `${HOST}:${p}`)
      .join(',')}`,
    apiUrl: `http://${HOST}:${haproxyPort}`,
    simUrl: `http://${HOST}:${simPort}`,
  };
}

export const paths = (t: Topology) => ({
  state: join(t.dir, 'state.json'),
  logs: join(t.dir, 'logs'),
  sim: join(t.dir, 'sim'),
  config: join(t.dir, 'config.yaml'),
  haproxyConfig: join(t.dir, 'haproxy.cfg'),
  haproxySocket: join(t.dir, 'haproxy.sock'),
  watchList: join(t.dir, 'watch-list.csv'),
  webhookEvents: join(t.dir, 'webhook-events.jsonl'),
  redis: (port: number) => join(t.dir, 'redis', String(port)),
  data: (name: string) => join(t.dir, 'data', name),
});
