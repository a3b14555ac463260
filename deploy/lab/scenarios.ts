/**
 * The scenarios: each runs the load generator through HAProxy for its whole length, does its fault, and checks what must hold.
 * A wrong `good` fails every scenario; `unknown` during a fault is allowed and counted; the recovery time is from the fault to
 * the last failed request or unknown answer. The table goes to RESULTS.md (deploy/lab/RESULTS.md for a full run).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { LabControl } from './lab-control.ts';
import { emptyLoadStats, Load, type LoadStats } from './load.ts';
import { alive, httpOk, readState, sleep, waitFor } from './procs.ts';
import { API_KEY, API_KEYS, HOST, paths, REPO, type Topology } from './topology.ts';
import { Truth } from './truth.ts';

export interface ScenarioVerdict {
  name: string;
  stats: LoadStats;
  recoveryMs: number | null;
  notes: string[];
  failedChecks: string[];
  pass: boolean;
}

export interface ScenarioOptions {
  quick: boolean;
  only?: string[];
  resultsFile?: string;
  log: (line: string) => void;
}

interface Ctx {
  lab: LabControl;
  truth: Truth;
  quick: boolean;
  log: (line: string) => void;
  /** seconds: the full length, or the quick one */
  dur(full: number, quick: number): number;
  startLoad(): Load;
  /**
   * the watched customers dead when the watch list was lost with the whole cluster (Redis without persistence here): the deaths
   * the watch job can still owe; null while it has not been lost
   */
  watchDeathsOwed: Set<string> | null;
}

/** the watched customers whose certificate the simulator lists now */
async function watchedDead(lab: LabControl): Promise<{ rows: number; dead: Set<string>; generation: number }> {
  const p = paths(lab.t);
  const rows = readFileSync(p.watchList, 'utf8').trim().split('\n').slice(1);
  const { openSimulator } = await import('@jpki-validator/sim');
  const sim = await openSimulator(p.sim);
  const dead = new Set<string>();
  for (const row of rows) {
    const [customerId = '', group = '', serial = ''] = row.split(',');
    if (sim.status(group, serial).status === 'revoked') dead.add(customerId);
  }
  return { rows: rows.length, dead, generation: sim.generation };
}

interface Outcome {
  faultAt?: number;
  notes: string[];
  checks: [string, boolean][];
  /** extra failed requests allowed (those in flight when a validator is killed) */
  failedAllowed?: number;
  /** unknown answers are a failure in this scenario (no fault that could excuse them) */
  noUnknown?: boolean;
}

type Scenario = { name: string; what: string; run(ctx: Ctx, load: Load): Promise<Outcome> };

const SIGN_SLOT = '{jpki-sign-2023}';

/** Asks one validator directly (not through HAProxy) for samples; their statuses in order. */
async function askValidator(port: number, truth: Truth, samples: readonly number[]): Promise<string[]> {
  const items = samples.map((i) => ({ issuer: truth.samples[i]?.caId, serial: truth.samples[i]?.serial }));
  const res = await fetch(`http://${HOST}:${port}/v1/status/batch`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
    signal: AbortSignal.timeout(5_000),
  });
  if (res.status !== 200) return [];
  return ((await res.json()) as { results: { status: string }[] }).results.map((r) => r.status);
}

/** Waits until every validator answers `revoked` for the serials newly listed in `generation`: the time it took. */
async function waitGeneration(ctx: Ctx, generation: number, timeoutMs: number): Promise<number | null> {
  const fresh = ctx.truth.newlyListed(generation).slice(0, 500);
  if (fresh.length === 0) return null;
  const ports = ctx.lab.byRole('validator').map((v) => v.port);
  return waitFor(
    `generation ${generation} on every validator`,
    async () =>
      (await Promise.all(ports.map((p) => askValidator(p, ctx.truth, fresh)))).every(
        (s) => s.length > 0 && s.every((x) => x === 'revoked'),
      ),
    timeoutMs,
    100,
  );
}

const secs = (ms: number | null): string => (ms === null ? '–' : (ms / 1000).toFixed(1));

