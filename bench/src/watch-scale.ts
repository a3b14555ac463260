// Benchmark (issue 11 #5): watch lists at insurer scale, through the product itself — the `jpki-validator` binary an operator
// runs, each command in its own process, wall time and peak RSS (GNU time) measured from outside; medians of --runs.
//
//   import      `watch import` of a --rows-customer CSV (~40 bytes a row) into an empty embedded watch list.
//               Peer, same file: sqlite3 `.import` into a table keyed (customerId, issuer) — the usual way to load a CSV
//               into an indexed store. Floor: the import's own CSV reader alone (subjects/watch-csv-parse.js).
//   re-import   the same list with 1 % of the customers' certificates reissued, over the imported list; bytes written to
//               the watch directory beside the full import's. Peer: sqlite3 importing the file into a temporary table and
//               upserting what differs.
//   pass        a --pass-rows list against a national-shape store (--listed unwatched serials listed, plus every 100th
//               watched certificate): the first pass (that backlog) once; then per run a national refresh (20 000 new
//               watched revocations at 20 M rows, written by subjects/watch-store.js, not timed) and `watch run` — the pass's own
//               time (detection, recording, the events file: what the ≤ 2 s target counts) from its summary line, beside
//               the command's wall time (start-up and opening the list and the store included); last, a pass with nothing new.
//
// Never run by `npm test`. After `npx turbo run build`, from bench/:
//   node dist/watch-scale.js [--rows 10000000] [--pass-rows 20000000] [--listed 30000000] [--runs 3] [--work DIR]
import { existsSync, mkdirSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseReport } from './lib/child-report.js';
import { describeMachine } from './lib/machine.js';
import { measure, median, type Measurement } from './lib/measure.js';
import { CA_ID, GROUP } from './lib/watch-shape.js';
import { writeWatchCsv } from './watch-csv-gen.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const cli = resolve(benchDir, '../apps/cli/bin/jpki-validator.js');
const node = process.execPath;
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'pass-rows': { type: 'string', default: '20000000' },
    listed: { type: 'string', default: '30000000' },
    runs: { type: 'string', default: '3' },
    work: { type: 'string', default: join(tmpdir(), 'jpki-bench-watch') },
  },
});
const rows = Number(values.rows);
const passRows = Number(values['pass-rows']);
const listed = Number(values.listed);
const runs = Number(values.runs);
const work = resolve(values.work);
mkdirSync(work, { recursive: true });
const { REDIS_URL: _redis, JPKI_VALIDATOR_CONFIG: _config, ...env } = process.env;
const machine = describeMachine();
const log = (s: string) => process.stderr.write(`${s}\n`);

// inputs, written once and kept between invocations
const csv = join(work, `watch-${rows}.csv`);
const changedCsv = join(work, `watch-${rows}-changed.csv`);
const passCsv = join(work, `watch-${passRows}.csv`);
for (const [file, n, changed] of [
  [csv, rows, false],
  [changedCsv, rows, true],
  [passCsv, passRows, false],
] as const) {
  if (!existsSync(file)) log(`${file}: ${await writeWatchCsv(file, n, { changed })} bytes written`);
}
const csvBytes = (await stat(csv)).size;

