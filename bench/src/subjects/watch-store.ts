// Puts a national-shape generation of the benchmark's signature CA into an embedded store data directory (lib/watch-shape.ts):
// generation 1 lists LISTED unwatched serials plus every 100th watched one; each later generation G (a national refresh) lists
// all that, 10 000 more unwatched serials per generation and every 1000th watched serial of offset 500 + g for 2 ≤ g ≤ G (20 000
// new watched revocations per generation at 20 M rows). Run as its own process so the pass measured next starts from the
// files, like `watch run` after `fetch`.
// Usage: node dist/subjects/watch-store.js DATA_DIR WATCHED_ROWS LISTED GENERATION
import { openEmbeddedStore, type RevocationStore } from '@jpki-validator/store';
import { arg, printReport, secondsSince } from '../lib/child-report.js';
import { CA_ID, listedAtImport, listedByRefresh, REASONS, unwatchedSerial, watchedSerial } from '../lib/watch-shape.js';

const dataDir = arg(0, 'data directory');
const watchedRows = Number(arg(1, 'watched rows'));
const listed = Number(arg(2, 'listed serials'));
const generation = Number(arg(3, 'generation'));

/** whether generation `g` lists watched row i */
function listedIn(i: number, g: number): boolean {
  if (listedAtImport(i)) return true;
  for (let k = 2; k <= g; k++) if (listedByRefresh(i, k)) return true;
  return false;
}

async function load(store: RevocationStore, g: number): Promise<number> {
  const crlNumber = BigInt(g);
  const t = Date.UTC(2026, 9, 1) + g * 86_400_000;
  const extra = (g - 1) * 10_000;
  const loader = await store.beginLoad({
    caId: CA_ID,
    partition: 'full',
    source: 'bench',
    expectedEntries: listed + extra + watchedRows / 50,
  });
  for (let j = 0; j < listed + extra; j++)
    loader.add(unwatchedSerial(j), REASONS[j % REASONS.length] as number, t - 86_400_000, Number.NaN);
  for (let i = 0; i < watchedRows; i++) {
    if (listedIn(i, g)) {
      // a serial's reason depends on the serial alone, so a later generation lists it with the same reason (no new event)
      loader.add(watchedSerial(i), REASONS[Math.floor(i / 7) % REASONS.length] as number, t - 3_600_000, Number.NaN);
    }
  }
  const report = await loader.commit({ crlNumber, thisUpdateMs: t, nextUpdateMs: t + 86_400_000, isDelta: false });
  return report.entries;
}

const store = await openEmbeddedStore({ dataDir, watch: false });
const start = process.hrtime.bigint();
const entries = await load(store, generation);
const workSeconds = secondsSince(start);
await store.close();
printReport(workSeconds, { entries, generation });
