import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Machine } from '../lib/machine.js';
import { pickIndexes } from '../lib/national-fixture.js';
import { renderNational, writeNationalSection, type FetchRun, type NationalReport, type StoreSeries } from '../lib/national-report.js';
import { judge } from '../lib/national-sampler.js';

const machine: Machine = {
  nproc: 2,
  cpuModel: 'Test CPU',
  node: 'v24.0.0',
  openssl: 'OpenSSL 3.0.0',
  memoryGiB: 8,
  loadAtStart: 0.5,
  date: '2026-01-01T00:00:00Z',
  x509Version: 'abc1234 x509: test',
};
const tally = (answers: number, wrong = 0, failed = 0) => ({
  batches: 1,
  answers,
  right: answers - wrong,
  unknown: 0,
  wrong,
  failed,
  examples: [],
});
const run = (wallSeconds: number, rssMb: number, wrong = 0, catchUpSeconds: number | null = 0.5): FetchRun => ({
  wallSeconds,
  maxRssKib: (rssMb * 1e6) / 1024,
  outcomes: { loaded: 1741 },
  entries: 1000,
  during: tally(100, wrong, wrong > 0 ? 1 : 0),
  after: tally(10),
  catchUpSeconds,
});
const series = (cold: number, daily: number, rssMb: number, wrong = 0): StoreSeries => ({
  cold: [run(cold, rssMb, wrong), run(cold * 3, rssMb), run(cold, rssMb)],
  daily: [run(daily, rssMb)],
  storeBytesPerEntry: [11.5],
  validatorBytesPerEntry: [9],
});
const report = (embedded: StoreSeries, redis: StoreSeries): NationalReport => ({
  machine,
  loadAtEnd: 1.5,
  command: 'node dist/national.js',
  runs: 3,
  partitions: 1741,
  entries: 30_000_000,
  bytes: 1_140_000_000,
  changed: 87,
  samples: 2087,
  sim: { writeSeconds: 30, walks: 2, serveDay0Seconds: 31, serveDay1Seconds: 32 },
  openssl: { sumSeconds: [300, 310, 290], largestRssKib: 100_000, command: 'openssl crl -inform DER -noout -in FILE' },
  embedded,
  redis,
  fetchCommand: 'node ../apps/cli/bin/jpki-validator.js fetch --once --config <work>/config.json',
  crlsForm: 'one `{name, source}` per partition',
});

describe('national benchmark', () => {
  it('judges an answer right only when a served state says the same (reason included); unknown is neither', () => {
    const revoked = { status: 'revoked' as const, reason: 'superseded' };
    const good = { status: 'good' as const, reason: null };
    expect(judge({ status: 'revoked', reason: 'superseded' }, [revoked])).toBe('right');
    expect(judge({ status: 'revoked', reason: 'affiliationChanged' }, [revoked])).toBe('wrong');
    expect(judge({ status: 'good', reason: null }, [revoked])).toBe('wrong');
    expect(judge({ status: 'good', reason: null }, [good, revoked])).toBe('right');
    expect(judge({ status: 'revoked', reason: 'superseded' }, [good])).toBe('wrong');
    expect(judge({ status: 'unknown', reason: null }, [good])).toBe('unknown');
  });

  it('picks the changed partitions deterministically, distinct and sorted', () => {
    const a = pickIndexes(1741, 87, 11);
    expect(a).toEqual(pickIndexes(1741, 87, 11));
    expect(new Set(a).size).toBe(87);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(Math.max(...a)).toBeLessThan(1741);
    expect(pickIndexes(1741, 87, 12)).not.toEqual(a);
  });

  it('renders medians, ratios against the openssl sum and verdicts on every target', () => {
    const text = renderNational(report(series(20, 1.5, 250), series(60, 7, 280)));
    expect(text).toContain('| openssl crl -noout, each partition file one after another (summed) | 300.0 | 1 | 102 (largest file)');
    expect(text).toContain('| cold refresh, embedded | 20.0 | 15.0× | 250 |');
    expect(text).toContain('embedded ≥ 10× the openssl sum — **met** (15.0×)');
    expect(text).toContain('Redis ≥ 6× — **not met** (5.0×)');
    expect(text).toContain('daily ≤ 10 % of cold — embedded **met** (7.5 %), Redis **not met** (11.7 %)');
    expect(text).toContain('zero wrong answers — **met** (0)');
    expect(text).toContain('| 1741 loaded | 330 / 0 / 0 / 0 | 0 | 0.50 |');
    const wrong = renderNational(report(series(20, 1.5, 250, 2), series(60, 7, 280)));
    expect(wrong).toContain('zero wrong answers — **not met** (2)');
    expect(wrong).toContain('| 1741 loaded | 330 / 2 / 0 / 0 | 1 | 0.50 |');
    const stuck = report(series(20, 1.5, 250), series(60, 7, 280));
    stuck.embedded.cold = [run(20, 250, 0, null)];
    expect(renderNational(stuck)).toContain(
      '| cold refresh, embedded | 20.0 | 15.0× | 250 | 1741 loaded | 110 / 0 / 0 / 0 | 0 | never (120 s) |',
    );
  });

  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes its section into RESULTS.md between markers, replacing only that section on a rerun', async () => {
    dir = await mkdtemp(join(tmpdir(), 'jpki-bench-national-md-'));
    const file = join(dir, 'RESULTS.md');
    await writeFile(file, '# Benchmarks\n\nother text\n');
    await writeNationalSection(file, 'first\n');
    await writeNationalSection(file, 'second\n');
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# Benchmarks\n\nother text\n\n## National scale')).toBe(true);
    expect(text).toContain('second\n<!-- national:end -->');
    expect(text).not.toContain('first');
  });
});