const SCENARIOS: Scenario[] = [
  {
    name: 'steady',
    what: 'steady state: status and batch queries, no fault',
    async run(ctx) {
      await sleep(ctx.dur(60, 4) * 1000);
      return { notes: [], checks: [], noUnknown: true };
    },
  },
  {
    name: 'generation-switch',
    what: 'the simulator publishes the next generation under load; every validator flips to it, never a mix within one batch',
    async run(ctx) {
      await sleep(ctx.dur(15, 2) * 1000);
      const faultAt = Date.now();
      const generation = await ctx.truth.advance(ctx.dur(20, 4));
      const ms = await waitGeneration(ctx, generation, 120_000);
      await sleep(ctx.dur(15, 2) * 1000);
      return {
        faultAt,
        notes: [
          `generation ${generation}: ${ctx.truth.newlyListed(generation).length} sampled serials newly listed, on every validator after ${secs(ms)} s`,
        ],
        checks: [['new generation reached every validator', ms !== null]],
        noUnknown: true,
      };
    },
  },
  {
    name: 'redis-master-kill',
    what: "kill -9 the Redis master of the signature CA's slot during a CRL load and queries; its replica is promoted",
    async run(ctx) {
      await sleep(ctx.dur(10, 2) * 1000);
      const victim = await ctx.lab.masterOf(SIGN_SLOT);
      const since = Date.now();
      const generation = await ctx.truth.advance(ctx.dur(20, 4));
      // during the CRL load: as soon as a fetcher has switched the first CRL of the new generation
      await waitFor('a fetcher loading the new generation', () => ctx.lab.loadsSince(since).length > 0, 60_000, 10);
      const faultAt = Date.now();
      await ctx.lab.kill9(victim);
      const promotedMs = await waitFor(
        'a replica promoted',
        async () => (await ctx.lab.masterOf(SIGN_SLOT).catch(() => victim)) !== victim,
        60_000,
        100,
      );
      const loadedMs = await waitGeneration(ctx, generation, 180_000);
      ctx.lab.restart(victim);
      const rejoinMs = (await ctx.lab.waitClusterHealthy(60_000)) + (await ctx.lab.waitReplicaSynced(victim, 120_000));
      await sleep(ctx.dur(10, 2) * 1000);
      return {
        faultAt,
        notes: [
          `${victim} killed after the first CRL of generation ${generation} was loaded (${ctx.lab.loadsSince(since).length} loaded by the end); replica promoted after ${secs(promotedMs)} s; generation ${generation} on every validator after ${secs(loadedMs)} s; old master back as a synced replica ${secs(rejoinMs)} s after its restart`,
        ],
        checks: [['the CRL load completed (or was retried) after the failover', loadedMs !== null]],
      };
    },
  },
  {
    name: 'redis-master-sigstop',
    what: 'SIGSTOP the Redis master of the signature CA (a hung node, not a dead one), then SIGCONT',
    async run(ctx) {
      await sleep(ctx.dur(10, 2) * 1000);
      const victim = await ctx.lab.masterOf(SIGN_SLOT);
      const faultAt = Date.now();
      ctx.lab.kill(victim, 'SIGSTOP');
      await sleep(ctx.dur(20, 6) * 1000);
      const promoted = (await ctx.lab.masterOf(SIGN_SLOT).catch(() => victim)) !== victim;
      ctx.lab.kill(victim, 'SIGCONT');
      const healthyMs = await ctx.lab.waitClusterHealthy(60_000);
      const generation = await ctx.truth.advance(ctx.dur(20, 4));
      const loadedMs = await waitGeneration(ctx, generation, 120_000);
      await sleep(ctx.dur(10, 2) * 1000);
      return {
        faultAt,
        notes: [
          `${victim} stopped ${ctx.dur(20, 6)} s (${promoted ? 'its replica was promoted' : 'no failover'}); cluster healthy ${secs(healthyMs)} s after SIGCONT; the next generation loaded in ${secs(loadedMs)} s`,
        ],
        checks: [['a generation loads after the hung master is back', loadedMs !== null]],
      };
    },
  },
  {
    name: 'fetcher-kill',
    what: 'kill -9 a fetcher mid-load: the other takes over, each CRL loaded once, no lock left behind',
    async run(ctx) {
      await sleep(ctx.dur(5, 1) * 1000);
      const since = Date.now();
      const generation = await ctx.truth.advance(ctx.dur(20, 4));
      // the first fetcher seen loading a CRL of the new generation is the victim
      let victim = '';
      await waitFor(
        'a fetcher loading the new generation',
        () => {
          victim = ctx.lab.loadsSince(since)[0]?.fetcher ?? '';
          return victim !== '';
        },
        60_000,
        10,
      );
      const faultAt = Date.now();
      await ctx.lab.kill9(victim);
      // the locks at the kill: the dead worker's among them; each must expire by itself (30 s TTL, never renewed again)
      const atKill = await ctx.lab.locks();
      const loadedMs = await waitGeneration(ctx, generation, 180_000);
      const lockWaitMs = ctx.quick ? 0 : Math.max(0, 35_000 - (Date.now() - faultAt));
      await sleep(lockWaitMs);
      const now = await ctx.lab.locks();
      // still held by the same token after the TTL: never released nor expired (a live worker takes a fresh token each time)
      const locks = ctx.quick
        ? now.filter((l) => l.pttl === -1)
        : now.filter((l) => l.pttl === -1 || atKill.some((k) => k.key === l.key && k.token === l.token));
      const loads = ctx.lab.loadsSince(since);
      const seen = new Map<string, number>();
      for (const l of loads)
        seen.set(`${l.caId}/${l.partition}#${l.crlNumber}`, (seen.get(`${l.caId}/${l.partition}#${l.crlNumber}`) ?? 0) + 1);
      const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
      const byVictim = loads.filter((l) => l.fetcher === victim).length;
      ctx.lab.restart(victim);
      return {
        faultAt,
        notes: [
          `${victim} killed after its first load of generation ${generation} (${byVictim} CRLs loaded by it, ${loads.length - byVictim} by the other); on every validator after ${secs(loadedMs)} s`,
          `${seen.size} CRLs loaded, ${twice.length} twice${twice.length ? ` (${twice.slice(0, 3).join(', ')})` : ''}; ${atKill.length} partition locks held at the kill; left behind: ${locks.length === 0 ? 'none' : locks.map((l) => `${l.key} pttl ${l.pttl}`).join(', ')}${ctx.quick ? ' (quick: checked before the 30 s TTL runs out: only that every lock has one)' : ' (35 s after the kill)'}`,
        ],
        checks: [
          ['the other fetcher completed the generation', loadedMs !== null],
          ['each CRL loaded once', twice.length === 0],
          [
            ctx.quick ? 'every lock has a TTL (≤ 30 s)' : 'no lock of the dead worker left after the TTL',
            locks.length === 0 && now.every((l) => l.pttl <= 30_000),
          ],
        ],
      };
    },
  },
  {
    name: 'validator-kill',
    what: 'kill -9 a validator under load: HAProxy routes around it (only requests in flight may fail)',
    async run(ctx, load) {
      await sleep(ctx.dur(10, 2) * 1000);
      const faultAt = Date.now();
      await ctx.lab.kill9('validator-2');
      await sleep(ctx.dur(10, 2) * 1000);
      ctx.lab.restart('validator-2');
      const readyMs = await waitFor('validator-2 ready', () => ctx.lab.validatorReady('validator-2'), 120_000);
      await sleep(ctx.dur(10, 2) * 1000);
      return {
        faultAt,
        notes: [`validator-2 killed; restarted and ready in ${secs(readyMs)} s`],
        checks: [],
        failedAllowed: load.concurrency,
        noUnknown: true,
      };
    },
  },
  {
    name: 'rolling-restart',
    what: 'every validator in turn: SIGTERM (drain), start, wait for /readyz, under load: zero failed requests',
    async run(ctx) {
      await sleep(ctx.dur(5, 1) * 1000);
      const faultAt = Date.now();
      const notes: string[] = [];
      for (const v of ctx.lab.byRole('validator').map((r) => r.name)) {
        const { ms, killed } = await ctx.lab.stop(v);
        ctx.lab.restart(v);
        const readyMs = await waitFor(`${v} ready`, () => ctx.lab.validatorReady(v), 120_000, 100);
        // HAProxy takes it back after 2 good checks 500 ms apart
        await sleep(1_500);
        notes.push(`${v}: exit ${secs(ms)} s${killed ? ' (SIGKILL)' : ''}, ready ${secs(readyMs)} s`);
      }
      await sleep(ctx.dur(5, 1) * 1000);
      return { faultAt, notes: [notes.join('; ')], checks: [], noUnknown: true };
    },
  },
  {
    name: 'redis-cluster-down',
    what: 'the whole Redis Cluster killed for 60 s, then back (empty): answers from memory, readiness 503, recovery without restart, no hang on SIGTERM',
    async run(ctx) {
      await sleep(ctx.dur(5, 1) * 1000);
      const nodes = ctx.lab.byRole('redis').map((r) => r.name);
      const faultAt = Date.now();
      await Promise.all(nodes.map((n) => ctx.lab.kill9(n)));
      await sleep(3_000);
      const readiness = await Promise.all(ctx.lab.byRole('validator').map((v) => ctx.lab.validatorReady(v.name)));
      // a validator and a fetcher told to stop while Redis is away must not hang
      const [v3, f2] = await Promise.all([ctx.lab.stop('validator-3', 30_000), ctx.lab.stop('fetcher-2', 30_000)]);
      await sleep(Math.max(0, ctx.dur(60, 8) * 1000 - (Date.now() - faultAt)));
      const backAt = Date.now();
      for (const n of nodes) ctx.lab.restart(n);
      const healthyMs = await ctx.lab.waitClusterHealthy(120_000);
      // the validators that kept running must come back by themselves (reconnect, reload what the fetcher reloads)
      const survivors = ['validator-1', 'validator-2'];
      const readyMs = await waitFor(
        'the validators that kept running ready again, without a restart',
        async () => (await Promise.all(survivors.map((v) => ctx.lab.validatorReady(v)))).every(Boolean),
        300_000,
        200,
      ).catch(() => null);
      ctx.lab.restart('validator-3');
      ctx.lab.restart('fetcher-2');
      await waitFor('validator-3 ready after its restart', () => ctx.lab.validatorReady('validator-3'), 300_000, 200);
      // the watch list went with the data: deaths published from now on have no watched customer left to report
      ctx.watchDeathsOwed = (await watchedDead(ctx.lab)).dead;
      // the whole pipeline is back, not only the copies held: the next generation reaches every validator
      const generation = await ctx.truth.advance(ctx.dur(20, 4));
      const pipelineMs = await waitGeneration(ctx, generation, ctx.dur(180, 60) * 1000).catch(() => null);
      await sleep(ctx.dur(10, 2) * 1000);
      return {
        faultAt,
        notes: [
          `down ${secs(backAt - faultAt)} s; /readyz during the outage: ${readiness.map((r) => (r ? 200 : 503)).join(', ')}; SIGTERM exit with Redis down: validator-3 ${secs(v3.ms)} s${v3.killed ? ' (hung: SIGKILL)' : ''}, fetcher-2 ${secs(f2.ms)} s${f2.killed ? ' (hung: SIGKILL)' : ''}`,
          `back: cluster healthy ${secs(healthyMs)} s after the restart; validator-1 and -2 ready again without a restart ${secs(readyMs)} s after that; the next generation on every validator ${pipelineMs === null ? 'never (within the wait)' : `${secs(pipelineMs)} s after it was published`}`,
        ],
        checks: [
          ['readiness 503 on every validator while Redis is down', readiness.every((r) => !r)],
          ['no process hangs on SIGTERM while Redis is down', !v3.killed && !f2.killed && v3.ms < 15_000 && f2.ms < 15_000],
          ['the validators that kept running ready again without a restart', readyMs !== null],
          ['a generation published after the outage reaches every validator (fetchers recovered)', pipelineMs !== null],
        ],
      };
    },
  },
];

