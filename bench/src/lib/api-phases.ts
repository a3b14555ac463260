/**
 * The API benchmark's phases (issue 5): each starts its servers in their own processes, checks their answers against the
 * simulator's truth before timing anything, drives them with autocannon (or the NDJSON client), and stops them.
 */
import { resolve } from 'node:path';
import { runLoad, type LoadRequest, type LoadResult } from './api-autocannon.js';
import { httpPost, runCloseLoad } from './api-close-load.js';
import { runNdjsonBatch, type NdjsonRun } from './api-ndjson-client.js';
import { opensslOcspQuery, opensslOcspRequest, startOpensslResponder, writeOpensslIndex } from './api-ocsp-peer.js';
import { summariseProfile, type ProfileSummary } from './api-profile.js';
import type { BatchRound, OcspRound, StatusRound, WrkStatusRound } from './api-results-md.js';
import type { BenchSerial } from './api-serials.js';
import { spawnServer, type ServerProcess } from './api-server-process.js';
import { runWrk, wrkLine, wrkVersion, writeWrkScript } from './api-wrk.js';

export interface PhaseContext {
  benchDir: string;
  caId: string;
  serials: readonly BenchSerial[];
  redisUrl: string;
  /** where the CRL generation lives in Redis */
  prefix: string;
  /** validator config: the CA with its CRL (crl-first) */
  crlConfig: string;
  durationSeconds: number;
  rounds: number;
  commands: Record<string, string>;
  checks: string[];
  log(message: string): void;
}

const WARM_UP_SECONDS = 3;
const SERVER_ENV = { LOG_LEVEL: 'warn', NODE_ENV: 'production' };

const statusRequests = (ctx: PhaseContext): LoadRequest[] =>
  ctx.serials.map((s) => ({ method: 'GET', path: `/v1/status/${ctx.caId}/${s.serial}` }));

function autocannonLine(what: string, connections: number | string, seconds: number, requests: string): string {
  return `autocannon (programmatic, lib/api-autocannon.ts): ${what}, connections ${connections}, duration ${seconds} s, ${requests}`;
}

async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  if (res.status !== 200) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res.json();
}

