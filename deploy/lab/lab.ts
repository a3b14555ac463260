/**
 * The lab: the deploy/ topology run for real on loopback (deploy/lab/README.md).
 *
 *   npm run lab -- up [--quick]          start it (--quick: a few partitions, shorter Redis timeouts: what CI runs)
 *   npm run lab -- status                every process: pid, port, alive, its role in the cluster / readiness
 *   npm run lab -- scenarios [--quick] [--only NAME,…] [--results FILE]
 *                                        the fault scenarios under load, a verdict each, the table into RESULTS.md
 *   npm run lab -- down                  stop exactly what `up` started (by pid)
 *
 * LAB_DIR (default .jpki-validator/lab) and LAB_PORT_BASE (default 7300) place it.
 */
import { parseArgs } from 'node:util';
import { alive, httpOk, type ProcRecord, readState, stopProc } from './procs.ts';
import { runScenarios } from './scenarios.ts';
import { HOST, paths, SIZES, topology } from './topology.ts';
import { redisCli, up } from './up.ts';

const STOP_ORDER = ['haproxy', 'validator', 'fetcher', 'webhook', 'sim', 'redis'] as const;

export async function down(log: (line: string) => void): Promise<void> {
  const t = topology();
  const state = readState(paths(t).state);
  if (state === null) {
    log(`down: no lab state in ${t.dir}`);
    return;
  }
  for (const role of STOP_ORDER) {
    const procs = state.procs.filter((r) => r.role === role);
    const results = await Promise.all(procs.map(async (r) => ({ r, ...(await stopProc(r)) })));
    for (const { r, ms, killed } of results) log(`down: ${r.name} (pid ${r.pid}) ${killed ? 'SIGKILLed' : 'stopped'} in ${ms} ms`);
  }
}

async function describe(r: ProcRecord): Promise<string> {
  if (!alive(r.pid)) return 'dead';
  switch (r.role) {
    case 'redis': {
      const role = await redisCli(r.port, 'role').catch(() => 'no answer');
      return role.split('\n')[0] ?? '';
    }
    case 'validator':
      return (await httpOk(`http://${HOST}:${r.port}/readyz`)) ? 'ready' : 'not ready';
    case 'fetcher':
      return (await httpOk(`http://${HOST}:${r.port}/healthz`)) ? 'healthy' : 'not answering';
    default:
      return 'alive';
  }
}

async function status(log: (line: string) => void): Promise<number> {
  const t = topology();
  const state = readState(paths(t).state);
  if (state === null) {
    log(`status: no lab in ${t.dir}`);
    return 1;
  }
  log(`lab (${state.size}) in ${t.dir}, started ${state.startedAt}; API ${t.apiUrl}`);
  log(`${'name'.padEnd(14)} ${'pid'.padStart(8)} ${'port'.padStart(6)}  state`);
  const rows = await Promise.all(state.procs.map(async (r) => ({ r, what: await describe(r) })));
  for (const { r, what } of rows) log(`${r.name.padEnd(14)} ${String(r.pid).padStart(8)} ${String(r.port).padStart(6)}  ${what}`);
  return rows.every(({ r }) => alive(r.pid)) ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, results: { type: 'string' } },
  });
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  switch (positionals[0]) {
    case 'up':
      try {
        await up(topology(), values.quick ? SIZES.quick : SIZES.full, log);
      } catch (error) {
        // half a lab is no lab: what `up` started is stopped before the error is reported
        log('up failed: stopping what it started');
        await down(log);
        throw error;
      }
      return 0;
    case 'down':
      await down(log);
      return 0;
    case 'status':
      return status(log);
    case 'scenarios': {
      const verdicts = await runScenarios(topology(), {
        quick: values.quick === true,
        ...(values.only === undefined ? {} : { only: values.only.split(',') }),
        ...(values.results === undefined ? {} : { resultsFile: values.results }),
        log,
      });
      return verdicts.every((v) => v.pass) ? 0 : 1;
    }
    default:
      process.stderr.write('usage: npm run lab -- up [--quick] | status | scenarios [--quick] [--only A,B] [--results FILE] | down\n');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
