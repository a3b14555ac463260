import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSimulator, openSimulator, type IssuedCertificate, type SimServer, type Simulator } from '@jpki-validator/sim';
import { openssl, tempDir } from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
let sim: Simulator;
let server: SimServer;
let good: IssuedCertificate;
let revoked: IssuedCertificate;
let ca2023: string;
let ca2015: string;

beforeAll(async () => {
  dir = await tempDir('server');
  sim = await initSimulator({
    dir: join(dir.path, 'sim'),
    seed: 5,
    populationPerCa: 1000,
    generations: [2015, 2023],
    kinds: ['sign'],
    partitions: 2,
  });
  server = await sim.serve({ port: 0 });
  await sim.setBaseUrl(server.url);
  good = await sim.issueCertificate({ ca: 'jpki-sign' });
  revoked = await sim.issueCertificate({ ca: 'jpki-sign', key: 'ec' });
  await sim.revoke({
    ca: 'jpki-sign-2023',
    serial: revoked.serial,
    reason: 'keyCompromise',
    revokedAt: new Date(Date.UTC(2026, 5, 1, 12)),
  });
  ca2023 = sim.caCertificatePath('jpki-sign-2023');
  ca2015 = sim.caCertificatePath('jpki-sign-2015');
});
afterAll(async () => {
  await server.close();
  await dir.remove();
});

const ocsp = (args: string[]) => openssl(['ocsp', '-url', `${server.url}/ocsp`, '-resp_text', ...args]);

describe('OCSP responder, checked by openssl ocsp', () => {
  it('answers good, with the nonce echoed and a delegated responder certificate that openssl accepts', async () => {
    const r = await ocsp(['-issuer', ca2023, '-cert', good.file, '-CAfile', ca2023]);
    expect(r.stderr).toContain('Response verify OK');
    expect(r.stdout).toContain(`${good.file}: good`);
    expect(r.stdout).toContain('OCSP Nonce');
    expect(r.stdout).toContain('OCSP Responder jpki-sign-2023');
    expect(r.stdout).toMatch(/This Update: .*\n\s+Next Update: /);
    expect(r.stderr).not.toContain('WARNING');
  });

  it('answers revoked with the reason and the revocation time', async () => {
    const r = await ocsp(['-issuer', ca2023, '-cert', revoked.file, '-CAfile', ca2023]);
    expect(r.stderr).toContain('Response verify OK');
    expect(r.stdout).toContain(`${revoked.file}: revoked`);
    expect(r.stdout).toContain('Reason: keyCompromise');
    expect(r.stdout).toContain('Revocation Time: Jun  1 12:00:00 2026 GMT');
  });

  it('answers unknown for a serial never issued, and tells generations apart by key hash', async () => {
    const r = await ocsp(['-issuer', ca2023, '-serial', '0x0FFFFFF0', '-CAfile', ca2023]);
    expect(r.stderr).toContain('Response verify OK');
    expect(r.stdout).toMatch(/0x0FFFFFF0: unknown/);
    // The same DN, the 2015 key: the 2023 serial is not one of the 2015 CA's.
    const other = await ocsp(['-issuer', ca2015, '-serial', `0x${revoked.serial}`, '-CAfile', ca2015]);
    expect(other.stderr).toContain('Response verify OK');
    expect(other.stdout).toContain('unknown');
  });

  it('signs with the CA key itself when asked to', async () => {
    const caSigned = await sim.serve({ port: 0, ocspSigner: 'ca' });
    try {
      const r = await openssl(['ocsp', '-url', caSigned.url, '-resp_text', '-issuer', ca2023, '-cert', revoked.file, '-CAfile', ca2023]);
      expect(r.stderr).toContain('Response verify OK');
      expect(r.stdout).toContain(`${revoked.file}: revoked`);
      expect(r.stdout).not.toContain('OCSP Responder jpki-sign-2023');
    } finally {
      await caSigned.close();
    }
  });

  it('answers GET requests (RFC 6960 appendix A.1)', async () => {
    const req = join(dir.path, 'req.der');
    await openssl(['ocsp', '-issuer', ca2023, '-cert', revoked.file, '-no_nonce', '-reqout', req]);
    const b64 = (await readFile(req)).toString('base64');
    const res = await fetch(`${server.url}/ocsp/${encodeURIComponent(b64)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    const respFile = join(dir.path, 'resp.der');
    await writeFile(respFile, new Uint8Array(await res.arrayBuffer()));
    const r = await openssl(['ocsp', '-respin', respFile, '-issuer', ca2023, '-cert', revoked.file, '-CAfile', ca2023]);
    expect(r.stderr).toContain('Response verify OK');
    expect(r.stdout).toContain('revoked');
  });

  it('answers malformedRequest to garbage and unauthorized for an issuer it does not serve', async () => {
    const res = await fetch(`${server.url}/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: 'not DER',
    });
    expect(Buffer.from(await res.arrayBuffer()).toString('hex')).toBe('30030a0101');
    const key = join(dir.path, 'other.key');
    const cert = join(dir.path, 'other.pem');
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=not a simulator CA',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
    ]);
    const r = await ocsp(['-issuer', cert, '-serial', '0x1234', '-CAfile', cert]);
    expect(`${r.stdout}${r.stderr}`).toContain('unauthorized (6)');
  });
});