/** every serial's answer from the validator's batch endpoint equals the simulator's status and reason, from the CRL */
async function checkValidatorAnswers(ctx: PhaseContext, url: string): Promise<void> {
  const body = { items: ctx.serials.map((s) => ({ issuer: ctx.caId, serial: s.serial })) };
  const answer = (await getJson(`${url}/v1/status/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })) as { results: { serial: string; status: string; reason: string | null; source: string | null }[] };
  ctx.serials.forEach((s, i) => {
    const a = answer.results[i];
    if (a === undefined || a.serial !== s.serial || a.status !== s.status || a.reason !== s.reason || a.source !== 'crl') {
      throw new Error(
        `validator answer for ${s.serial} is ${JSON.stringify(a)}; the simulator says ${s.status} ${s.reason ?? ''} (a stale CRL? delete bench/out/api-sim-*)`,
      );
    }
  });
  const one = ctx.serials[0];
  if (one !== undefined) {
    const single = (await getJson(`${url}/v1/status/${ctx.caId}/${one.serial}`)) as { status: string; reason: string | null };
    if (single.status !== one.status || single.reason !== one.reason)
      throw new Error(`GET answer ${JSON.stringify(single)} differs from the batch's`);
  }
  ctx.checks.push(
    `validator: all ${ctx.serials.length} serials answered (batch and GET) with the simulator's status and reason, source crl`,
  );
}

async function checkGetbitAnswers(ctx: PhaseContext, url: string): Promise<void> {
  for (const s of ctx.serials) {
    const a = (await getJson(`${url}/v1/status/${ctx.caId}/${s.serial}`)) as { status: string };
    if (a.status !== s.status) throw new Error(`GETBIT server says ${a.status} for ${s.serial}; the simulator says ${s.status}`);
  }
  ctx.checks.push(`GETBIT server: all ${ctx.serials.length} serials answered with the simulator's status`);
}

async function warmUp(url: string, requests: readonly LoadRequest[], connections: number): Promise<void> {
  await runLoad({ url, connections, durationSeconds: WARM_UP_SECONDS, requests });
}

export interface StatusPhaseResult {
  rounds: StatusRound[];
  /** the same servers under wrk (bare and validator); null when wrk is not installed */
  wrk: { version: string; rounds: WrkStatusRound[] } | null;
}

export async function statusPhase(ctx: PhaseContext, connectionsList: readonly number[]): Promise<StatusPhaseResult> {
  const servers: ServerProcess[] = [];
  try {
    const bare = await spawnServer({ script: 'dist/api-bare-server.js', cwd: ctx.benchDir, env: SERVER_ENV });
    servers.push(bare);
    const getbit = await spawnServer({
      script: 'dist/api-getbit-server.js',
      args: [ctx.prefix, ctx.caId, ctx.redisUrl],
      cwd: ctx.benchDir,
      env: SERVER_ENV,
    });
    servers.push(getbit);
    const validator = await spawnServer({
      script: 'dist/api-validator-server.js',
      args: [ctx.crlConfig, ctx.prefix, ctx.redisUrl],
      cwd: ctx.benchDir,
      env: SERVER_ENV,
    });
    servers.push(validator);
    Object.assign(ctx.commands, {
      'bare Hono server': bare.commandLine,
      'GETBIT server': getbit.commandLine,
      'validator server': validator.commandLine,
    });
    await checkValidatorAnswers(ctx, validator.url);
    await checkGetbitAnswers(ctx, getbit.url);
    const requests = statusRequests(ctx);
    ctx.commands['status load'] = autocannonLine(
      'GET /v1/status/<CA>/<serial> cycling the fixed serials',
      connectionsList.join(' and '),
      ctx.durationSeconds,
      `${WARM_UP_SECONDS} s warm-up per server first`,
    );
    const subjects = { bare, getbit, validator } as const;
    for (const s of Object.values(subjects)) await warmUp(s.url, requests, connectionsList[0] ?? 50);
    const rounds: StatusRound[] = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const connections of connectionsList) {
        // the order turns each round so a burst of load from another process does not always hit the same subject
        const order = (['bare', 'getbit', 'validator'] as const).map(
          (_, i, all) => all[(i + round - 1) % all.length] as keyof typeof subjects,
        );
        const got: Partial<Record<keyof typeof subjects, LoadResult>> = {};
        for (const name of order) {
          ctx.log(`status round ${round}, ${connections} connections: ${name}`);
          got[name] = await runLoad({ url: subjects[name].url, connections, durationSeconds: ctx.durationSeconds, requests });
        }
        if (got.bare === undefined || got.getbit === undefined || got.validator === undefined)
          throw new Error('a status subject did not run');
        rounds.push({ round, connections, bare: got.bare, getbit: got.getbit, validator: got.validator });
      }
    }
    const version = await wrkVersion();
    if (version === null) {
      ctx.log('wrk is not installed: no wrk rounds (apt-get install wrk)');
      return { rounds, wrk: null };
    }
    const scriptFile = resolve(ctx.benchDir, 'out/api-wrk-status.lua');
    await writeWrkScript(
      scriptFile,
      requests.map((r) => r.path),
    );
    ctx.commands['status load, wrk'] =
      `${wrkLine(connectionsList.join(' and '), ctx.durationSeconds, 'out/api-wrk-status.lua')} (the script cycles through the same serials and prints exact percentiles)`;
    const wrkRounds: WrkStatusRound[] = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const connections of connectionsList) {
        const order = round % 2 === 1 ? (['bare', 'validator'] as const) : (['validator', 'bare'] as const);
        const got: Partial<Record<'bare' | 'validator', LoadResult>> = {};
        for (const name of order) {
          ctx.log(`status round ${round}, ${connections} connections, wrk: ${name}`);
          got[name] = await runWrk({
            url: subjects[name].url,
            connections,
            durationSeconds: ctx.durationSeconds,
            paths: requests.map((r) => r.path),
            scriptFile,
          });
        }
        if (got.bare === undefined || got.validator === undefined) throw new Error('a wrk subject did not run');
        wrkRounds.push({ round, connections, bare: got.bare, validator: got.validator });
      }
    }
    return { rounds, wrk: { version, rounds: wrkRounds } };
  } finally {
    for (const s of servers) await s.stop();
  }
}

export interface BatchSettings {
  items: number;
  connections: number;
  durationSeconds: number;
  ndjsonItems: number;
  ndjsonRuns: number;
}

