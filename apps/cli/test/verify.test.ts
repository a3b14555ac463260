/**
 * `jpki-validator verify` and `challenge` through the real binary on the embedded store (no REDIS_URL): a bank's two flows —
 * the identity check with a signature certificate (a raw signature, several documents, a CMS message) and the login with an
 * authentication certificate (challenge, sign the nonce, verify once) — signed by OpenSSL with simulator-issued keys.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, lastJson, openssl, type CliResult } from './run-cli.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';

const { REDIS_URL: _redis, ...ENV } = process.env;
let sim: SimFixture;
let config: string;
const run = (args: readonly string[]): Promise<CliResult> => cli(args, { env: ENV });
const file = (name: string) => join(sim.dir, name);

async function ok(args: readonly string[]): Promise<CliResult> {
  const result = await run(args);
  if (result.code !== 0) throw new Error(`jpki-validator ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

beforeAll(async () => {
  await ensureBuilt();
  sim = await createSimFixture();
  for (const [ca, name] of [
    ['jpki-sign', 'signer'],
    ['jpki-auth', 'login'],
  ] as const) {
    await ok([
      'sim',
      'issue',
      '--dir',
      sim.simDir,
      '--ca',
      ca,
      '--key',
      'rsa',
      '--out',
      file(`${name}.pem`),
      '--key-out',
      file(`${name}.key`),
    ]);
  }
  await ok(['sim', 'crl', '--dir', sim.simDir, '--ca', 'jpki-auth', '--out', file('auth.crl')]);
  config = file('config.json');
  writeFileSync(
    config,
    JSON.stringify({
      issuers: [
        { id: 'jpki-sign-2023', group: 'jpki-sign', caCert: sim.signCa, crls: [{ name: 'full', source: sim.signCrl }] },
        { id: 'jpki-auth-2023', group: 'jpki-auth', caCert: sim.authCa, crls: [{ name: 'full', source: file('auth.crl') }] },
      ],
      dataDir: file('data'),
    }),
  );
  await ok(['fetch', '--once', '--config', config]);
  writeFileSync(file('contract.pdf'), 'a contract, signed by the card');
  await openssl(['dgst', '-sha256', '-sign', file('signer.key'), '-out', file('contract.sig'), file('contract.pdf')]);
}, 180_000);

afterAll(async () => {
  await sim?.cleanup();
});

describe('identity check with the signature certificate', () => {
  it('one signature over the document, or its digest: exit 0 and the verdicts', async () => {
    const res = await ok([
      'verify',
      '--config',
      config,
      '--cert',
      file('signer.pem'),
      '--data',
      file('contract.pdf'),
      '--signature',
      file('contract.sig'),
    ]);
    expect(lastJson(res)).toMatchObject({
      result: 'valid',
      signature: 'valid',
      kindFits: true,
      validation: { result: 'valid', certificate: { kind: 'sign', caId: 'jpki-sign-2023' } },
    });
    const digest = (await openssl(['dgst', '-sha256', '-r', file('contract.pdf')])).split(' ')[0] ?? '';
    const byDigest = await ok([
      'verify',
      '--config',
      config,
      '--cert',
      file('signer.pem'),
      '--digest',
      digest,
      '--signature',
      file('contract.sig'),
    ]);
    expect(lastJson(byDigest)).toMatchObject({ result: 'valid' });
    expect(lastJson(byDigest)).not.toHaveProperty('basicDetails');
    const personal = await ok([
      'verify',
      '--config',
      config,
      '--cert',
      file('signer.pem'),
      '--digest',
      digest,
      '--signature',
      file('contract.sig'),
      '--show-personal',
    ]);
    expect(lastJson(personal)).toMatchObject({ personal: { included: true }, basicDetails: { name: expect.any(String) } });
  });

  it('tampered document: exit 1 with signature invalid; the wrong certificate: exit 1 with kind_mismatch', async () => {
    writeFileSync(file('altered.pdf'), 'a contract, signed by the card!');
    const altered = await run([
      'verify',
      '--config',
      config,
      '--cert',
      file('signer.pem'),
      '--data',
      file('altered.pdf'),
      '--signature',
      file('contract.sig'),
    ]);
    expect(altered.code).toBe(1);
    expect(lastJson(altered)).toMatchObject({ result: 'invalid', signature: 'invalid', errors: [{ code: 'signature_invalid' }] });
    await openssl(['dgst', '-sha256', '-sign', file('login.key'), '-out', file('by-auth.sig'), file('contract.pdf')]);
    const wrongKind = await run([
      'verify',
      '--config',
      config,
      '--cert',
      file('login.pem'),
      '--data',
      file('contract.pdf'),
      '--signature',
      file('by-auth.sig'),
    ]);
    expect(wrongKind.code).toBe(1);
    expect(lastJson(wrongKind)).toMatchObject({ signature: 'valid', kindFits: false, errors: [{ code: 'kind_mismatch' }] });
  });

  it('several documents (--item) and a detached CMS message (openssl cms -sign)', async () => {
    writeFileSync(file('terms.txt'), 'terms and conditions');
    await openssl(['dgst', '-sha256', '-sign', file('signer.key'), '-out', file('terms.sig'), file('terms.txt')]);
    const items = await run([
      'verify',
      '--config',
      config,
      '--cert',
      file('signer.pem'),
      '--item',
      `${file('contract.pdf')}:${file('contract.sig')}`,
      '--item',
      `${file('terms.txt')}:${file('contract.sig')}`,
    ]);
    expect(items.code).toBe(1);
    expect(lastJson(items)).toMatchObject({ items: [{ signature: 'valid' }, { signature: 'invalid' }], validation: { result: 'valid' } });
    const cmsArgs = ['-signer', file('signer.pem'), '-inkey', file('signer.key'), '-outform', 'PEM', '-out', file('contract.p7s')];
    await openssl(['cms', '-sign', '-binary', '-in', file('contract.pdf'), ...cmsArgs]);
    const cms = await ok(['verify', '--config', config, '--cms', file('contract.p7s'), '--data', file('contract.pdf')]);
    expect(lastJson(cms)).toMatchObject({ result: 'valid', cms: { detached: true, checks: { messageDigest: 'match' } } });
  });

  it('input that cannot be judged is exit 2 naming what was wrong', async () => {
    const bad = await run([
      'verify',
      '--config',
      config,
      '--cert',
      file('signer.pem'),
      '--digest',
      'abcd',
      '--signature',
      file('contract.sig'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/digest: 2 bytes/);
    const missing = await run(['verify', '--config', config, '--cert', file('signer.pem'), '--signature', file('contract.sig')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--data and --digest/);
  });
});

describe('login with the authentication certificate', () => {
  it('challenge, sign the nonce, verify once; the replay is refused', async () => {
    const challenge = lastJson<{ challengeId: string; nonce: string; expiresAt: string }>(await ok(['challenge', '--config', config]));
    writeFileSync(file('nonce.bin'), Buffer.from(challenge.nonce, 'base64'));
    await openssl(['dgst', '-sha256', '-sign', file('login.key'), '-out', file('nonce.sig'), file('nonce.bin')]);
    const args = [
      'verify',
      '--config',
      config,
      '--cert',
      file('login.pem'),
      '--signature',
      file('nonce.sig'),
      '--challenge-id',
      challenge.challengeId,
    ];
    expect(lastJson(await ok(args))).toMatchObject({
      result: 'valid',
      purpose: 'login',
      kindFits: true,
      challenge: { status: 'accepted', expiresAt: challenge.expiresAt },
    });
    const replay = await run(args);
    expect(replay.code).toBe(1);
    expect(lastJson(replay)).toMatchObject({ result: 'invalid', challenge: { status: 'unknown_or_used' } });
  });
});
