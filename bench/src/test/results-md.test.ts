import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Machine } from '../lib/machine.js';
import type { SizeResult, SubjectResult } from '../lib/results.js';
import { renderCrlScan, updateResultsFile, type CrlScanReport } from '../lib/results-md.js';

const machine: Machine = {
  nproc: 2,
  cpuModel: 'Test CPU',
  node: 'v20.0.0',
  openssl: 'OpenSSL 3.0.0',
  memoryGiB: 8,
  loadAtStart: 0.5,
  date: '2026-01-01T00:00:00Z',
  x509Version: 'abc1234 x509: test',
};
const subject = (wall: number[], work: number[], rssKib: number | null): SubjectResult => ({
  commandLine: 'node dist/subjects/x.js out/crl.der',
  runs: wall.map((w, i) => ({ wallSeconds: w, workSeconds: work[i] ?? w, maxRssKib: rssKib })),
  facts: { entries: 10 },
});
const size = (opensslWall: number, oursWall: number, oursWork: number, oursRssKib: number): SizeResult => ({
  targetEntries: 10,
  entries: 10,
  bytes: 370,
  simWrite: subject([1], [0.5], 1000),
  scanVerify: subject([oursWall, oursWall * 2, oursWall], [oursWork, oursWork * 3, oursWork], oursRssKib),
  scanReused: subject([oursWall], [oursWork], oursRssKib),
  openssl: subject([opensslWall, opensslWall, opensslWall * 5], [opensslWall, opensslWall, opensslWall * 5], 2_000_000),
  sha256: subject([0.2], [0.1], 1000),
  sha256Reused: subject([0.2], [0.05], 1000),
  pkijs: null,
});
const report = (results: SizeResult[]): CrlScanReport => ({ machine, runs: 3, command: 'node dist/crl-scan.js', results });

describe('renderCrlScan', () => {
  it('takes medians and judges the targets on the largest CRL', () => {
    // openssl median 10 s; ours median 0.4 s process, 0.25 s work → 25× and 40×; RSS 200 000 KiB = 205 MB.
    const text = renderCrlScan(report([size(10, 0.4, 0.25, 200_000)]));
    expect(text).toContain('| 0.400 / 0.250 | 205 | 10.00 | 2048 | 25.0× / 40.0× |');
    expect(text).toContain('**met** process to process (25.0×), **met** counting our work alone (40.0×)');
    expect(text).toContain('**met** (205 MB)');
  });

  it('says so when a target is missed', () => {
    const text = renderCrlScan(report([size(10, 1, 0.6, 400_000)]));
    expect(text).toContain('**not met** process to process (10.0×), **not met** counting our work alone (16.7×)');
    expect(text).toContain('**not met** (410 MB)');
  });
});

describe('updateResultsFile', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('replaces only the generated section and keeps the text around it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-md-'));
    const file = join(dir, 'RESULTS.md');
    await updateResultsFile(file, report([size(10, 1, 0.6, 400_000)]));
    await writeFile(file, `# Results\n\nintro\n\n${await readFile(file, 'utf8')}\n## Profile\n\nhand-written\n`);
    await updateResultsFile(file, report([size(10, 0.4, 0.25, 200_000)]));
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# Results\n\nintro\n\n<!-- crl-scan:begin')).toBe(true);
    expect(text).toContain('25.0× / 40.0×');
    expect(text).not.toContain('16.7×');
    expect(text.endsWith('<!-- crl-scan:end -->\n\n## Profile\n\nhand-written\n')).toBe(true);
  });
});