describe('CRL server', () => {
  it('serves the current CRL with ETag and Last-Modified, 304 on If-None-Match and If-Modified-Since', async () => {
    const url = `${server.url}/crl/jpki-sign-2023/full.crl`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/pkix-crl');
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).toMatch(/^"jpki-sign-2023-full-\d+"$/);
    const body = Buffer.from(await first.arrayBuffer());
    const direct = join(dir.path, 'direct.crl');
    await sim.writeCrl({ ca: 'jpki-sign-2023', out: direct });
    expect(body.equals(await readFile(direct))).toBe(true);

    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-none-match': `"other", ${etag}` } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await fetch(url, { headers: { 'if-modified-since': older } })).status).toBe(200);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(body.length);
  });

  it('picks up a revocation made by another process: new ETag, new CRL number, the serial listed', async () => {
    const url = `${server.url}/crl/jpki-sign-2023/full.crl`;
    const before = await fetch(url);
    const etag = before.headers.get('etag') ?? '';
    const otherProcess = await openSimulator(sim.dir);
    const victim = await otherProcess.issueCertificate({ ca: 'jpki-sign-2023' });
    await otherProcess.revoke({ ca: 'jpki-sign-2023', serial: victim.serial, reason: 'superseded' });
    const after = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const file = join(dir.path, 'after.crl');
    await writeFile(file, new Uint8Array(await after.arrayBuffer()));
    const text = await openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
    expect(text.stdout).toContain(`Serial Number: ${victim.serial.padStart(8, '0')}`);
    const cached = (await readdir(join(sim.dir, 'crl-cache', 'jpki-sign-2023'))).filter((f) => f.startsWith('full-'));
    expect(cached).toEqual([
      `full-${/-(\d+)"$/.exec(after.headers.get('etag') ?? '')?.[1] ?? ''}-${sim.cacheFingerprint('jpki-sign-2023')}.crl`,
    ]);
    const ocspAnswer = await ocsp(['-issuer', ca2023, '-cert', victim.file, '-CAfile', ca2023]);
    expect(ocspAnswer.stdout).toContain('Reason: superseded');
  });

  it('serves partitions and CA certificates, 404 for unknown CAs and for a delta before any advance', async () => {
    const [p] = sim.partitionNames('jpki-sign-2023');
    const part = await fetch(`${server.url}/crl/jpki-sign-2023/${p}.crl`);
    expect(part.status).toBe(200);
    expect(part.headers.get('etag')).toContain(`-${p}-`);
    const caDer = await fetch(`${server.url}/ca/jpki-sign-2023.crt`);
    expect(
      Buffer.from(await caDer.arrayBuffer()).equals(
        Buffer.from(sim.caCertificatePem('jpki-sign-2023').replace(/-----[^-]+-----|\s/g, ''), 'base64'),
      ),
    ).toBe(true);
    expect((await fetch(`${server.url}/crl/nope/full.crl`)).status).toBe(404);
    expect((await fetch(`${server.url}/crl/jpki-sign-2023/full-delta.crl`)).status).toBe(404);
    expect((await fetch(`${server.url}/crl/jpki-sign-2023/p0099.crl`)).status).toBe(404);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
  });

  it('never serves cached CRLs of another simulator left in its directory (same versions, other keys)', async () => {
    const twinDir = await tempDir('server-twin');
    try {
      const options = { seed: 5, populationPerCa: 1000, generations: [2023], kinds: ['sign' as const], partitions: 2 };
      const first = await initSimulator({ dir: join(twinDir.path, 'a'), ...options });
      const firstServer = await first.serve({ port: 0 });
      expect((await fetch(`${firstServer.url}/crl/jpki-sign-2023/p0000.crl`)).status).toBe(200);
      expect((await fetch(`${firstServer.url}/crl/jpki-sign-2023/full.crl`)).status).toBe(200);
      await firstServer.close();
      // a second simulator (new keys, same state versions) made where the first one's cache lies
      const second = await initSimulator({ dir: join(twinDir.path, 'b'), ...options });
      await cp(join(first.dir, 'crl-cache'), join(second.dir, 'crl-cache'), { recursive: true });
      const secondServer = await second.serve({ port: 0 });
      try {
        for (const scope of ['p0000', 'full']) {
          const body = new Uint8Array(await (await fetch(`${secondServer.url}/crl/jpki-sign-2023/${scope}.crl`)).arrayBuffer());
          const file = join(twinDir.path, `${scope}.crl`);
          await writeFile(file, body);
          const verify = await openssl([
            'crl',
            '-inform',
            'DER',
            '-in',
            file,
            '-noout',
            '-verify',
            '-CAfile',
            second.caCertificatePath('jpki-sign-2023'),
          ]);
          expect(verify.stderr).toContain('verify OK');
        }
      } finally {
        await secondServer.close();
      }
    } finally {
      await twinDir.remove();
    }
  });
});
