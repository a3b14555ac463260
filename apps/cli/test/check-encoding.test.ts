/**
 * `check` for Japanese spreadsheets, through the real binary: CP932 (Shift_JIS) CSV in and out (iconv-lite makes the input, Node's
 * own decoder reads the output: two implementations), a UTF-8 BOM on request, revocation times in JST, and meaning labels in
 * Japanese — the contract's UTF-8 columns unchanged otherwise.
 */
import { spawn } from 'node:child_process';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, buildCli, createCheckFixture, type CheckFixture } from './check-fixture.js';

let fx: CheckFixture;
let offline: string[];

beforeAll(async () => {
  await buildCli();
  fx = await createCheckFixture(400);
  offline = ['--crl', fx.crl2015, fx.crl2023, '--ca', fx.ca2015, fx.ca2023];
});
afterAll(async () => fx.close());

/** the binary with raw bytes in and out */
function runBytes(args: readonly string[], stdin: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], { cwd: fx.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(stdin);
  });
}

/** the first revoked and the first good serial of the 2023 population, with the revoked one's reason and date */
function samples() {
  let revoked: { serial: string; reason: string; revokedAt: Date } | null = null;
  let good: string | null = null;
  for (let i = 0; i < fx.population && (revoked === null || good === null); i++) {
    const s = fx.sim.status('jpki-sign-2023', fx.base2023 + i);
    if (s.status === 'revoked' && s.reason === 'affiliationChanged' && revoked === null)
      revoked = { serial: s.serial, reason: s.reason, revokedAt: s.revokedAt as Date };
    if (s.status === 'good' && good === null) good = s.serial;
  }
  if (revoked === null || good === null) throw new Error('no sample');
  return { revoked, good };
}

describe('check with Japanese spreadsheets', () => {
  it('reads and writes CP932, passing Japanese columns through, with labels in Japanese and times in JST', async () => {
    const { revoked, good } = samples();
    const text = `顧客番号,氏名,serial\r\nC-001,山田 太郎,${revoked.serial}\r\nC-002,髙橋 ①子,${good}\r\n`;
    const input = iconv.encode(text, 'cp932');
    const run = await runBytes(['check', ...offline, '--encoding', 'cp932', '--lang', 'ja', '--tz', 'Asia/Tokyo'], input);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    // not UTF-8: the bytes are CP932
    expect(run.stdout.includes(Buffer.from('山田', 'utf8'))).toBe(false);
    expect(run.stdout.includes(iconv.encode('山田', 'cp932'))).toBe(true);
    const lines = new TextDecoder('shift_jis').decode(run.stdout).trimEnd().split('\n');
    expect(lines[0]).toBe('顧客番号,氏名,serial,status,reason,meaning,revokedAt,source,crlNumber,detail,medium,meaningLabel');
    const jst = new Date(revoked.revokedAt.getTime() + 9 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+09:00');
    expect(lines[1]).toMatch(
      new RegExp(
        `^C-001,山田 太郎,${revoked.serial},revoked,affiliationChanged,death_or_emigration,${jst.replaceAll('+', '\\+')},crl,\\d+,,card,死亡または国外転出$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^C-002,髙橋 ①子,${good},good,,,,crl,\\d+,,card,$`));
  });

  it('writes a UTF-8 BOM on request (what Excel needs), and refuses one with CP932', async () => {
    const { good } = samples();
    const run = await runBytes(['check', ...offline, '--bom'], Buffer.from(`serial\n${good}\n`));
    expect(run.code).toBe(0);
    expect([...run.stdout.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(run.stdout.subarray(3).toString('utf8').split('\n')[0]).toBe(
      'serial,status,reason,meaning,revokedAt,source,crlNumber,detail,medium',
    );
    // a BOM-led file reads back as the same CSV
    const again = await runBytes(['check', ...offline], run.stdout);
    expect(again.code).toBe(0);
    const refused = await runBytes(['check', ...offline, '--bom', '--encoding', 'cp932'], Buffer.from(`serial\n${good}\n`));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--bom');
    const badZone = await runBytes(['check', ...offline, '--tz', 'Mars/Olympus'], Buffer.from(`serial\n${good}\n`));
    expect(badZone.code).toBe(2);
    expect(badZone.stderr).toContain('--tz "Mars/Olympus"');
  });
});
