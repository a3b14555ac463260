/**
 * Raw signatures and CMS SignedData checked against OpenSSL as the independent signer: `openssl dgst -sign` (PKCS#1 v1.5),
 * `openssl pkeyutl` over a digest (PKCS#1 v1.5, PSS, ECDSA), `openssl cms -sign` (attached, detached, PSS, EC, without signed
 * attributes, without certificates), each verified over the data and over its digest, then tampered.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../src/cert/parse-certificate.js';
import { readCmsInput, readCmsSignedData, SignatureInputError, verifyCmsSigner, verifyRawSignature } from '../src/index.js';
import { makeTempDir, openssl, selfSigned, type Issued, type KeyKind, type TempDir } from './cert-openssl-helpers.js';

let dir: TempDir;
const signers = new Map<KeyKind, Issued>();
let data: Uint8Array;
const dataFile = () => dir.file('data.bin');
const digestOf = (bytes: Uint8Array, hash = 'sha256') => new Uint8Array(createHash(hash).update(bytes).digest());
const keyOf = (kind: KeyKind) => {
  const key = parseCertificate(signers.get(kind)?.der ?? new Uint8Array()).publicKey;
  if (key === null) throw new Error('no key');
  return key;
};
const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  const i = at < 0 ? copy.length + at : at;
  copy[i] = (copy[i] as number) ^ 0x01;
  return copy;
};

beforeAll(async () => {
  dir = await makeTempDir('jv-signature');
  data = new Uint8Array(randomBytes(3000));
  await dir.write('data.bin', data);
  for (const key of ['rsa', 'ec-p256', 'ec-p384'] as const) {
    signers.set(key, await selfSigned(dir, { name: key, subject: `/CN=signer ${key}`, key, extensions: 'keyUsage = digitalSignature' }));
  }
  await dir.write('digest.bin', digestOf(data));
  await dir.write('digest384.bin', digestOf(data, 'sha384'));
});

afterAll(async () => {
  await dir?.remove();
});

describe('raw signatures from openssl', () => {
  const sign = async (name: string, args: string[]): Promise<Uint8Array> => {
    // options before the input file: `openssl dgst` takes everything after the first file as more files
    await openssl([args[0] ?? '', '-out', dir.file(name), ...args.slice(1)]);
    return dir.read(name);
  };

  it.each(['sha256', 'sha384', 'sha512'])('RSA PKCS#1 v1.5 (openssl dgst -%s -sign), over the data and over its digest', async (hash) => {
    const rsa = signers.get('rsa') as Issued;
    const sig = await sign(`dgst-${hash}.sig`, ['dgst', `-${hash}`, '-sign', rsa.keyPath, dataFile()]);
    const key = keyOf('rsa');
    const algorithm = `rsa-pkcs1-${hash}`;
    expect(verifyRawSignature(key, { data }, sig, algorithm)).toMatchObject({ valid: true, algorithm: { name: algorithm } });
    expect(verifyRawSignature(key, { digest: digestOf(data, hash) }, sig, algorithm).valid).toBe(true);
    expect(verifyRawSignature(key, { data: flip(data, 10) }, sig, algorithm).valid).toBe(false);
    expect(verifyRawSignature(key, { digest: flip(digestOf(data, hash), 0) }, sig, algorithm).valid).toBe(false);
    expect(verifyRawSignature(key, { data }, flip(sig, -1), algorithm).valid).toBe(false);
    expect(verifyRawSignature(key, { digest: digestOf(data, hash) }, flip(sig, 0), algorithm).valid).toBe(false);
    expect(verifyRawSignature(key, { digest: digestOf(data, hash) }, sig.subarray(1), algorithm).valid).toBe(false);
  });

  it('the default for an RSA key is what the card produces: PKCS#1 v1.5 with SHA-256', async () => {
    const rsa = signers.get('rsa') as Issued;
    const sig = await sign('default.sig', ['dgst', '-sha256', '-sign', rsa.keyPath, dataFile()]);
    expect(verifyRawSignature(keyOf('rsa'), { digest: digestOf(data) }, sig)).toMatchObject({
      valid: true,
      algorithm: { name: 'rsa-pkcs1-sha256' },
    });
    // a PKCS#1 signature is not a PSS one
    expect(verifyRawSignature(keyOf('rsa'), { data }, sig, 'rsa-pss-sha256').valid).toBe(false);
  });

  it.each(['32', 'digest', 'max', '0'])('RSA-PSS (openssl pkeyutl, salt %s) over the digest and over the data', async (salt) => {
    const rsa = signers.get('rsa') as Issued;
    const sig = await sign(`pss-${salt}.sig`, [
      'pkeyutl',
      '-sign',
      '-inkey',
      rsa.keyPath,
      '-in',
      dir.file('digest.bin'),
      '-pkeyopt',
      'digest:sha256',
      '-pkeyopt',
      'rsa_padding_mode:pss',
      '-pkeyopt',
      `rsa_pss_saltlen:${salt}`,
    ]);
    const key = keyOf('rsa');
    expect(verifyRawSignature(key, { digest: digestOf(data) }, sig, 'rsa-pss-sha256').valid).toBe(true);
    expect(verifyRawSignature(key, { data }, sig, 'rsa-pss-sha256').valid).toBe(true);
    expect(verifyRawSignature(key, { digest: flip(digestOf(data), 31) }, sig, 'rsa-pss-sha256').valid).toBe(false);
    expect(verifyRawSignature(key, { digest: digestOf(data) }, flip(sig, 100), 'rsa-pss-sha256').valid).toBe(false);
    expect(verifyRawSignature(key, { digest: digestOf(data) }, sig, 'rsa-pkcs1-sha256').valid).toBe(false);
  });

  it.each([
    ['ec-p256', 'digest.bin', 'sha256'],
    ['ec-p384', 'digest384.bin', 'sha384'],
  ] as const)('ECDSA %s (openssl pkeyutl over the digest): DER and r‖s forms, high S accepted', async (kind, digestFile, hash) => {
    const key = keyOf(kind);
    for (let i = 0; i < 6; i++) {
      // several signatures: about half of OpenSSL's have a high S
      const sig = await sign(`${kind}-${i}.sig`, [
        'pkeyutl',
        '-sign',
        '-inkey',
        signers.get(kind)?.keyPath ?? '',
        '-in',
        dir.file(digestFile),
      ]);
      expect(verifyRawSignature(key, { digest: digestOf(data, hash) }, sig).valid).toBe(true);
      expect(verifyRawSignature(key, { data }, sig)).toMatchObject({ valid: true, algorithm: { name: `ecdsa-${hash}` } });
      expect(verifyRawSignature(key, { data: flip(data, 0) }, sig).valid).toBe(false);
      expect(verifyRawSignature(key, { digest: flip(digestOf(data, hash), 3) }, sig).valid).toBe(false);
      expect(verifyRawSignature(key, { digest: digestOf(data, hash) }, flip(sig, -2)).valid).toBe(false);
      // the same (r, s) as WebCrypto writes it
      const p1363 = derToP1363(sig, kind === 'ec-p256' ? 32 : 48);
      expect(verifyRawSignature(key, { data }, p1363).valid).toBe(true);
      expect(verifyRawSignature(key, { digest: digestOf(data, hash) }, p1363).valid).toBe(true);
    }
  });

  it('an RSASSA-PSS key (openssl genpkey -algorithm RSA-PSS): PSS by default, over the digest and the data', async () => {
    const pss = await selfSigned(dir, {
      name: 'pss-key',
      subject: '/CN=pss key',
      key: 'rsa-pss',
      extensions: 'keyUsage = digitalSignature',
    });
    const key = parseCertificate(pss.der).publicKey;
    if (key === null) throw new Error('no key');
    expect(key.asymmetricKeyType).toBe('rsa-pss');
    const sig = await sign('pss-key.sig', [
      'pkeyutl',
      '-sign',
      '-inkey',
      pss.keyPath,
      '-in',
      dir.file('digest.bin'),
      '-pkeyopt',
      'digest:sha256',
      '-pkeyopt',
      'rsa_padding_mode:pss',
    ]);
    expect(verifyRawSignature(key, { digest: digestOf(data) }, sig)).toMatchObject({ valid: true, algorithm: { name: 'rsa-pss-sha256' } });
    expect(verifyRawSignature(key, { data }, sig).valid).toBe(true);
    expect(verifyRawSignature(key, { digest: flip(digestOf(data), 0) }, sig).valid).toBe(false);
    expect(() => verifyRawSignature(key, { data }, sig, 'rsa-pkcs1-sha256')).toThrow(/algorithm: rsa-pkcs1-sha256 does not fit/);
  });

  it('a request that cannot be judged names the field', () => {
    const rsa = keyOf('rsa');
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(err(() => verifyRawSignature(rsa, { digest: new Uint8Array(20) }, new Uint8Array(256)))).toMatchObject({
      field: 'digest',
      code: 'SIGNATURE_INPUT_INVALID',
    });
    expect(err(() => verifyRawSignature(rsa, { data }, new Uint8Array(256), 'ecdsa-sha256'))).toMatchObject({ field: 'algorithm' });
    expect(err(() => verifyRawSignature(rsa, { data }, new Uint8Array(256), 'md5'))).toBeInstanceOf(SignatureInputError);
    expect(err(() => verifyRawSignature(rsa, { data }, new Uint8Array(0)))).toMatchObject({ field: 'signature' });
  });
});

function derToP1363(der: Uint8Array, size: number): Uint8Array {
  // SEQUENCE { INTEGER r, INTEGER s } with short lengths (P-256 and P-384 signatures are under 128 bytes)
  let pos = 2;
  const out = new Uint8Array(2 * size);
  for (let k = 0; k < 2; k++) {
    const len = der[pos + 1] as number;
    const int = der.subarray(pos + 2, pos + 2 + len);
    const trimmed = int[0] === 0 ? int.subarray(1) : int;
    out.set(trimmed, (k + 1) * size - trimmed.length);
    pos += 2 + len;
  }
  return out;
}

describe('CMS SignedData from openssl cms -sign', () => {
  const cms = async (name: string, kind: KeyKind, extra: string[], outform = 'DER'): Promise<Uint8Array> => {
    const s = signers.get(kind) as Issued;
    const args = ['cms', '-sign', '-binary', '-in', dataFile(), '-signer', s.certPath, '-inkey', s.keyPath, '-outform', outform];
    await openssl([...args, ...extra, '-out', dir.file(name)]);
    return dir.read(name);
  };
  const signerKey = (message: ReturnType<typeof readCmsSignedData>) => {
    const cert = message.certificates.find((c) => message.signer.matches(c));
    if (cert?.publicKey == null) throw new Error('signer certificate not in the message');
    return cert.publicKey;
  };

  it('detached (the default): verifies over the document and over its digest; the certificate comes from the message', async () => {
    const der = await cms('detached.der', 'rsa', []);
    const message = readCmsSignedData(der);
    expect(message.content).toBeNull();
    expect(message.signer.by).toBe('issuerAndSerialNumber');
    expect(message.certificates).toHaveLength(1);
    const key = signerKey(message);
    const ok = verifyCmsSigner(message, key, { data });
    expect(ok).toMatchObject({
      valid: true,
      detached: true,
      contentType: '1.2.840.113549.1.7.1',
      digestAlgorithm: 'sha256',
      checks: { signedAttributes: true, contentType: 'match', messageDigest: 'match', signature: 'valid' },
    });
    expect(ok.signingTime?.getTime()).toBeGreaterThan(Date.now() - 120_000);
    expect(verifyCmsSigner(message, key, { digest: digestOf(data) }).valid).toBe(true);
    const tampered = verifyCmsSigner(message, key, { data: flip(data, 7) });
    expect(tampered).toMatchObject({ valid: false, checks: { messageDigest: 'mismatch', signature: 'valid' } });
    expect(() => verifyCmsSigner(message, key, null)).toThrow(/data: the CMS signature is detached/);
  });

  it('attached (-nodetach), PEM: the content is in the message; a tampered signature or content is invalid', async () => {
    const pem = Buffer.from(await cms('attached.pem', 'rsa', ['-nodetach'], 'PEM')).toString('latin1');
    expect(pem).toContain('-----BEGIN CMS-----');
    const message = readCmsInput(pem);
    expect(Buffer.from(message.content ?? []).equals(Buffer.from(data))).toBe(true);
    const key = signerKey(message);
    expect(verifyCmsSigner(message, key, null).valid).toBe(true);
    expect(() => verifyCmsSigner(message, key, { data })).toThrow(/carries its content/);
    const badSig = { ...message, signer: { ...message.signer, signature: flip(message.signer.signature, 5) } };
    expect(verifyCmsSigner(badSig, key, null)).toMatchObject({ valid: false, checks: { messageDigest: 'match', signature: 'invalid' } });
    const badContent = { ...message, content: flip(data, 100) };
    expect(verifyCmsSigner(badContent, key, null)).toMatchObject({ valid: false, checks: { messageDigest: 'mismatch' } });
  });

  it('RSA-PSS (-keyopt rsa_padding_mode:pss), ECDSA P-256 and P-384, and a subjectKeyIdentifier signer (-keyid)', async () => {
    const cases: [string, KeyKind, string[], string][] = [
      ['pss.der', 'rsa', ['-keyopt', 'rsa_padding_mode:pss', '-md', 'sha256'], 'rsassaPss'],
      ['ec256.der', 'ec-p256', [], 'ecdsa-with-SHA256'],
      ['ec384.der', 'ec-p384', ['-md', 'sha384'], 'ecdsa-with-SHA384'],
      ['keyid.der', 'rsa', ['-keyid'], 'sha256WithRSAEncryption'],
    ];
    for (const [name, kind, extra, algorithm] of cases) {
      const message = readCmsSignedData(await cms(name, kind, extra));
      const key = signerKey(message);
      expect(verifyCmsSigner(message, key, { data })).toMatchObject({ valid: true, signatureAlgorithm: algorithm });
      expect(verifyCmsSigner(message, key, { data: flip(data, 1) }).valid).toBe(false);
      if (name === 'keyid.der') expect(message.signer.by).toBe('subjectKeyIdentifier');
    }
  });

  it('an eContentType that differs from the signed contentType attribute is invalid (RFC 5652 §5.6)', async () => {
    const der = Buffer.from(await cms('ctype.der', 'rsa', ['-nodetach']));
    const idData = Buffer.from('06092a864886f70d010701', 'hex');
    const at = der.indexOf(idData); // the first id-data is eContentType; the signed attribute's comes later
    expect(at).toBeGreaterThan(0);
    der[at + idData.length - 1] = 5; // id-digestedData
    const message = readCmsSignedData(der);
    expect(message.eContentType).toBe('1.2.840.113549.1.7.5');
    expect(verifyCmsSigner(message, signerKey(message), null)).toMatchObject({
      valid: false,
      checks: { contentType: 'mismatch', messageDigest: 'match', signature: 'valid' },
    });
  });

  it('without signed attributes (-noattr) the signature covers the content; without certificates (-nocerts) none is found', async () => {
    const noattr = readCmsSignedData(await cms('noattr.der', 'rsa', ['-noattr']));
    expect(noattr.signer.signedAttrs).toBeNull();
    const key = signerKey(noattr);
    expect(verifyCmsSigner(noattr, key, { data })).toMatchObject({ valid: true, checks: { signedAttributes: false } });
    expect(verifyCmsSigner(noattr, key, { data: flip(data, 2) }).valid).toBe(false);
    expect(() => verifyCmsSigner(noattr, key, { digest: digestOf(data) })).toThrow(SignatureInputError);

    const nocerts = readCmsSignedData(await cms('nocerts.der', 'rsa', ['-nocerts']));
    expect(nocerts.certificates).toHaveLength(0);
    const given = parseCertificate(signers.get('rsa')?.der ?? new Uint8Array());
    expect(nocerts.signer.matches(given)).toBe(true);
    expect(nocerts.signer.matches(parseCertificate(signers.get('ec-p256')?.der ?? new Uint8Array()))).toBe(false);
  });

  it('a broken message is a CMS_MALFORMED error naming the cms field, at every truncation', async () => {
    const der = await cms('trunc.der', 'rsa', ['-nodetach']);
    for (let cut = 0; cut < der.length; cut += 97) {
      let error: unknown = null;
      try {
        readCmsSignedData(der.subarray(0, cut));
      } catch (e) {
        error = e;
      }
      expect(error, `cut at ${cut}`).toMatchObject({ code: 'CMS_MALFORMED', field: 'cms' });
    }
    expect(() => readCmsSignedData(Buffer.concat([der, Buffer.from([0])]))).toThrow(/1 bytes after the ContentInfo/);
    expect(() => readCmsInput('not a CMS message at all!')).toThrow(SignatureInputError);
    // absurdly deep nesting is just a malformed message
    const deep = Buffer.alloc(2_000_000);
    for (let i = 0; i < deep.length; i += 2) deep.set([0x30, 0x80], i);
    expect(() => readCmsSignedData(deep)).toThrow(SignatureInputError);
    // a certificate is a DER SEQUENCE too, but not a ContentInfo
    expect(() => readCmsSignedData(signers.get('rsa')?.der ?? new Uint8Array())).toThrow(SignatureInputError);
  });
});
