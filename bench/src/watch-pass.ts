/**
 * Watch pass benchmark (issue 4, NOTES "Watch pass ≤ 2 s"): a watch list of N customers (default 10 M) over a JPKI-like 27-bit
 * serial range, a generation with M listed serials (default 5 M), then a new generation with K (default 50 k) new revocations of
 * watched serials. Timed: the pass on the new generation — set algebra over the watch list and the generation, the owners of the
 * hits, event building, dedupe, the events file — with the watch list already held by the watcher (import and the first pass,
 * which reports everything already listed, are timed separately). Webhook delivery is not in the pass (queued, NOTES).
 *
 *   node --max-old-space-size=12000 dist/watch-pass.js [customers] [listed] [newRevocations]
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore, type RevocationStore } from '@jpki-validator/store';
import { createMeaningResolver, JPKI_PROFILE } from '@jpki-validator/config';
import { importWatchList, openEmbeddedWatch, runWatchPass, type WatchEntryInput } from '@jpki-validator/watch';

const customers = Number(process.argv[2] ?? 10_000_000);
const listed = Number(process.argv[3] ?? 5_000_000);
const fresh = Number(process.argv[4] ?? 50_000);
const BASE = 0x07000000;
const SPAN = 2 ** 27;
const CA = 'jpki-sign-2023';
const REASONS = [3, 4, 6, 1, 5, 0];

/** a permutation of the range (odd multiplier mod 2^27): distinct serials spread like JPKI's */
const spread = (i: number, mult: number): number => BASE + Number((BigInt(i) * BigInt(mult)) % BigInt(SPAN));

async function loadGeneration(store: RevocationStore, crlNumber: bigint, extra: number): Promise<void> {
  const t = Date.UTC(2026, 0, 1) + Number(crlNumber) * 86_400_000;
  const loader = await store.beginLoad({ caId: CA, partition: 'full', source: 'bench' });
  for (let j = 0; j < listed; j++)
    loader.add(spread(j, (2_654_435_761 % SPAN) | 1), REASONS[j % REASONS.length] as number, t - 3_600_000, Number.NaN);
  // the new revocations: watched serials (customers from the top of the list, which gen 1 does not list by construction below)
  for (let k = 0; k < extra; k++) loader.add(spread(customers - 1 - k * 7, 40_503), REASONS[k % 3] as number, t - 600_000, Number.NaN);
  await loader.commit({ crlNumber, thisUpdateMs: t, nextUpdateMs: t + 86_400_000, isDelta: false });
}

function* rows(): Generator<WatchEntryInput> {
  for (let i = 0; i < customers; i++) {
    yield {
      customerId: `C${i.toString().padStart(8, '0')}`,
      issuer: 'jpki-sign',
      caIds: [CA],
      serial: BigInt(spread(i, 40_503)),
      notAfterMs: null,
    };
  }
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

const dir = mkdtempSync(join(tmpdir(), 'jv-bench-watch-'));
const store = await openEmbeddedStore({});
const repo = await openEmbeddedWatch({});
let t0 = process.hrtime.bigint();
await importWatchList(repo, rows(), { expectedRows: customers });
const importMs = ms(t0);
await loadGeneration(store, 1n, 0);
const snapshot = async (caId: string) => store.snapshot(caId);
const meaning = createMeaningResolver(JPKI_PROFILE);
t0 = process.hrtime.bigint();
const first = await runWatchPass({ repo, snapshot, meaning, sinks: [{ file: join(dir, 'first') }] });
const firstMs = ms(t0);
await loadGeneration(store, 2n, fresh);
const runs: number[] = [];
let events = 0;
let hits = 0;
// the timed pass, then two more on the same generation (they find nothing new: the steady-state cost of a scheduled pass)
for (let r = 0; r < 3; r++) {
  const sink = join(dir, `run${r}`);
  t0 = process.hrtime.bigint();
  const report = await runWatchPass({ repo, snapshot, meaning, sinks: [{ file: sink }] });
  runs.push(ms(t0));
  if (r === 0) {
    events = report.events.length;
    hits = report.cas[0]?.hits ?? 0;
    const file = readdirSync(sink)[0] ?? '';
    console.error(`events file ${file}: ${statSync(join(sink, file)).size} bytes`);
  }
}
console.log(
  JSON.stringify({
    customers,
    listed,
    newRevocations: fresh,
    importS: +(importMs / 1000).toFixed(2),
    firstPassEvents: first.events.length,
    firstPassS: +(firstMs / 1000).toFixed(3),
    newGenerationPass: { events, hits, s: +((runs[0] as number) / 1000).toFixed(3) },
    repeatPassesS: runs.slice(1).map((x) => +(x / 1000).toFixed(3)),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  }),
);
