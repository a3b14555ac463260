import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OID } from '@jpki-validator/x509';
import { buildCertificate, toPem } from './cert-builder.js';
import { SimStateError } from './errors.js';
import { authorityKeyIdentifier, basicConstraints, extKeyUsage, keyUsage, ocspNoCheck, subjectKeyIdentifier } from './extensions.js';
import { encodeName, keyIdentifierOf, spkiOf, type AttributeType } from './names.js';
import type { CaKind, SimCaState, SimMedium } from './state.js';

/** Deliberately not J-LIS's organisation ("JPKI"), so a simulator certificate is never mistaken for a real one. */
export const SIM_ORGANISATION = 'JPKI Simulator (not J-LIS)';

const KIND_UNIT: Record<CaKind, string> = { sign: 'JPKI for digital signature', auth: 'JPKI for user authentication' };

/**
 * The subject DN every generation of a kind (and medium) shares, as J-LIS's generations do. Smartphone CAs are named apart, and as
 * plainly simulated: `OU=JPKI for digital signature (smartphone)`.
 */
export function caNameRdns(kind: CaKind, medium: SimMedium = 'card'): [AttributeType, string][] {
  return [
    ['C', 'JP'],
    ['O', SIM_ORGANISATION],
    ['OU', medium === 'smartphone' ? `${KIND_UNIT[kind]} (smartphone)` : KIND_UNIT[kind]],
    ['OU', 'Simulator'],
  ];
}

/** A signing key with its certificate. */
export interface SignerMaterial {
  key: KeyObject;
  certDer: Uint8Array;
  spki: Uint8Array;
  /** SHA-1 key identifier (SKI; OCSP ResponderID byKey). */
  keyId: Uint8Array;
}

/** Everything needed to act as one CA. */
export interface CaMaterial extends SignerMaterial {
  ca: SimCaState;
  /** Subject (= issuer of its certificates and CRLs) Name DER. */
  name: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Delegated OCSP responder: certified by this CA with id-kp-OCSPSigning. */
  responder: SignerMaterial;
}

const keyFile = (dir: string, id: string): string => join(dir, 'keys', `${id}.key.pem`);
const certFile = (dir: string, id: string): string => join(dir, 'certs', `${id}.pem`);
export const SHARED_LEAF_KEY = 'leaf-shared';

export function generateRsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export function caValidity(ca: SimCaState): { notBefore: Date; notAfter: Date } {
  // 20 years rather than J-LIS's ~12, so an old simulated generation does not expire under a long-lived demo.
  return { notBefore: new Date(Date.UTC(ca.year, 0, 1)), notAfter: new Date(Date.UTC(ca.year + 20, 0, 1)) };
}

/** Self-signed CA certificate: basicConstraints cA (critical), keyUsage keyCertSign + cRLSign (critical), SKI. */
function buildCaCertificate(ca: SimCaState, key: KeyObject): Uint8Array {
  const spki = spkiOf(createPublicKey(key));
  const name = encodeName(caNameRdns(ca.kind, ca.medium));
  const { notBefore, notAfter } = caValidity(ca);
  return buildCertificate(
    {
      serial: ca.year,
      issuer: name,
      subject: name,
      notBefore,
      notAfter,
      spki,
      extensions: [basicConstraints(true), keyUsage(['keyCertSign', 'cRLSign']), subjectKeyIdentifier(keyIdentifierOf(spki))],
    },
    key,
  );
}

/** Delegated OCSP responder certificate (RFC 6960 §4.2.2.2) with id-pkix-ocsp-nocheck. */
function buildResponderCertificate(ca: SimCaState, caKey: KeyObject, responderKey: KeyObject): Uint8Array {
  const caSpki = spkiOf(createPublicKey(caKey));
  const spki = spkiOf(createPublicKey(responderKey));
  const { notBefore, notAfter } = caValidity(ca);
  return buildCertificate(
    {
      serial: 1,
      issuer: encodeName(caNameRdns(ca.kind, ca.medium)),
      subject: encodeName([...caNameRdns(ca.kind, ca.medium), ['CN', `OCSP Responder ${ca.id}`]]),
      notBefore,
      notAfter,
      spki,
      extensions: [
        basicConstraints(false),
        keyUsage(['digitalSignature']),
        extKeyUsage([OID.id_kp_OCSPSigning]),
        ocspNoCheck(),
        subjectKeyIdentifier(keyIdentifierOf(spki)),
        authorityKeyIdentifier(keyIdentifierOf(caSpki)),
      ],
    },
    caKey,
  );
}

async function writeKey(file: string, key: KeyObject): Promise<void> {
  await writeFile(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

/** Generates and persists a CA's key, certificate and delegated responder (init only). */
export async function createCaFiles(dir: string, ca: SimCaState): Promise<void> {
  await mkdir(join(dir, 'keys'), { recursive: true });
  await mkdir(join(dir, 'certs'), { recursive: true });
  const key = generateRsaKey();
  const responderKey = generateRsaKey();
  await writeKey(keyFile(dir, ca.id), key);
  await writeKey(keyFile(dir, `${ca.id}-ocsp`), responderKey);
  await writeFile(certFile(dir, ca.id), toPem(buildCaCertificate(ca, key)));
  await writeFile(certFile(dir, `${ca.id}-ocsp`), toPem(buildResponderCertificate(ca, key, responderKey)));
}

export async function createSharedLeafKey(dir: string): Promise<void> {
  await mkdir(join(dir, 'keys'), { recursive: true });
  await writeKey(keyFile(dir, SHARED_LEAF_KEY), generateRsaKey());
}

export async function loadPrivateKey(dir: string, id: string): Promise<KeyObject> {
  const file = keyFile(dir, id);
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new SimStateError('SIM_STATE_INVALID', `cannot load private key: ${(cause as Error).message}`, file, { cause });
  }
}

async function loadSigner(dir: string, id: string): Promise<SignerMaterial> {
  const key = await loadPrivateKey(dir, id);
  const file = certFile(dir, id);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SimStateError('SIM_STATE_INVALID', 'missing certificate', file, { cause });
  }
  const certDer = new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
  const spki = spkiOf(createPublicKey(key));
  return { key, certDer, spki, keyId: keyIdentifierOf(spki) };
}

export async function loadCaMaterial(dir: string, ca: SimCaState): Promise<CaMaterial> {
  const signer = await loadSigner(dir, ca.id);
  return {
    ...signer,
    ca,
    name: encodeName(caNameRdns(ca.kind, ca.medium)),
    ...caValidity(ca),
    responder: await loadSigner(dir, `${ca.id}-ocsp`),
  };
}

export const caCertPath = certFile;
