/**
 * The death-detection commands through the real binary, on the embedded store (no REDIS_URL): a simulator CRL fetched with
 * `fetch --once`, a watch list imported from CSV, passes that report each new revocation exactly once, `rotate`, `events`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileOpsRoom, OpsHistory } from '@jpki-validator/store';
import { BIN, cli, ensureBuilt, lastJson, type CliResult } from './run-cli.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';

interface WatchEvent {
  eventId: string;
  type: 'revoked' | 'expired';
  customerId: string;
  issuer: string;
  caId: string;
  medium?: string | null;
  serial: string;
  reason: string | null;
  meaning: string | null;
  revokedAt: string | null;
  crlNumber: string | null;
  detectedAt: string;
}

const { REDIS_URL: _redis, ...ENV } = process.env;
let sim: SimFixture;
let config: string;
let eventsDir: string;

const run = (args: readonly string[]): Promise<CliResult> => cli(args, { env: ENV });
async function ok(args: readonly string[]): Promise<CliResult> {
  const result = await run(args);
  if (result.code !== 0) throw new Error(`jpki-validator ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}
/** the binary's stdout as bytes (CP932 output is not UTF-8) */
function cliBytes(args: readonly string[]): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(Buffer.concat(out)) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

const events = (r: CliResult): WatchEvent[] =>
  r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WatchEvent);

/** Writes the signature CA's current CRL where the config points, and loads it. */
async function publishAndFetch(): Promise<void> {
  await ok(['sim', 'crl', '--dir', sim.simDir, '--ca', 'jpki-sign', '--out', sim.signCrl]);
  await ok(['fetch', '--once', '--config', config]);
}
async function issue(): Promise<string> {
  return lastJson<{ serial: string }>(
    await ok(['sim', 'issue', '--dir', sim.simDir, '--ca', 'jpki-sign', '--out', join(sim.dir, `leaf-${Date.now()}.pem`)]),
  ).serial;
}
const revoke = (serial: string, reason: string) =>
  ok(['sim', 'revoke', '--dir', sim.simDir, '--ca', 'jpki-sign', '--serial', serial, '--reason', reason]);

beforeAll(async () => {
  await ensureBuilt();
  sim = await createSimFixture();
  eventsDir = join(sim.dir, 'events');
  mkdirSync(eventsDir);
  config = join(sim.dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      issuers: [
        { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.signCa, crls: [{ name: 'full', source: sim.signCrl }], refresh: '1h' },
      ],
      dataDir: join(sim.dir, 'data'),
      watch: { sinks: [{ file: eventsDir }] },
    }),
  );
  await ok(['fetch', '--once', '--config', config]);
}, 180_000);
afterAll(async () => {
  await sim.cleanup();
});

