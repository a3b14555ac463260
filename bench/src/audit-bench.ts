// Benchmark (issue 15, "Cost"): what recording every answer in the audit history costs the status API and the batch, measured
// in one run: the same validator (embedded in-memory store, one CA with an ENTRIES-entry CRL, no API keys) with the audit history
// off, embedded (SQLite in the data directory) and on PostgreSQL, each in its own process, autocannon in this one:
//   1. GET /v1/status/{ca}/{serial}?purpose=liveness_check, serials cycling, at --connections;
//   2. POST /v1/status/batch?purpose=death_check with one --batch-items-item JSON body, at --batch-connections.
// The variants take turns within each round (off, sqlite, postgres, off, …) so drift in the shared machine falls on all alike; the
// figure per variant is the median over rounds. After each server's run it waits for the journal to be shipped and counts the
// records in the database: every answer autocannon counted must have its record (the count may exceed it by answers in flight at
// the end). Target: each audited variant ≥ 80 % of `off` (status and batch). Writes its section of RESULTS.md (between markers)
// and the raw figures to out/audit-bench-<date>.json. Never run by `npm test`.
// After `npx turbo run build`, from bench/:
//   node dist/audit-bench.js [--entries 1000000] [--duration 10] [--connections 50] [--rounds 3] [--batch-items 10000]
//                            [--batch-connections 4] [--batch-duration 10] [--variants off,sqlite,postgres] [--only status,batch]
//                            [--postgres postgres://postgres@127.0.0.1:5432/test] [--results RESULTS.md] [--cpu-prof DIR]
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runLoad, type LoadResult } from './lib/api-autocannon.js';
import { pickSerials } from './lib/api-serials.js';
import { spawnServer } from './lib/api-server-process.js';
import { parseReport } from './lib/child-report.js';
import { describeMachine } from './lib/machine.js';
import { measure } from './lib/measure.js';
import { updateAuditResults, type AuditBenchReport, type VariantRun } from './lib/audit-results-md.js';
import { wholeNumberFlag } from './lib/whole-number-flag.js';

const CA = 'jpki-sign-2023';
const benchDir = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    serials: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'batch-items': { type: 'string', default: '10000' },
    'batch-connections': { type: 'string', default: '4' },
    'batch-duration': { type: 'string', default: '10' },
    variants: { type: 'string', default: 'off,sqlite,postgres' },
    only: { type: 'string', default: 'status,batch' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    results: { type: 'string', default: 'RESULTS.md' },
    /** a directory: each validator runs with --cpu-prof into it (the audit worker thread's profile too) */
    'cpu-prof': { type: 'string' },
  },
});
const int = (name: keyof typeof values): number => wholeNumberFlag(values, name);
const variants = values.variants.split(',') as ('off' | 'sqlite' | 'postgres')[];
for (const v of variants) if (!['off', 'sqlite', 'postgres'].includes(v)) throw new Error(`--variants: unknown variant ${v}`);
const only = new Set(values.only.split(','));
const log = (message: string): void => void process.stderr.write(`[audit-bench] ${message}\n`);

const machine = describeMachine();
const runId = randomBytes(4).toString('hex');
const schema = `audit_bench_${runId}`;
const outDir = resolve(benchDir, 'out', `audit-${runId}`);
await mkdir(outDir, { recursive: true });
const commandLine = `node dist/audit-bench.js ${process.argv.slice(2).join(' ')}`.trim();

