// What one audit record costs in CPU time, apart from throughput (issue 15, "Cost"): on a shared machine a throughput ratio moves
// with whatever else runs, while CPU time per record barely does. In this one thread, for ROWS batch items (BATCH_ITEMS per
// request, serials as numbers, good and revoked answers alternating as in audit-bench.ts):
//   1. the journal writer: CPU µs per item written (the answering thread's part), each item whole and — where the writer has
//      templates — as a template's item;
//   2. the shipper: CPU µs per row shipped into SQLite and into PostgreSQL (this thread, i.e. the audit worker's part, at normal
//      priority here), and for PostgreSQL the CPU its server processes spent meanwhile (every `postgres` process on the machine,
//      from /proc: run it when nothing else uses that server). Every row is counted in the database afterwards.
// After `npx turbo run build`, from bench/ (PostgreSQL on 127.0.0.1:5432, trust auth, database `test`; a schema of its own):
//   node dist/audit-ship-cost.js [--rows 200000] [--batch-items 10000] [--databases sqlite,postgres] [--postgres URL]
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ItemFields, JournalShipper, JournalWriter, openAuditSink } from '@jpki-validator/audit';
import pg from 'pg';
import { describeMachine } from './lib/machine.js';
import { wholeNumberFlag } from './lib/whole-number-flag.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    'batch-items': { type: 'string', default: '10000' },
    databases: { type: 'string', default: 'sqlite,postgres' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const rows = wholeNumberFlag(values, 'rows');
const batchItems = wholeNumberFlag(values, 'batch-items');
const T0 = Date.now();

/** CPU µs of this thread (process.cpuUsage counts the process: this script runs no other thread of its own) */
const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** CPU ms of every postgres process, from /proc (clock ticks of 10 ms) */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!name.startsWith('postgres')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10;
}

/** writes the items as batch requests; µs of CPU per item, and whether templates were used (a writer without them: never) */
function writeJournal(writer: JournalWriter, useTemplates: boolean): { us: number; templated: boolean } {
  const t = cpuUs();
  const templated = useTemplates && typeof (writer as { template?: unknown }).template === 'function';
  const w = writer as JournalWriter & { template(f: ItemFields): number; itemOf(t: number, v: number, s: string): void };
  for (let start = 0; start < rows; start += batchItems) {
    writer.request(T0 + start, randomUUID(), 0, writer.code('death_check'), writer.code('batch'));
    // the fields an outcome fixes, made once per request as the recorder does (audit-recorder.ts)
    const outcome = (revoked: boolean): ItemFields => {
      const f = new ItemFields();
      f.issuer = writer.code('jpki-sign-2023');
      f.caId = writer.code('jpki-sign-2023');
      f.result = writer.code(revoked ? 'revoked' : 'good');
      f.reason = writer.code(revoked ? 'affiliationChanged' : null);
      f.meaning = writer.code(revoked ? 'affiliationChanged' : null);
      f.method = writer.code('crl');
      f.crlNumber = writer.code('42');
      f.kind = writer.code('sign');
      f.medium = writer.code('card');
      f.dataFromMs = T0 - 3_600_000;
      return f;
    };
    const goodFields = outcome(false);
    const revokedFields = outcome(true);
    const good = templated ? w.template(goodFields) : 0;
    const revoked = templated ? w.template(revokedFields) : 0;
    const end = Math.min(rows, start + batchItems);
    for (let i = start; i < end; i++) {
      const isRevoked = i % 2 === 1;
      if (templated) w.itemOf(isRevoked ? revoked : good, 0x10000 + i, '');
      else writer.item(isRevoked ? revokedFields : goodFields, 0x10000 + i, '');
    }
    writer.flush();
  }
  return { us: (cpuUs() - t) / rows, templated };
}

interface Figures {
  database: string;
  templates: boolean;
  writeUsPerItem: number;
  journalBytes: number;
  shipUsPerRow: number;
  shipSeconds: number;
  serverUsPerRow: number | null;
  counted: number;
}

async function run(database: 'sqlite' | 'postgres', useTemplates: boolean): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-ship-cost-'));
  const schema = `audit_cost_${randomBytes(4).toString('hex')}`;
  const db =
    database === 'sqlite'
      ? ({ kind: 'sqlite', path: join(dir, 'audit.sqlite') } as const)
      : ({ kind: 'postgres', url: values.postgres, schema } as const);
  const sink = openAuditSink(db);
  try {
    await sink.migrate();
    await sink.prepareMonths(T0, 2);
    const published = new BigInt64Array(new SharedArrayBuffer(8));
    const id = 'c0c0c0c0c0c0c0c0';
    const writer = new JournalWriter({ dir: join(dir, 'journal', id), published });
    const written = writeJournal(writer, useTemplates);
    writer.close();
    const journalBytes = readdirSync(join(dir, 'journal', id))
      .filter((n) => n.endsWith('.seg'))
      .reduce((sum, n) => sum + readFileSync(join(dir, 'journal', id, n)).length, 0);
    const shipper = new JournalShipper({ sink, root: join(dir, 'journal'), own: { id, published } });
    const server0 = database === 'postgres' ? postgresCpuMs() : 0;
    const t = cpuUs();
    const wall = performance.now();
    if (!(await shipper.drain(600_000))) throw new Error(`${database}: not shipped within 10 minutes`);
    const shipSeconds = (performance.now() - wall) / 1000;
    const shipUsPerRow = (cpuUs() - t) / rows;
    const serverUsPerRow = database === 'postgres' ? ((postgresCpuMs() - server0) * 1000) / rows : null;
    shipper.close();
    const counted = await sink.count({});
    if (counted !== rows) throw new Error(`${database}: ${counted} rows for ${rows} items`);
    return {
      database,
      templates: written.templated,
      writeUsPerItem: written.us,
      journalBytes,
      shipUsPerRow,
      shipSeconds,
      serverUsPerRow,
      counted,
    };
  } finally {
    await sink.close();
    if (database === 'postgres') {
      const client = new pg.Client({ connectionString: values.postgres });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const machine = describeMachine();
process.stdout.write(`# ${rows} rows, ${batchItems} per request; Node ${machine.node}; 1-minute load ${machine.loadAtStart}\n`);
process.stdout.write(
  '| database | items as | write µs/item | journal B/item | ship µs/row (this thread) | server µs/row | ship s | rows |\n',
);
process.stdout.write('|---|---|---:|---:|---:|---:|---:|---:|\n');
for (const database of values.databases.split(',') as ('sqlite' | 'postgres')[]) {
  for (const useTemplates of [false, true]) {
    const r = await run(database, useTemplates);
    process.stdout.write(
      `| ${r.database} | ${r.templates ? 'templates' : 'whole items'} | ${r.writeUsPerItem.toFixed(3)} | ${(r.journalBytes / rows).toFixed(1)} | ${r.shipUsPerRow.toFixed(2)} | ${r.serverUsPerRow === null ? '—' : r.serverUsPerRow.toFixed(2)} | ${r.shipSeconds.toFixed(1)} | ${r.counted} |\n`,
    );
  }
}
