/**
 * `jpki-validator check` through the real built binary, offline (`--crl`) against simulator CRLs: answers equal the simulator's
 * own `status()` for every serial, rows pass through unchanged, bad rows are answered in place, bad files stop with exit 2
 * naming the line, and the exit codes follow the contract.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTime } from '@jpki-validator/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, createCheckFixture, hex, plainCsv, runCli, type CheckFixture } from './check-fixture.js';

const MEANINGS: Record<string, string> = {
  affiliationChanged: 'death_or_emigration',
  superseded: 'basic_info_changed',
  cessationOfOperation: 'card_lost_or_emigration',
  certificateHold: 'suspended_card_lost',
};

let fx: CheckFixture;
let offline: string[];

beforeAll(async () => {
  await buildCli();
  fx = await createCheckFixture();
  offline = ['--crl', fx.crl2015, fx.crl2023, '--ca', fx.ca2015, fx.ca2023];
});

afterAll(async () => {
  await fx.close();
});

/** every seeded serial of both generations, with the simulator's answer */
function everySerial(): Array<{ caId: string; serial: string }> {
  const rows: Array<{ caId: string; serial: string }> = [];
  for (let i = 0; i < fx.population; i++) {
    rows.push({ caId: 'jpki-sign-2015', serial: hex(fx.base2015 + i) });
    rows.push({ caId: 'jpki-sign-2023', serial: hex(fx.base2023 + i) });
  }
  return rows;
}