try {
  const entries = int('entries');
  const simDir = `out/api-sim-${entries}`;
  const crl = `out/api-crl-${entries}.der`;
  log(`simulator: ${entries} entries → ${crl}`);
  const simRun = await measure(process.execPath, ['dist/subjects/sim-write.js', simDir, String(entries), crl], benchDir);
  const sim = parseReport(simRun.stdout);
  const caCert = String(sim.facts.caCertificate);
  const serials = await pickSerials(resolve(benchDir, simDir), CA, int('serials'));
  const issuers = [
    {
      id: CA,
      group: 'jpki-sign',
      caCert: resolve(benchDir, caCert),
      crls: [{ name: 'full', source: resolve(benchDir, crl), scope: 'full' }],
      refresh: '24h',
    },
  ];
  const configOf = async (variant: string, round: number): Promise<string> => {
    const file = resolve(outDir, `config-${variant}-${round}.json`);
    const dataDir = resolve(outDir, `data-${variant}-${round}`);
    await writeFile(file, JSON.stringify({ issuers, dataDir, ...(variant === 'off' ? {} : { audit: { schema } }) }));
    return file;
  };
  const statusPaths = serials.map((s) => `/v1/status/${CA}/${s.serial}?purpose=liveness_check`);
  const batchItems = int('batch-items');
  const batchBody = JSON.stringify({
    items: Array.from({ length: batchItems }, (_, i) => ({
      issuer: CA,
      serial: (serials[i % serials.length] as { serial: string }).serial,
    })),
  });

  const runs: VariantRun[] = [];
  for (let round = 1; round <= int('rounds'); round++) {
    for (const variant of variants) {
      const reportFile = resolve(outDir, `report-${variant}-${round}.json`);
      const server = await spawnServer({
        script: 'dist/audit-validator-server.js',
        args: [await configOf(variant, round), resolve(benchDir, crl), CA, reportFile],
        cwd: benchDir,
        env: variant === 'postgres' ? { AUDIT_DATABASE_URL: values.postgres } : {},
        ...(values['cpu-prof'] !== undefined ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof'])] } : {}),
      });
      let status: LoadResult | null = null;
      let batch: LoadResult | null = null;
      try {
        // one answer checked first: the variant answers, and the serial is the one the simulator revoked or not
        const probe = (await (await fetch(`${server.url}${statusPaths[0]}`)).json()) as { status: string };
        if (probe.status !== serials[0]?.status) throw new Error(`${variant}: ${statusPaths[0]} answered ${JSON.stringify(probe)}`);
        if (only.has('status')) {
          const cpu0 = threadCpuMs(server.pid);
          status = await runLoad({
            url: server.url,
            connections: int('connections'),
            durationSeconds: int('duration'),
            requests: [],
            distinctPaths: statusPaths,
          });
          log(`round ${round} ${variant}: status ${status.requestsPerSecond.toFixed(0)} req/s (p99 ${status.latencyP99Ms} ms)`);
          logCpu(round, variant, 'status', cpu0, threadCpuMs(server.pid), status.totalRequests);
        }
        if (only.has('batch')) {
          const cpu0 = threadCpuMs(server.pid);
          batch = await runLoad({
            url: server.url,
            connections: int('batch-connections'),
            durationSeconds: int('batch-duration'),
            timeoutSeconds: 60,
            requests: [
              {
                method: 'POST',
                path: '/v1/status/batch?purpose=death_check',
                headers: { 'content-type': 'application/json' },
                body: batchBody,
              },
            ],
          });
          log(`round ${round} ${variant}: batch ${((batch.requestsPerSecond * batchItems) / 1e3).toFixed(0)} k items/s`);
          logCpu(round, variant, 'batch', cpu0, threadCpuMs(server.pid), batch.totalRequests * batchItems);
        }
        // the history's report: the journal shipped, the records counted (the server keeps answering meanwhile)
        if (variant !== 'off') process.kill(server.pid, 'SIGUSR2');
      } catch (error) {
        await server.stop();
        throw error;
      }
      const answered = (status?.totalRequests ?? 0) + (batch?.totalRequests ?? 0) * batchItems;
      const report = variant === 'off' ? { recorded: 0, drained: true, drainMs: 0 } : await reportOf(reportFile);
      await server.stop();
      runs.push({ round, variant, status, batch, answered, ...report });
      if (variant !== 'off') {
        log(
          `round ${round} ${variant}: ${report.recorded} records for ${answered} answers counted (journal shipped ${report.drainMs.toFixed(0)} ms after the load)`,
        );
        if (report.recorded < answered) throw new Error(`${variant}: ${report.recorded} records for ${answered} answers: records lost`);
        // the next round starts on an empty history
        if (variant === 'postgres') await dropSchema(values.postgres, schema);
      }
    }
  }
  const report: AuditBenchReport = {
    machine,
    command: commandLine,
    entries,
    batchItems,
    connections: int('connections'),
    batchConnections: int('batch-connections'),
    runs,
  };
  await writeFile(resolve(benchDir, 'out', `audit-bench-${machine.date.slice(0, 10)}-${runId}.json`), JSON.stringify(report, null, 2));
  await updateAuditResults(resolve(benchDir, values.results), report);
  log(`results in ${values.results}`);
} finally {
  await dropSchema(values.postgres, schema).catch(() => undefined);
  await rm(outDir, { recursive: true, force: true });
}

/**
 * CPU ms per thread of the server, by thread name, from /proc (10 ms ticks): the answering thread's CPU per answer hardly moves
 * with the machine's load, where throughput does; the audit worker's shows what shipping took during the load
 */
function threadCpuMs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // the process's first thread is its pid: the answering thread, whatever its name
      const key = tid === String(pid) ? 'answering' : name.startsWith('jpki-validator') ? 'audit worker' : 'other';
      byName.set(key, (byName.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
    }
  } catch {
    // not Linux, or the process is gone
  }
  return byName;
}

function logCpu(
  round: number,
  variant: string,
  load: string,
  before: Map<string, number>,
  after: Map<string, number>,
  answers: number,
): void {
  const delta = (k: string): number => (after.get(k) ?? 0) - (before.get(k) ?? 0);
  log(
    `round ${round} ${variant}: ${load} CPU: answering thread ${((delta('answering') * 1000) / Math.max(1, answers)).toFixed(2)} µs/answer (${delta('answering')} ms), audit worker ${delta('audit worker')} ms, other threads ${delta('other')} ms`,
  );
}

/** the server's report, once it has shipped its journal (it may take a while after a heavy load on a slow database) */
async function reportOf(file: string): Promise<{ recorded: number; drained: boolean; drainMs: number }> {
  for (let waited = 0; waited < 900_000; waited += 200) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as { recorded: number; drained: boolean; drainMs: number };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${file}: no report within 15 minutes`);
}

async function dropSchema(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}