describe('watch', () => {
  let rotatedFrom = '';
  let rotatedTo = '';

  it('imports a watch list and the first pass reports what is already revoked or expired, once', async () => {
    rotatedFrom = await issue();
    const list = join(sim.dir, 'customers.csv');
    writeFileSync(
      list,
      [
        'customerId,issuer,serial,notAfter',
        `C-001,jpki-sign,${sim.revokedLeafSerial},2031-01-01T00:00:00Z`,
        `C-002,jpki-sign,${sim.signLeafSerial},2031-01-01T00:00:00Z`,
        `C-003,jpki-sign,${rotatedFrom},`,
        `C-004,jpki-sign-2023,${sim.signLeafSerial},2020-01-01T00:00:00Z`,
      ].join('\n'),
    );
    await ok(['watch', 'import', list, '--config', config]);
    const summaryFile = join(sim.dir, 'watch-summary.json');
    const firstRun = await ok(['watch', 'run', '--output', '-', '--config', config, '--json', '--summary-file', summaryFile]);
    const first = events(firstRun);
    // --json: the summary is one JSON line on stderr, and the same JSON in --summary-file
    const summary = JSON.parse(firstRun.stderr.trim()) as Record<string, unknown>;
    expect(summary).toMatchObject({ revoked: 1, expired: 1, webhooks: null });
    expect(JSON.parse(readFileSync(summaryFile, 'utf8'))).toEqual(summary);
    // the pass is in the console's ops history (the embedded store's data directory)
    const passes = await new OpsHistory(new FileOpsRoom(join(sim.dir, 'data'))).passes(0, 1);
    expect(passes.items[0]).toMatchObject({ runId: summary.runId, rows: 4, revoked: 1, expired: 1 });
    expect(first.map((e) => [e.customerId, e.type, e.reason, e.meaning]).sort()).toEqual([
      ['C-001', 'revoked', 'affiliationChanged', 'death_or_emigration'],
      ['C-004', 'expired', null, 'expired'],
    ]);
    const death = first.find((e) => e.type === 'revoked');
    expect(death).toMatchObject({ issuer: 'jpki-sign', caId: 'jpki-sign-2023', medium: 'card', serial: sim.revokedLeafSerial });
    expect(death?.revokedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(death?.crlNumber).toMatch(/^\d+$/);
    // the file sink holds the same events
    const files = readdirSync(eventsDir).filter((f) => f.endsWith('.jsonl'));
    const written = files.flatMap((f) =>
      readFileSync(join(eventsDir, f), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as WatchEvent).eventId),
    );
    expect(written.sort()).toEqual(first.map((e) => e.eventId).sort());

    expect(events(await ok(['watch', 'run', '--output', '-', '--config', config]))).toEqual([]);
    // re-importing the same list changes nothing
    await ok(['watch', 'import', list, '--config', config]);
    expect(events(await ok(['watch', 'run', '--output', '-', '--config', config]))).toEqual([]);
  });

  it('a new generation reports exactly the new revocations; rotate moves the customer to the new certificate', async () => {
    rotatedTo = await issue();
    await ok(['watch', 'rotate', '--customer', 'C-003', '--serial', rotatedTo, '--config', config]);
    await revoke(sim.signLeafSerial, 'superseded');
    await revoke(rotatedFrom, 'affiliationChanged');
    await revoke(rotatedTo, 'certificateHold');
    await publishAndFetch();
    const second = events(await ok(['watch', 'run', '--output', '-', '--config', config]));
    expect(second.map((e) => [e.customerId, e.serial, e.reason, e.meaning]).sort()).toEqual([
      ['C-002', sim.signLeafSerial, 'superseded', 'basic_info_changed'],
      ['C-003', rotatedTo, 'certificateHold', 'suspended_card_lost'],
      ['C-004', sim.signLeafSerial, 'superseded', 'basic_info_changed'],
    ]);
    expect(events(await ok(['watch', 'run', '--output', '-', '--config', config]))).toEqual([]);
  });

  it('lists past events, filtered by meaning', async () => {
    const deaths = events(await ok(['watch', 'events', '--meaning', 'death_or_emigration', '--config', config]));
    expect(deaths.map((e) => e.customerId)).toEqual(['C-001']);
    const all = events(await ok(['watch', 'events', '--config', config]));
    expect(all).toHaveLength(5);
  });

  it('writes the events as CP932 CSV for Japanese Excel, with Japanese labels and times in JST; or UTF-8 with a BOM', async () => {
    const bytes = await cliBytes([
      'watch',
      'events',
      '--config',
      config,
      '--format',
      'csv',
      '--encoding',
      'cp932',
      '--lang',
      'ja',
      '--tz',
      'Asia/Tokyo',
    ]);
    const text = new TextDecoder('shift_jis').decode(bytes);
    expect(bytes.includes(Buffer.from('死亡', 'utf8'))).toBe(false);
    const [header, ...rows] = text.trimEnd().split('\n');
    expect(header).toBe(
      'eventId,type,customerId,issuer,caId,medium,serial,reason,meaning,meaningLabel,revokedAt,crlNumber,detectedAt,notAfter',
    );
    const death = rows.find((r) => r.includes(',C-001,'));
    expect(death).toMatch(
      /,revoked,C-001,jpki-sign,jpki-sign-2023,card,[0-9A-F]+,affiliationChanged,death_or_emigration,死亡または国外転出,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00,\d+,/,
    );
    const bom = await cliBytes(['watch', 'events', '--config', config, '--format', 'csv', '--bom']);
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('imports a CP932 watch list', async () => {
    const iconv = (await import('iconv-lite')).default;
    const list = join(sim.dir, 'customers-sjis.csv');
    writeFileSync(list, iconv.encode(`customerId,issuer,serial,氏名\r\n顧客-髙,jpki-sign,${sim.signLeafSerial},山田 太郎\r\n`, 'cp932'));
    const imported = await ok(['watch', 'import', list, '--config', config, '--encoding', 'cp932']);
    expect(imported.stderr).toContain('1 rows: 1 added');
    // the customer id came through as written (the certificate was revoked before: the next pass reports it for 顧客-髙)
    const next = events(await ok(['watch', 'run', '--output', '-', '--config', config]));
    expect(next.map((e) => e.customerId)).toEqual(['顧客-髙']);
  });

  it('a malformed watch list stops with exit 2 naming the line, and imports nothing', async () => {
    const bad = join(sim.dir, 'bad.csv');
    writeFileSync(bad, `customerId,issuer,serial\nC-100,jpki-sign,${sim.signLeafSerial}\nC-101,jpki-sign,not-hex\n`);
    const result = await run(['watch', 'import', bad, '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 3/);
    expect(events(await ok(['watch', 'run', '--output', '-', '--config', config]))).toEqual([]);
  });
});