describe('check offline (--crl)', () => {
  it('answers every serial from stdin to stdout exactly as the simulator does, by group, with the summary on stderr', async () => {
    const rows = everySerial();
    const input = `id,serial\n${rows.map((r, i) => `c${i},${r.serial}`).join('\n')}\n`;
    const run = await runCli(['check', ...offline], { cwd: fx.dir, stdin: input });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const out = plainCsv(run.stdout);
    expect(out).toHaveLength(rows.length);
    let revoked = 0;
    rows.forEach((r, i) => {
      const expected = fx.sim.status(r.caId, r.serial);
      const got = out[i];
      expect(got?.id).toBe(`c${i}`);
      expect(got?.serial).toBe(r.serial);
      expect(got?.status).toBe(expected.status);
      expect(got?.source).toBe('crl');
      expect(got?.crlNumber).toMatch(/^\d+$/);
      expect(got?.detail).toBe('');
      if (expected.status === 'revoked') {
        revoked++;
        const reason = expected.reason ?? 'unspecified';
        expect(got?.reason).toBe(reason);
        expect(got?.meaning).toBe(MEANINGS[reason] ?? reason);
        expect(got?.revokedAt).toBe(expected.revokedAt === null ? '' : formatTime(expected.revokedAt));
      } else {
        expect([got?.reason, got?.meaning, got?.revokedAt]).toEqual(['', '', '']);
      }
    });
    expect(revoked).toBeGreaterThan(0);
    expect(run.stderr).toContain(`check: ${rows.length} rows`);
    expect(run.stderr).toContain(`revoked ${revoked}`);
    expect(run.stderr).toMatch(/CRL jpki-sign-2023\/sign-2023: number \d+, thisUpdate \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    expect(run.stderr).toMatch(/revoked by meaning: .*death_or_emigration/);
  });

  it('passes other columns through unchanged, quoted fields with commas, quotes and newlines included', async () => {
    const serial = hex(fx.base2023 + 1);
    const records = [
      `"Yamada, Taro",${serial},"said ""hi""",jpki-sign-2023`,
      `"two\nlines",${serial},"crlf\r\ninside",jpki-sign-2023`,
      `plain,${serial},x,jpki-sign-2023`,
    ];
    const input = `name,serial,note,issuer\r\n${records.join('\r\n')}\r\n`;
    const csv = await runCli(['check', ...offline], { cwd: fx.dir, stdin: input });
    expect(csv.code).toBe(0);
    const status = fx.sim.status('jpki-sign-2023', serial).status;
    expect(csv.stdout.startsWith('name,serial,note,issuer,status,reason,meaning,revokedAt,source,crlNumber,detail,medium\n')).toBe(true);
    for (const record of records) expect(csv.stdout).toContain(`${record},${status},`);

    const jsonl = await runCli(['check', ...offline, '--format', 'jsonl'], { cwd: fx.dir, stdin: input });
    expect(jsonl.code).toBe(0);
    const objects = jsonl.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.map((o) => [o.name, o.note, o.status])).toEqual([
      ['Yamada, Taro', 'said "hi"', status],
      ['two\nlines', 'crlf\r\ninside', status],
      ['plain', 'x', status],
    ]);
  });

  it('answers bad rows in place with a detail, counts them and carries on', async () => {
    const good = hex(fx.base2023 + 2);
    const input = [
      'serial,issuer',
      'not-hex,jpki-sign',
      `${good},no-such-ca`,
      ',jpki-sign',
      `${'A'.repeat(41)},jpki-sign`,
      `${good},jpki-sign`,
    ].join('\n');
    const run = await runCli(['check', ...offline], { cwd: fx.dir, stdin: input });
    expect(run.code).toBe(0);
    const out = plainCsv(run.stdout);
    expect(out.map((r) => [r.status, r.detail])).toEqual([
      ['unknown', 'malformed_serial'],
      ['unknown', 'issuer_unknown'],
      ['unknown', 'malformed_serial'],
      ['unknown', 'malformed_serial'],
      [fx.sim.status('jpki-sign-2023', good).status, ''],
    ]);
    expect(run.stderr).toContain('bad rows 4');
    expect(run.stderr).toMatch(/unknown by detail: malformed_serial 3, issuer_unknown 1/);
  });

  it.each([
    ['no serial column', 'id,name\n1,a\n', 'line 1: the header has no `serial` column'],
    ['an unterminated quote', 'serial,name\n7000001,a\n7000002,"never closed\n7000003,c\n', 'line 3: quoted field is never closed'],
    ['a malformed quoted field', 'serial,name\n7000001,a\n7000002,"a"b\n', 'line 3: Trailing quote'],
    ['a row with too many fields', 'serial,name\n7000001,a\n7000002,b,c\n', 'line 3: 3 fields where the header has 2'],
    ['an empty input', '', 'empty input'],
  ])('stops with exit 2 naming the line on %s', async (_what, input, message) => {
    const run = await runCli(['check', ...offline], { cwd: fx.dir, stdin: input });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('--fail-on revoked|unknown|any exits 1 only when matched', async () => {
    const rows = everySerial().slice(0, 200);
    const revoked = rows.find((r) => fx.sim.status(r.caId, r.serial).status === 'revoked');
    const good = rows.find((r) => fx.sim.status(r.caId, r.serial).status === 'good');
    if (revoked === undefined || good === undefined) throw new Error('the fixture needs a revoked and a good serial');
    const withRevoked = `serial\n${good.serial}\n${revoked.serial}\n`;
    const onlyGood = `serial\n${good.serial}\n`;
    const withBadRow = `serial\n${good.serial}\nxyz\n`;
    const code = async (input: string, failOn: string) =>
      (await runCli(['check', ...offline, '--fail-on', failOn], { cwd: fx.dir, stdin: input })).code;
    expect(await code(withRevoked, 'revoked')).toBe(1);
    expect(await code(onlyGood, 'revoked')).toBe(0);
    expect(await code(withRevoked, 'unknown')).toBe(0);
    expect(await code(withBadRow, 'unknown')).toBe(1);
    expect(await code(withBadRow, 'any')).toBe(1);
    expect(await code(onlyGood, 'any')).toBe(0);
    const usage = await runCli(['check', ...offline, '--fail-on', 'sometimes'], { cwd: fx.dir, stdin: onlyGood });
    expect(usage.code).toBe(2);
  });

  it('reads and writes JSON Lines (other keys kept); a line that is not JSON stops with exit 2 naming it', async () => {
    const s1 = hex(fx.base2015 + 5);
    const s2 = hex(fx.base2023 + 6);
    const input = [
      JSON.stringify({ id: 'a', serial: s1, issuer: 'jpki-sign-2015', extra: { nested: [1, 2] } }),
      '',
      JSON.stringify({ id: 'b', serial: s2 }),
      JSON.stringify({ id: 'c', serial: 1234 }),
    ].join('\n');
    const run = await runCli(['check', ...offline], { cwd: fx.dir, stdin: input });
    expect(run.code).toBe(0);
    const out = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out[0]).toMatchObject({
      id: 'a',
      serial: s1,
      issuer: 'jpki-sign-2015',
      extra: { nested: [1, 2] },
      status: fx.sim.status('jpki-sign-2015', s1).status,
    });
    expect(out[1]).toMatchObject({ id: 'b', status: fx.sim.status('jpki-sign-2023', s2).status, source: 'crl' });
    expect(out[2]).toMatchObject({ id: 'c', status: 'unknown', detail: 'malformed_serial', reason: null, crlNumber: null });

    const csv = await runCli(['check', ...offline, '--format', 'csv'], { cwd: fx.dir, stdin: input });
    expect(csv.stdout.split('\n')[0]).toBe('id,serial,issuer,extra,status,reason,meaning,revokedAt,source,crlNumber,detail,medium');
    expect(csv.stdout.split('\n')[1]).toMatch(new RegExp(`^a,${s1},jpki-sign-2015,"\\{""nested"":\\[1,2\\]\\}",`));

    const broken = await runCli(['check', ...offline], { cwd: fx.dir, stdin: `${JSON.stringify({ serial: s1 })}\n{"serial": oops}\n` });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('stdin: line 2: not JSON');
  });

  it('writes --output FILE whole, and nothing when the input turns out malformed', async () => {
    const target = join(fx.dir, 'out.csv');
    const ok = await runCli(['check', ...offline, '--input', join(fx.dir, 'in.csv'), '--output', target], { cwd: fx.dir });
    expect(ok.code).toBe(2); // no such input file yet
    await writeFile(join(fx.dir, 'in.csv'), `serial\n${hex(fx.base2023)}\n`);
    const done = await runCli(['check', ...offline, '--input', 'in.csv', '--output', 'out.csv'], { cwd: fx.dir });
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('');
    expect((await readFile(target, 'utf8')).split('\n')[1]).toMatch(new RegExp(`^${hex(fx.base2023)},(good|revoked),`));
    await writeFile(join(fx.dir, 'bad.csv'), 'serial,x\n1,2,3\n');
    const bad = await runCli(['check', ...offline, '--input', 'bad.csv', '--output', 'bad-out.csv'], { cwd: fx.dir });
    expect(bad.code).toBe(2);
    await expect(readFile(join(fx.dir, 'bad-out.csv'))).rejects.toThrow(/ENOENT/);
  });

  it('answers unknown / crl_stale from a stale CRL and exits 3 when every answer lacks data', async () => {
    const stale = join(fx.dir, 'stale.crl');
    await fx.sim.writeCrl({ ca: 'jpki-sign-2023', out: stale, expired: true });
    const input = `serial\n${hex(fx.base2023 + 10)}\n${hex(fx.base2023 + 11)}\n`;
    const run = await runCli(['check', '--crl', stale, '--ca', fx.ca2023], { cwd: fx.dir, stdin: input });
    expect(run.code).toBe(3);
    const listed = plainCsv(run.stdout);
    for (const row of listed) {
      if (row.status === 'unknown') expect(row.detail).toBe('crl_stale');
      else expect(row.status).toBe('revoked'); // a listed serial stays revoked whatever the data's age
    }
    expect(run.stderr).toContain('(STALE)');
  });

  it('refuses a CRL whose signature does not verify (exit 2) unless --no-verify', async () => {
    const forged = join(fx.dir, 'forged.crl');
    await fx.sim.writeCrl({ ca: 'jpki-sign-2023', out: forged, corruptSignature: true });
    const input = `serial\n${hex(fx.base2023 + 3)}\n`;
    const refused = await runCli(['check', '--crl', forged, '--ca', fx.ca2023], { cwd: fx.dir, stdin: input });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/forged\.crl cannot be verified .*--no-verify/);
    const loaded = await runCli(['check', '--crl', forged, '--ca', fx.ca2023, '--no-verify'], { cwd: fx.dir, stdin: input });
    expect(loaded.code).toBe(0);
    expect(plainCsv(loaded.stdout)[0]?.status).toBe(fx.sim.status('jpki-sign-2023', hex(fx.base2023 + 3)).status);
  });

  it('needs exactly one source', async () => {
    const none = await runCli(['check', '--ca', fx.ca2023], { cwd: fx.dir, stdin: 'serial\n1\n' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('exactly one source');
  });
});