/** The watch job across both fetchers, through everything above: every watched death delivered exactly once. */
async function watchExactlyOnce(ctx: Ctx): Promise<ScenarioVerdict> {
  const p = paths(ctx.lab.t);
  const now = await watchedDead(ctx.lab);
  const expected = ctx.watchDeathsOwed ?? now.dead;
  const notOwed = now.dead.size - expected.size;
  const read = () =>
    readFileSync(p.webhookEvents, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => (JSON.parse(l) as { event: { eventId: string; customerId: string; type: string } }).event);
  let missing: string[] = [];
  const settledMs = await waitFor(
    'every watched death delivered',
    () => {
      const got = new Set(read().map((e) => e.customerId));
      missing = [...expected].filter((c) => !got.has(c));
      return missing.length === 0;
    },
    ctx.dur(180, 60) * 1000,
    500,
  ).catch(() => null);
  const events = read();
  const ids = new Map<string, number>();
  for (const e of events) ids.set(e.eventId, (ids.get(e.eventId) ?? 0) + 1);
  const twice = [...ids.values()].filter((n) => n > 1).length;
  const perCustomer = new Map<string, number>();
  for (const e of events) perCustomer.set(e.customerId, (perCustomer.get(e.customerId) ?? 0) + 1);
  const stats: LoadStats = { ...emptyLoadStats(), answers: events.length };
  const failedChecks = [
    ...(twice > 0 ? [`${twice} events delivered more than once`] : []),
    ...(missing.length > 0 ? [`${missing.length} watched deaths never delivered (${missing.slice(0, 3).join(', ')})`] : []),
    ...([...perCustomer.values()].some((n) => n > 1) ? ['a customer reported twice'] : []),
  ];
  return {
    name: 'watch-exactly-once',
    stats,
    recoveryMs: null,
    notes: [
      `${now.rows} watched certificates, ${now.dead.size} revoked at generation ${now.generation}${notOwed > 0 ? ` (${notOwed} of them died after the watch list was lost with the whole cluster — Redis without persistence here — so no event is owed for them)` : ''}; ${events.length} events received, ${ids.size} distinct; every owed one delivered ${settledMs === null ? 'never' : `${secs(settledMs)} s after the last scenario`}`,
    ],
    failedChecks,
    pass: failedChecks.length === 0,
  };
}

