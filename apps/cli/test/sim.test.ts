import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOpensslCrlText } from './openssl-crl-text.js';
import { cli, ensureBuilt, lastJson, openssl, spawnCli } from './run-cli.js';
import { ok } from './sim-fixture.js';

interface SimInfo {
  dir: string;
  generation: number;
  cas: Array<{ id: string; group: string; kind: string; serialBase: string; population: number; nextSerial: string; caCert: string }>;
}

interface CrlWrite {
  caId: string;
  crlNumber: string;
  baseCrlNumber: string | null;
  entries: number;
  bytes: number;
  file: string;
}

let dir: string;
let simDir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'jpki-cli-sim-'));
  simDir = join(dir, 'sim');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sim', () => {
  it('init → issue → revoke → crl → advance → delta: a round trip checked by openssl', async () => {
    const info = lastJson<SimInfo>(
      await ok([
        'sim',
        'init',
        '--dir',
        simDir,
        '--seed',
        '3',
        '--population',
        '2000',
        '--revoked-rate',
        '0.2',
        '--generations',
        '2015',
        '2023',
        '--kinds',
        'sign',
        '--partitions',
        '0',
      ]),
    );
    // the card's generations, then a smartphone CA pair for the newest (here: of the one kind asked for)
    expect(info.cas.map((c) => c.id)).toEqual(['jpki-sign-2015', 'jpki-sign-2023', 'jpki-smartphone-sign-2023']);
    expect(info.cas[1]?.nextSerial).toBe('80007D0');
    const again = await cli(['sim', 'init', '--dir', simDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    const issued = (await ok(['sim', 'issue', '--dir', simDir, '--ca', 'jpki-sign', '--count', '2'])).stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { caId: string; serial: string; file: string });
    expect(issued.map((c) => [c.caId, c.serial])).toEqual([
      ['jpki-sign-2023', '80007D0'],
      ['jpki-sign-2023', '80007D1'],
    ]);
    const subject = await openssl(['x509', '-in', issued[0]?.file ?? '', '-noout', '-subject', '-issuer']);
    expect(subject).toMatch(/issuer=C = JP, O = JPKI Simulator \(not J-LIS\), OU = JPKI for digital signature/);

    const revoked = lastJson(
      await ok([
        'sim',
        'revoke',
        '--dir',
        simDir,
        '--ca',
        'jpki-sign-2023',
        '--serial',
        '80007D1',
        '--reason',
        'superseded',
        '--revoked-at',
        '2026-01-02T03:04:05Z',
      ]),
    );
    expect(revoked).toEqual({
      caId: 'jpki-sign-2023',
      serial: '80007D1',
      status: 'revoked',
      reason: 'superseded',
      revokedAt: '2026-01-02T03:04:05Z',
      invalidityDate: null,
    });
    const statuses = (await ok(['sim', 'status', '--dir', simDir, '--ca', 'jpki-sign', '--serial', '80007D0', '80007D1', 'FFFFFF'])).stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { status: string }).status);
    expect(statuses).toEqual(['good', 'revoked', 'unknown']);

    const full = join(dir, 'full.crl');
    const written = lastJson<CrlWrite>(await ok(['sim', 'crl', '--dir', simDir, '--ca', 'jpki-sign', '--out', full]));
    expect(written.caId).toBe('jpki-sign-2023');
    const peer = parseOpensslCrlText(await openssl(['crl', '-inform', 'DER', '-in', full, '-noout', '-text']));
    expect(peer.entries).toHaveLength(written.entries);
    expect(peer.crlNumber).toBe(written.crlNumber);
    expect(peer.entries).toContainEqual({
      serial: '80007D1',
      revokedAt: '2026-01-02T03:04:05Z',
      reason: 'superseded',
      invalidityDate: null,
    });
    const verify = await openssl(['crl', '-inform', 'DER', '-in', full, '-noout', '-CAfile', info.cas[1]?.caCert ?? '', '-verify']).catch(
      (e: { stderr?: string }) => e.stderr ?? 'failed',
    );
    expect(verify).toBe('');

    const advanced = lastJson<{ generation: number }>(await ok(['sim', 'advance', '--dir', simDir]));
    expect(advanced.generation).toBe(1);
    const delta = lastJson<CrlWrite>(
      await ok(['sim', 'crl', '--dir', simDir, '--ca', 'jpki-sign', '--delta', '--out', join(dir, 'delta.crl')]),
    );
    expect(delta.baseCrlNumber).toBe(written.crlNumber);
    const inspected = lastJson<{ deltaOf: string; number: string; signature: string }>(
      await ok(['crl', 'inspect', delta.file, '--ca', info.cas[1]?.caCert ?? '']),
    );
    expect(inspected).toMatchObject({ deltaOf: written.crlNumber, number: delta.crlNumber, signature: 'valid' });
    expect(BigInt(delta.crlNumber)).toBeGreaterThan(BigInt(written.crlNumber));
  });

  it('serve: prints its URLs, answers an HTTP GET for a CRL, stops on SIGTERM', async () => {
    const server = spawnCli(['sim', 'serve', '--dir', simDir, '--port', '0']);
    const exited = once(server, 'exit');
    const stderr: string[] = [];
    server.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      const urls = JSON.parse(line) as { url: string; ocsp: string; cas: Array<{ id: string; crl: string; caCert: string }> };
      expect(urls.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ca = urls.cas.find((c) => c.id === 'jpki-sign-2023');
      expect(ca?.crl).toBe(`${urls.url}/crl/jpki-sign-2023/full.crl`);

      const response = await fetch(ca?.crl ?? '');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pkix-crl');
      const body = new Uint8Array(await response.arrayBuffer());
      expect(body[0]).toBe(0x30);
      // crl inspect reads the same URL as a stream and checks it with the CA certificate the server also serves.
      const caPem = await (await fetch(ca?.caCert ?? '')).text();
      expect(caPem).toBe(await readFile(join(simDir, 'certs/jpki-sign-2023.pem'), 'utf8'));
      const inspected = lastJson<{ entries: number; signature: string; bytes: number }>(
        await ok(['crl', 'inspect', ca?.crl ?? '', '--ca', join(simDir, 'certs/jpki-sign-2023.pem')]),
      );
      expect(inspected).toMatchObject({ signature: 'valid', bytes: body.length });
      const notFound = await cli(['crl', 'inspect', `${urls.url}/crl/jpki-nope/full.crl`]);
      expect(notFound.code).toBe(2);
      expect(notFound.stderr).toMatch(/cannot fetch CRL http:\/\/.*jpki-nope\/full\.crl: HTTP 404/);
    } finally {
      server.kill('SIGTERM');
    }
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(stderr.join('')).toMatch(/SIGTERM: closing the simulator server/);
  });

  it('national layout: init, every partition written in two walks, listing file, served with its DirName + URL', async () => {
    const natDir = join(dir, 'national');
    const info = lastJson<{ layout: string; cas: Array<{ id: string; partitions: number; partitionListing: string | null }> }>(
      await ok(['sim', 'init', '--dir', natDir, '--layout', 'national', '--population', '70000', '--kinds', 'sign', '--seed', '4']),
    );
    expect(info.layout).toBe('national');
    expect(info.cas).toEqual([
      expect.objectContaining({ id: 'jpki-sign-2023', partitions: 1741, partitionListing: join(natDir, 'partitions/jpki-sign-2023.json') }),
    ]);
    const listing = JSON.parse(await readFile(join(natDir, 'partitions/jpki-sign-2023.json'), 'utf8')) as {
      partitions: Array<{ name: string; url: string; dirName: string }>;
    };
    expect(listing.partitions).toHaveLength(1741);

    const out = join(dir, 'national-crls');
    const all = await ok(['sim', 'crl', '--dir', natDir, '--ca', 'jpki-sign', '--all-partitions', '--out-dir', out]);
    const lines = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CrlWrite & { partition: string; idpDirName: string; url: string });
    expect(lines).toHaveLength(1741);
    expect(all.stderr).toMatch(/1741 partitions of jpki-sign-2023, \d+ entries, \d+ bytes in [\d.]+ s \(2 walks of the serial range\)/);
    const p = lines[100];
    expect(p).toMatchObject({ partition: 'p0100', file: join(out, 'p0100.crl'), idpDirName: listing.partitions[100]?.dirName });
    const inspected = lastJson<{ signature: string; idp: { fullName: string[] } }>(
      await ok(['crl', 'inspect', p?.file ?? '', '--ca', join(natDir, 'certs/jpki-sign-2023.pem')]),
    );
    expect(inspected.signature).toBe('valid');
    expect(inspected.idp.fullName).toEqual([expect.stringMatching(/^DirName:CN=Municipality \d{5} CRLDP,/), `URI:${p?.url}`]);

    const usage = await cli(['sim', 'crl', '--dir', natDir, '--ca', 'jpki-sign', '--all-partitions', '--out-dir', out, '--delta']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--delta does not apply/);
    const skewStandard = await cli(['sim', 'init', '--dir', join(dir, 'std'), '--partition-skew', '10']);
    expect(skewStandard.code).toBe(2);
    expect(skewStandard.stderr).toMatch(/apply to the national layout/);

    const server = spawnCli(['sim', 'serve', '--dir', natDir, '--port', '0', '--update-base-url']);
    const exited = once(server, 'exit');
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      const urls = JSON.parse(line) as { url: string; cas: Array<{ partitionCrl: string; partitionListing: string }> };
      expect(urls.cas[0]?.partitionListing).toBe(join(natDir, 'partitions/jpki-sign-2023.json'));
      const relisted = JSON.parse(await readFile(urls.cas[0]?.partitionListing ?? '', 'utf8')) as typeof listing;
      expect(relisted.partitions[100]?.url).toBe(`${urls.url}/crl/jpki-sign-2023/p0100.crl`);
      const response = await fetch(relisted.partitions[100]?.url ?? '');
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toMatch(/^"jpki-sign-2023-p0100-\d+"$/);
    } finally {
      server.kill('SIGTERM');
    }
    expect(((await exited) as [number | null])[0]).toBe(0);
  });

  it("exits 2 with the simulator's message on bad input, and prints usage for --help", async () => {
    const unknownCa = await cli(['sim', 'issue', '--dir', simDir, '--ca', 'jpki-nope']);
    expect(unknownCa.code).toBe(2);
    expect(unknownCa.stderr).toMatch(/unknown CA or group "jpki-nope"/);
    const badReason = await cli(['sim', 'revoke', '--dir', simDir, '--ca', 'jpki-sign', '--serial', '80007D0', '--reason', 'lost']);
    expect(badReason.code).toBe(2);
    expect(badReason.stderr).toMatch(/--reason "lost" is not a CRL reason/);
    const noSim = await cli(['sim', 'info', '--dir', join(dir, 'empty')]);
    expect(noSim.code).toBe(2);
    const unknownSub = await cli(['sim', 'frobnicate']);
    expect(unknownSub.code).toBe(2);
    for (const sub of ['init', 'issue', 'revoke', 'crl', 'advance', 'serve', 'status', 'info']) {
      const help = await cli(['sim', sub, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: jpki-validator sim ${sub}`));
    }
  });
});