export async function batchPhase(ctx: PhaseContext, settings: BatchSettings): Promise<{ batch: BatchRound[]; ndjson: NdjsonRun[] }> {
  const servers: ServerProcess[] = [];
  try {
    const echo = await spawnServer({ script: 'dist/api-bare-server.js', cwd: ctx.benchDir, env: SERVER_ENV });
    servers.push(echo);
    const validator = await spawnServer({
      script: 'dist/api-validator-server.js',
      args: [ctx.crlConfig, ctx.prefix, ctx.redisUrl],
      cwd: ctx.benchDir,
      env: SERVER_ENV,
    });
    servers.push(validator);
    const items = Array.from({ length: settings.items }, (_, i) => ({
      issuer: ctx.caId,
      serial: (ctx.serials[i % ctx.serials.length] as BenchSerial).serial,
    }));
    const body = JSON.stringify({ items });
    const answered = (await getJson(`${validator.url}/v1/status/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })) as { results: { status: string }[] };
    const wrong = answered.results.filter((a, i) => a.status !== (ctx.serials[i % ctx.serials.length] as BenchSerial).status).length;
    if (answered.results.length !== settings.items || wrong > 0)
      throw new Error(`batch of ${settings.items}: ${answered.results.length} answers, ${wrong} wrong`);
    const echoed = JSON.stringify(
      await getJson(`${echo.url}/v1/status/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    if (echoed !== body) throw new Error('the echo server did not echo the body');
    ctx.checks.push(
      `batch: a ${settings.items}-item body (${(body.length / 1e6).toFixed(2)} MB) answered with ${settings.items} answers, every status as the simulator says; the echo returns the body byte for byte`,
    );
    const requests: LoadRequest[] = [{ method: 'POST', path: '/v1/status/batch', headers: { 'content-type': 'application/json' }, body }];
    ctx.commands['batch load'] = autocannonLine(
      `POST /v1/status/batch with one ${settings.items}-item JSON body`,
      settings.connections,
      settings.durationSeconds,
      `${WARM_UP_SECONDS} s warm-up per server first`,
    );
    await warmUp(echo.url, requests, settings.connections);
    await warmUp(validator.url, requests, settings.connections);
    const batch: BatchRound[] = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      ctx.log(`batch round ${round}`);
      const load = (url: string) =>
        runLoad({ url, connections: settings.connections, durationSeconds: settings.durationSeconds, requests, timeoutSeconds: 30 });
      const [first, second] = round % 2 === 1 ? [echo, validator] : [validator, echo];
      const a = await load(first.url);
      const b = await load(second.url);
      batch.push({ round, echo: first === echo ? a : b, validator: first === echo ? b : a });
    }
    const ndjson: NdjsonRun[] = [];
    ctx.commands['NDJSON batch'] =
      `lib/api-ndjson-client.ts: one POST /v1/status/batch, Content-Type application/x-ndjson, ${settings.ndjsonItems} lines {"issuer","serial"} written with back-pressure while the answer lines are counted`;
    for (let i = 0; i < settings.ndjsonRuns; i++) {
      ctx.log(`NDJSON run ${i + 1}/${settings.ndjsonRuns}`);
      const run = await runNdjsonBatch(
        validator.url,
        ctx.caId,
        ctx.serials.map((s) => s.serial),
        settings.ndjsonItems,
      );
      const expectedRevoked = Array.from(
        { length: settings.ndjsonItems },
        (_, k) => ctx.serials[k % ctx.serials.length]?.status === 'revoked',
      ).filter(Boolean).length;
      if (run.statuses.revoked !== expectedRevoked || run.statuses.good !== settings.ndjsonItems - expectedRevoked)
        throw new Error(`NDJSON answers ${JSON.stringify(run.statuses)}, expected ${expectedRevoked} revoked`);
      ndjson.push(run);
    }
    ctx.checks.push(`NDJSON: every run got ${settings.ndjsonItems} answer lines with exactly the expected revoked/good counts`);
    return { batch, ndjson };
  } finally {
    for (const s of servers) await s.stop();
  }
}

export interface OcspSettings {
  caCert: string;
  caKey: string;
  /** validator config: the CA in ocsp-only mode, no CRL; its OCSP URL is filled in here */
  writeConfig: (ocspUrl: string) => Promise<string>;
  /** an empty Redis prefix for the OCSP validator (its cache room) */
  prefix: string;
  connections: readonly number[];
  durationSeconds: number;
}

/** the sum of a /metrics counter over its series, or over those carrying every label given (`source="ocsp"`) */
async function metricTotal(url: string, name: string, labels: readonly string[] = []): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.every((label) => l.includes(label)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

export async function ocspPhase(ctx: PhaseContext, settings: OcspSettings): Promise<OcspRound[]> {
  await writeOpensslIndex(`${ctx.benchDir}/out/api-ocsp-index.txt`, ctx.serials);
  const responder = await startOpensslResponder({
    index: 'out/api-ocsp-index.txt',
    caCert: settings.caCert,
    caKey: settings.caKey,
    cwd: ctx.benchDir,
  });
  let validator: ServerProcess | null = null;
  try {
    const good = ctx.serials.find((s) => s.status === 'good');
    const revoked = ctx.serials.find((s) => s.status === 'revoked');
    if (good === undefined || revoked === undefined) throw new Error('no good or no revoked serial');
    const verdictLine = await opensslOcspQuery({ url: responder.url, caCert: settings.caCert, serialHex: good.serial, cwd: ctx.benchDir });
    if (!/: good$/.test(verdictLine)) throw new Error(`openssl's own client got "${verdictLine}" for a good serial`);
    const request = await opensslOcspRequest({
      caCert: settings.caCert,
      serialHex: good.serial,
      out: 'out/api-ocsp-request.der',
      cwd: ctx.benchDir,
    });
    validator = await spawnServer({
      script: 'dist/api-validator-server.js',
      args: [await settings.writeConfig(`${responder.url}/`), settings.prefix, ctx.redisUrl],
      cwd: ctx.benchDir,
      env: SERVER_ENV,
    });
    Object.assign(ctx.commands, {
      'openssl ocsp responder': responder.commandLine,
      'OCSP request for the peer': request.commandLine,
      'validator server (OCSP)': validator.commandLine,
    });
    for (const s of [good, revoked]) {
      const a = (await getJson(`${validator.url}/v1/status/${ctx.caId}/${s.serial}`)) as { status: string; source: string };
      if (a.status !== s.status || a.source !== 'ocsp')
        throw new Error(`validator (ocsp-only) says ${JSON.stringify(a)} for ${s.serial}, expected ${s.status} from ocsp`);
    }
    ctx.checks.push(`OCSP: openssl's own client and the validator (ocsp-only) both get good/revoked from the responder as the index says`);
    const { hostname, port } = new URL(responder.url);
    const peerRequest = httpPost(hostname, Number(port), '/', 'application/ocsp-request', request.der);
    const distinctPaths = statusRequests(ctx).map((r) => r.path);
    ctx.commands['OCSP load'] =
      `peer: lib/api-close-load.ts (one connection per request, as openssl ocsp closes each; autocannon mis-measures it), POST / HTTP/1.0 with the fixed request; ` +
      `validator: ${autocannonLine('GET /v1/status cycling the serials from one counter shared by the connections (no two concurrent requests ask the same serial)', settings.connections.join(' and '), settings.durationSeconds, `${WARM_UP_SECONDS} s warm-up each first`)}`;
    const peerLoad = (connections: number, durationSeconds: number) =>
      runCloseLoad({ host: hostname, port: Number(port), connections, durationSeconds, request: peerRequest });
    await peerLoad(1, WARM_UP_SECONDS);
    await runLoad({ url: validator.url, connections: 1, durationSeconds: WARM_UP_SECONDS, requests: [], distinctPaths });
    const rounds: OcspRound[] = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const connections of settings.connections) {
        ctx.log(`OCSP round ${round}, ${connections} connections`);
        const queriesBefore = await metricTotal(validator.url, 'jpki_validator_ocsp_queries_total');
        const peer = await peerLoad(connections, settings.durationSeconds);
        const viaValidator = await runLoad({
          url: validator.url,
          connections,
          durationSeconds: settings.durationSeconds,
          requests: [],
          distinctPaths,
        });
        const queries = (await metricTotal(validator.url, 'jpki_validator_ocsp_queries_total')) - queriesBefore;
        const fromOcsp = await metricTotal(validator.url, 'jpki_validator_status_answers_total', ['source="ocsp"']);
        ctx.checks.push(
          `OCSP round ${round}, ${connections} connections: ${viaValidator.totalRequests} validator answers (2xx), ${queries} OCSP queries sent; so far ` +
            `${await metricTotal(validator.url, 'jpki_validator_ocsp_cache_hits_total')} cache hits, ${await metricTotal(validator.url, 'jpki_validator_ocsp_failed_total')} failed, ` +
            `${await metricTotal(validator.url, 'jpki_validator_ocsp_refused_total')} refused, ${fromOcsp} answers from OCSP`,
        );
        rounds.push({ round, connections, peer, validator: viaValidator });
      }
    }
    return rounds;
  } finally {
    await validator?.stop();
    await responder.stop();
  }
}

/** The validator under the status load at `connections`, with `node --cpu-prof`; returns where its time went. */
export async function profilePhase(
  ctx: PhaseContext,
  connections: number,
  profileDir: string,
): Promise<{ command: string; summary: ProfileSummary }> {
  const validator = await spawnServer({
    script: 'dist/api-validator-server.js',
    args: [ctx.crlConfig, ctx.prefix, ctx.redisUrl],
    cwd: ctx.benchDir,
    env: SERVER_ENV,
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir],
  });
  try {
    await runLoad({ url: validator.url, connections, durationSeconds: ctx.durationSeconds, requests: statusRequests(ctx) });
  } finally {
    await validator.stop();
  }
  return {
    command: `${validator.commandLine} under ${connections} connections for ${ctx.durationSeconds} s`,
    summary: await summariseProfile(`${ctx.benchDir}/${profileDir}`),
  };
}