function verdictOf(s: Scenario, stats: LoadStats, outcome: Outcome): ScenarioVerdict {
  const after = outcome.faultAt ?? Number.POSITIVE_INFINITY;
  const bad = stats.badTimes.filter((t) => t >= after);
  const recoveryMs = outcome.faultAt === undefined ? null : bad.length === 0 ? 0 : Math.max(...bad) - outcome.faultAt;
  const failedChecks = [
    ...(stats.wrongGood > 0 ? [`${stats.wrongGood} wrong good answers`] : []),
    ...(stats.wrongRevoked > 0 ? [`${stats.wrongRevoked} wrong revoked answers`] : []),
    ...(stats.mixedBatches > 0 ? [`${stats.mixedBatches} batches mixing two generations of one CRL`] : []),
    ...(stats.failed > (outcome.failedAllowed ?? 0) ? [`${stats.failed} failed requests (allowed ${outcome.failedAllowed ?? 0})`] : []),
    ...(outcome.noUnknown && stats.unknown > 0 ? [`${stats.unknown} unknown answers without a fault to excuse them`] : []),
    ...(stats.requests === 0 ? ['no request answered'] : []),
    ...outcome.checks.filter(([, ok]) => !ok).map(([what]) => what),
  ];
  return { name: s.name, stats, recoveryMs, notes: outcome.notes, failedChecks, pass: failedChecks.length === 0 };
}

