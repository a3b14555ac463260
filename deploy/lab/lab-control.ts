/**
 * What a scenario does to the running lab: signal a process by name, start it again the way `up` did, and read the Redis
 * Cluster's state (who serves a slot, whether every node agrees it is healthy). Every change of pid is written to state.json,
 * so `down` still stops exactly what runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  alive,
  httpOk,
  type LabState,
  type ProcRecord,
  readState,
  signal,
  startProc,
  stopProc,
  waitExit,
  waitFor,
  writeState,
} from './procs.ts';
import { HOST, paths, type Topology } from './topology.ts';
import { redisCli } from './up.ts';

export class LabControl {
  readonly state: LabState;
  readonly t: Topology;
  constructor(t: Topology) {
    this.t = t;
    const state = readState(paths(t).state);
    if (state === null) throw new Error(`lab: not up in ${t.dir} (npm run lab -- up)`);
    this.state = state;
  }

  proc(name: string): ProcRecord {
    const rec = this.state.procs.find((r) => r.name === name);
    if (rec === undefined) throw new Error(`lab: no process ${name}`);
    return rec;
  }

  byRole(role: ProcRecord['role']): ProcRecord[] {
    return this.state.procs.filter((r) => r.role === role);
  }

  kill(name: string, sig: NodeJS.Signals): void {
    signal(this.proc(name).pid, sig);
  }

  async kill9(name: string): Promise<void> {
    const rec = this.proc(name);
    signal(rec.pid, 'SIGKILL');
    await waitExit(rec.pid, 5_000);
  }

  /** SIGTERM; how long it took to exit (SIGKILL after `graceMs`: `killed`). */
  stop(name: string, graceMs = 20_000): Promise<{ ms: number; killed: boolean }> {
    return stopProc(this.proc(name), graceMs);
  }

  /** Starts a process again with the command `up` gave it (a Redis node keeps its directory, so its nodes.conf). */
  restart(name: string): ProcRecord {
    const old = this.proc(name);
    if (alive(old.pid)) throw new Error(`lab: ${name} (pid ${old.pid}) still runs`);
    const { pid: _pid, startedAt: _at, ...spec } = old;
    const rec = startProc(spec, paths(this.t).logs);
    this.state.procs[this.state.procs.indexOf(old)] = rec;
    writeState(paths(this.t).state, this.state);
    return rec;
  }

  validatorReady(name: string): Promise<boolean> {
    return httpOk(`http://${HOST}:${this.proc(name).port}/readyz`);
  }

  async allValidatorsReady(): Promise<boolean> {
    return (await Promise.all(this.byRole('validator').map((v) => this.validatorReady(v.name)))).every(Boolean);
  }

  /** every live node answers and says cluster_state:ok, and as many masters serve slots as the lab started with */
  async clusterHealthy(): Promise<boolean> {
    const nodes = this.byRole('redis').filter((r) => alive(r.pid));
    if (nodes.length < this.byRole('redis').length) return false;
    for (const n of nodes) if (!/cluster_state:ok/.test(await redisCli(n.port, 'cluster', 'info'))) return false;
    return (await this.masters()).length === 3;
  }

  /** the masters serving slots, as `cluster nodes` of a live node lists them: port and slot ranges */
  async masters(): Promise<{ port: number; ranges: [number, number][] }[]> {
    const live = this.byRole('redis').find((r) => alive(r.pid));
    if (live === undefined) return [];
    const text = await redisCli(live.port, 'cluster', 'nodes');
    const out: { port: number; ranges: [number, number][] }[] = [];
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      const flags = f[2] ?? '';
      if (!flags.includes('master') || flags.includes('fail')) continue;
      const ranges = f.slice(8).flatMap((r): [number, number][] => {
        const m = /^(\d+)(?:-(\d+))?$/.exec(r);
        return m ? [[Number(m[1]), Number(m[2] ?? m[1])]] : [];
      });
      if (ranges.length > 0) out.push({ port: Number(/:(\d+)@/.exec(f[1] ?? '')?.[1]), ranges });
    }
    return out;
  }

  /** the Redis node (its lab name) that is master of `key`'s slot now */
  async masterOf(key: string): Promise<string> {
    const live = this.byRole('redis').find((r) => alive(r.pid));
    if (live === undefined) throw new Error('lab: no Redis node alive');
    const slot = Number((await redisCli(live.port, 'cluster', 'keyslot', key)).trim());
    const master = (await this.masters()).find((m) => m.ranges.some(([a, b]) => slot >= a && slot <= b));
    if (master === undefined) throw new Error(`lab: no master serves slot ${slot}`);
    return `redis-${master.port}`;
  }

  /**
   * Waits until a restarted node is a replica whose initial sync is done. A node restarted empty takes a while to copy its
   * master; failing its master over before that would promote an empty replica (a data loss the product then has to absorb).
   */
  waitReplicaSynced(name: string, timeoutMs: number): Promise<number> {
    const { port } = this.proc(name);
    return waitFor(
      `${name} synced with its master`,
      async () => {
        const info = await redisCli(port, 'info', 'replication');
        return /role:slave/.test(info) && /master_link_status:up/.test(info) && /master_sync_in_progress:0/.test(info);
      },
      timeoutMs,
      200,
    );
  }

  waitClusterHealthy(timeoutMs: number): Promise<number> {
    return waitFor('Redis Cluster healthy (every node cluster_state:ok, 3 masters)', () => this.clusterHealthy(), timeoutMs, 200);
  }

  /** The fetchers' `CRL loaded` log lines since `sinceMs`: {fetcher, caId, partition, crlNumber, time}. */
  loadsSince(sinceMs: number): { fetcher: string; caId: string; partition: string; crlNumber: string; time: number }[] {
    const out: { fetcher: string; caId: string; partition: string; crlNumber: string; time: number }[] = [];
    for (const f of this.byRole('fetcher')) {
      const text = readFileSync(join(paths(this.t).logs, `${f.name}.log`), 'utf8');
      for (const line of text.split('\n')) {
        if (!line.includes('"CRL loaded"')) continue;
        const r = JSON.parse(line) as { time: number; caId: string; partition: string; crlNumber: string };
        if (r.time >= sinceMs) out.push({ fetcher: f.name, caId: r.caId, partition: r.partition, crlNumber: r.crlNumber, time: r.time });
      }
    }
    return out;
  }

  /** the fetchers' partition locks on every master: holder token and remaining time to live (ms; -1 none, -2 gone meanwhile) */
  async locks(): Promise<{ key: string; token: string; pttl: number }[]> {
    const out: { key: string; token: string; pttl: number }[] = [];
    for (const m of await this.masters()) {
      const keys = (await redisCli(m.port, '--scan', '--pattern', '*:fetch-lock:*')).split('\n').filter((k) => k.length > 0);
      for (const key of keys)
        out.push({ key, token: (await redisCli(m.port, 'get', key)).trim(), pttl: Number((await redisCli(m.port, 'pttl', key)).trim()) });
    }
    return out.filter((l) => l.pttl !== -2);
  }
}