/** a config whose issuers the lists name; the CRL sources are never fetched here (the store subject loads the store) */
async function config(name: string, dataDir: string, sinkDir: string): Promise<string> {
  const file = join(work, `${name}.json`);
  const caCert = join(work, 'unused-ca.pem');
  await writeFile(caCert, '');
  const issuer = (id: string, group: string) => ({
    id,
    group,
    caCert,
    crls: [{ name: 'full', source: join(work, `${id}.crl`) }],
    refresh: '1h',
  });
  await writeFile(
    file,
    JSON.stringify({
      issuers: [issuer(CA_ID, GROUP), issuer('jpki-auth-2023', 'jpki-auth')],
      dataDir,
      watch: { sinks: [{ file: sinkDir }] },
    }),
  );
  return file;
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const jv = (args: readonly string[]) => measure(node, [cli, ...args], benchDir, env);
const mb = (kib: number | null) => (kib === null ? null : Math.round(kib / 1024));
/** median CPU seconds (user + system) of the measurements: on a shared machine a steadier figure than their wall time */
const cpuOf = (ms: readonly Measurement[]) => s(median(ms.map((m) => m.cpuSeconds ?? Number.NaN)));
const s = (x: number) => +x.toFixed(2);
/** the pass's own seconds from `watch run`'s summary line ("… · pass 1.23 s (detection …)"): detection, record, events file */
const passSeconds = (m: Measurement): number => Number(/ · pass ([\d.]+) s/.exec(m.stderr)?.[1] ?? Number.NaN);

// --- import and re-import --------------------------------------------------------------------------------------------------
const imports: Measurement[] = [];
const reimports: Measurement[] = [];
const written: { full: number; reimport: number }[] = [];
const sqliteImports: Measurement[] = [];
const sqliteReimports: Measurement[] = [];
const parses: number[] = [];
const parseCpu: number[] = [];
for (let r = 0; r < runs; r++) {
  const dataDir = join(work, `import-${r}`);
  await rm(dataDir, { recursive: true, force: true });
  const cfg = await config(`import-${r}`, dataDir, join(dataDir, 'events'));
  const full = await jv(['watch', 'import', csv, '--config', cfg]);
  imports.push(full);
  const afterFull = await bytesUnder(join(dataDir, 'watch'));
  const again = await jv(['watch', 'import', changedCsv, '--config', cfg]);
  reimports.push(again);
  written.push({ full: afterFull, reimport: (await bytesUnder(join(dataDir, 'watch'))) - afterFull });
  log(`import ${r + 1}: ${full.stderr.trim()}\nre-import ${r + 1}: ${again.stderr.trim()}`);
  await rm(dataDir, { recursive: true, force: true });

  const db = join(work, `peer-${r}.sqlite`);
  await rm(db, { force: true });
  sqliteImports.push(
    await measure(
      'sqlite3',
      [
        db,
        'PRAGMA journal_mode=WAL;',
        'CREATE TABLE watch(customerId TEXT, issuer TEXT, serial TEXT, notAfter TEXT, PRIMARY KEY(customerId, issuer)) WITHOUT ROWID;',
        '.mode csv',
        `.import --skip 1 ${csv} watch`,
      ],
      benchDir,
    ),
  );
  sqliteReimports.push(
    await measure(
      'sqlite3',
      [
        db,
        '.mode csv',
        'CREATE TEMP TABLE incoming(customerId TEXT, issuer TEXT, serial TEXT, notAfter TEXT);',
        `.import --skip 1 ${changedCsv} incoming`,
        'INSERT INTO watch SELECT * FROM incoming WHERE true ON CONFLICT(customerId, issuer) DO UPDATE SET serial = excluded.serial, ' +
          'notAfter = excluded.notAfter WHERE serial IS NOT excluded.serial OR notAfter IS NOT excluded.notAfter;',
      ],
      benchDir,
    ),
  );
  await rm(db, { force: true });
  const parse = await measure(node, ['dist/subjects/watch-csv-parse.js', csv], benchDir);
  parses.push(parseReport(parse.stdout).workSeconds);
  parseCpu.push(parse.cpuSeconds ?? Number.NaN);
}

// --- passes over the pass list -----------------------------------------------------------------------------------------------
const passDir = join(work, 'pass');
await rm(passDir, { recursive: true, force: true });
const sinkDir = join(passDir, 'events');
const passCfg = await config('pass', passDir, sinkDir);
const bigImport = await jv(['watch', 'import', passCsv, '--config', passCfg]);
log(`import of the pass list: ${bigImport.stderr.trim()}`);
const storeStep = async (generation: number) =>
  parseReport(
    (await measure(node, ['dist/subjects/watch-store.js', passDir, String(passRows), String(listed), String(generation)], benchDir)).stdout,
  );
const gen1 = await storeStep(1);
const firstPass = await jv(['watch', 'run', '--config', passCfg]);
log(`first pass (generation 1, ${gen1.facts.entries} entries): ${firstPass.stderr.trim()}`);
const refreshes: { m: Measurement; entries: number; events: number }[] = [];
for (let r = 0; r < runs; r++) {
  const gen = await storeStep(2 + r);
  const m = await jv(['watch', 'run', '--config', passCfg]);
  const events = Number(/: (\d+) revoked/.exec(m.stderr)?.[1] ?? Number.NaN);
  refreshes.push({ m, entries: Number(gen.facts.entries), events });
  log(`refresh pass ${r + 1} (generation ${2 + r}, ${gen.facts.entries} entries): ${m.stderr.trim()}`);
}
const quiet = await jv(['watch', 'run', '--config', passCfg]);
log(`pass with nothing new: ${quiet.stderr.trim()}`);
await rm(passDir, { recursive: true, force: true });

const result = {
  machine,
  rows,
  csvBytes,
  import: {
    wallS: s(median(imports.map((m) => m.wallSeconds))),
    cpuS: cpuOf(imports),
    peakRssMB: mb(Math.max(...imports.map((m) => m.maxRssKib ?? 0))),
    bytesWritten: median(written.map((w) => w.full)),
    sqlitePeerWallS: s(median(sqliteImports.map((m) => m.wallSeconds))),
    sqlitePeerPeakRssMB: mb(Math.max(...sqliteImports.map((m) => m.maxRssKib ?? 0))),
    csvReaderAloneS: s(median(parses)),
    csvReaderAloneCpuS: s(median(parseCpu)),
  },
  reimport1pct: {
    wallS: s(median(reimports.map((m) => m.wallSeconds))),
    cpuS: cpuOf(reimports),
    peakRssMB: mb(Math.max(...reimports.map((m) => m.maxRssKib ?? 0))),
    bytesWritten: median(written.map((w) => w.reimport)),
    sqlitePeerWallS: s(median(sqliteReimports.map((m) => m.wallSeconds))),
  },
  pass: {
    rows: passRows,
    listedAtStart: Number(gen1.facts.entries),
    importWallS: s(bigImport.wallSeconds),
    importPeakRssMB: mb(bigImport.maxRssKib),
    firstPassS: passSeconds(firstPass),
    firstPassWallS: s(firstPass.wallSeconds),
    refreshEvents: refreshes.map((r) => r.events),
    refreshPassS: s(median(refreshes.map((r) => passSeconds(r.m)))),
    refreshPassRunsS: refreshes.map((r) => passSeconds(r.m)),
    refreshWallS: s(median(refreshes.map((r) => r.m.wallSeconds))),
    refreshPeakRssMB: mb(Math.max(...refreshes.map((r) => r.m.maxRssKib ?? 0))),
    nothingNewPassS: passSeconds(quiet),
  },
  commands: {
    import: imports[0]?.commandLine,
    reimport: reimports[0]?.commandLine,
    sqliteImport: sqliteImports[0]?.commandLine,
    pass: refreshes[0]?.m.commandLine,
  },
};
console.log(JSON.stringify(result, null, 2));