function table(verdicts: readonly ScenarioVerdict[]): string {
  const head =
    '| scenario | requests | answers | wrong good | wrong revoked | unknown | failed | mixed batches | p50 ms | p99 ms | recovery s | verdict |';
  const rows = verdicts.map((v) => {
    const s = v.stats;
    return `| ${v.name} | ${s.requests} | ${s.answers} | ${s.wrongGood} | ${s.wrongRevoked} | ${s.unknown} | ${s.failed} | ${s.mixedBatches} | ${s.p50Ms.toFixed(1)} | ${s.p99Ms.toFixed(1)} | ${secs(v.recoveryMs)} | ${v.pass ? 'pass' : `**FAIL**: ${v.failedChecks.join('; ')}`} |`;
  });
  return [head, '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|', ...rows].join('\n');
}

export async function runScenarios(t: Topology, options: ScenarioOptions): Promise<ScenarioVerdict[]> {
  // every scenario judged against a lab that is not there would only count failures: refuse instead
  const state = readState(paths(t).state);
  if (state === null || !state.procs.every((r) => alive(r.pid)) || !(await httpOk(`${t.apiUrl}/readyz`)))
    throw new Error(
      `lab: not up in ${t.dir} (npm run lab -- up${options.quick ? ' --quick' : ''} first; npm run lab -- status shows what runs)`,
    );
  const lab = new LabControl(t);
  const quick = options.quick;
  const truth = await Truth.open(paths(t).sim, quick ? 1_000 : 10_000);
  const ctx: Ctx = {
    lab,
    truth,
    quick,
    log: options.log,
    dur: (full, short) => (quick ? short : full),
    startLoad: () =>
      new Load({ apiUrl: t.apiUrl, apiKeys: API_KEYS, truth, concurrency: quick ? 4 : 16, batchSize: quick ? 20 : 100, batchShare: 0.3 }),
    watchDeathsOwed: null,
  };
  const loadBefore = loadavg();
  const startedAt = new Date();
  const verdicts: ScenarioVerdict[] = [];
  for (const s of SCENARIOS.filter((x) => options.only === undefined || options.only.includes(x.name))) {
    options.log(`scenario ${s.name}: ${s.what}`);
    const load = ctx.startLoad();
    let outcome: Outcome;
    try {
      outcome = await s.run(ctx, load);
    } catch (error) {
      outcome = { notes: [], checks: [[`the scenario ran to its end: ${error instanceof Error ? error.message : String(error)}`, false]] };
    }
    const verdict = verdictOf(s, await load.stop(), outcome);
    verdicts.push(verdict);
    report(verdict, options.log);
  }
  if (options.only === undefined || options.only.includes('watch-exactly-once')) {
    options.log('scenario watch-exactly-once: every watched death delivered once through all of the above');
    const verdict = await watchExactlyOnce(ctx);
    verdicts.push(verdict);
    report(verdict, options.log);
  }
  const loadAfter = loadavg();
  const command = `npm run lab -- up${quick ? ' --quick' : ''} && npm run lab -- scenarios${quick ? ' --quick' : ''}`;
  options.log(`${truth.droppedByLaterCrls} sampled serials were dropped by a later generation's CRL (kept revoked: revocation is final)`);
  const text = [
    `Run ${startedAt.toISOString()} (${quick ? 'quick' : 'full'}), ${cpus().length} cores, load average ${loadBefore[0]?.toFixed(2)} before and ${loadAfter[0]?.toFixed(2)} after (the machine is shared).`,
    `Command: \`${command}\`. Lab: ${lab.state.size} size.`,
    `Sampled serials: ${truth.samples.length}; ${truth.droppedByLaterCrls} of them were dropped by a later generation's CRL (their certificates expired) and are judged revoked from then on, as the store keeps them (revocation is final).`,
    '',
    table(verdicts),
    '',
    ...verdicts.flatMap((v) => [
      ...v.stats.mixedExamples.map((m) => `- ${v.name}, a mixed batch: ${m}`),
      `- **${v.name}**: ${v.notes.join(' ')}${Object.keys(v.stats.unknownByDetail).length ? ` Unknown by detail: ${JSON.stringify(v.stats.unknownByDetail)}.` : ''}${Object.keys(v.stats.failures).length ? ` Failures: ${JSON.stringify(v.stats.failures)}.` : ''}`,
    ]),
    '',
  ].join('\n');
  writeFileSync(options.resultsFile ?? (quick ? `${t.dir}/RESULTS-quick.md` : join(REPO, 'deploy/lab/RESULTS.md')), text);
  options.log(table(verdicts));
  return verdicts;
}

function report(v: ScenarioVerdict, log: (line: string) => void): void {
  const s = v.stats;
  log(
    `  ${v.pass ? 'PASS' : 'FAIL'} ${v.name}: ${s.requests} requests, ${s.answers} answers, wrong-good ${s.wrongGood}, unknown ${s.unknown}, failed ${s.failed}, p50 ${s.p50Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms, recovery ${secs(v.recoveryMs)} s`,
  );
  for (const n of v.notes) log(`    ${n}`);
  for (const f of v.failedChecks) log(`    ✗ ${f}`);
  for (const m of v.stats.mixedExamples) log(`    mixed: ${m}`);
}
