/**
 * Fuzz seeds from the JPKI-like simulator: what the product meets in the field — RSA-signed full, partition and delta CRLs (IDP,
 * AKI, reasons, invalidity dates), JPKI signature and authentication certificates (the 4 basic details in subjectAltName), and
 * OCSP answers signed by the CA and by its delegated responder. scripts/fuzz-corpus.ts writes them into the committed corpus
 * (packages/x509/test/fuzz/corpus/): made afresh they would differ on every run (new keys, the clock).
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOcspResponder, initSimulator, type Simulator } from '@jpki-validator/sim';
import { buildOcspRequest, parseCertificate } from '@jpki-validator/x509';
import type { FuzzSeed } from '../../../packages/x509/test/fuzz/targets.ts';

export interface SimSeeds {
  crl: FuzzSeed[];
  cert: FuzzSeed[];
  ocsp: FuzzSeed[];
  close(): Promise<void>;
}

const spkiPem = (sim: Simulator, ca: string): string =>
  createPublicKey(sim.caCertificatePem(ca)).export({ type: 'spki', format: 'pem' }).toString();

export async function simSeeds(): Promise<SimSeeds> {
  const dir = await mkdtemp(join(tmpdir(), 'jv-fuzz-sim-'));
  const sim = await initSimulator({ dir, seed: 29, populationPerCa: 120, revokedRate: 0.25, generations: [2023], partitions: 2 });
  const sign = 'jpki-sign-2023';
  const auth = 'jpki-auth-2023';
  const crl = async (name: string, ca: string, options: { partition?: string; delta?: boolean } = {}): Promise<FuzzSeed> => {
    const out = join(dir, `${name}.crl`);
    await sim.writeCrl({ ca, out, ...options });
    return { name: `sim-${name}`, der: new Uint8Array(await readFile(out)), issuerKeyPem: spkiPem(sim, ca) };
  };
  const crls = [await crl('sign-full', sign), await crl('sign-p0000', sign, { partition: 'p0000' }), await crl('auth-full', auth)];
  await sim.advance(1);
  crls.push(await crl('sign-delta', sign, { delta: true }));

  const certs: FuzzSeed[] = [];
  for (const ca of [sign, auth]) {
    const issued = await sim.issueCertificate({ ca });
    certs.push({ name: `sim-${ca}-leaf`, der: issued.der, issuerKeyPem: spkiPem(sim, ca) });
    certs.push({ name: `sim-${ca}-ca`, der: sim.resolveCa(ca).certDer, issuerKeyPem: spkiPem(sim, ca) });
  }

  const ocsp: FuzzSeed[] = [];
  const material = sim.resolveCa(sign);
  const caCert = parseCertificate(material.certDer);
  const listed = sim.listCas().find((c) => c.id === sign);
  const base = BigInt(listed?.serialBase ?? 0);
  let revoked = base;
  for (let n = base; n < base + 120n; n++) {
    if (sim.status(sign, n).status === 'revoked') {
      revoked = n;
      break;
    }
  }
  for (const signer of ['ca', 'delegated'] as const) {
    const respond = createOcspResponder(
      { cas: () => sim.listCas().map((c) => sim.resolveCa(c.id)), status: (caId, serial) => sim.status(caId, serial) },
      { signer },
    );
    for (const [what, serial] of [
      ['good', base + 1n],
      ['revoked', revoked],
    ] as const) {
      const request = buildOcspRequest({ serial, issuer: caCert, nonce: new Uint8Array(randomBytes(16)) });
      ocsp.push({ name: `sim-ocsp-${signer}-${what}`, der: respond(request.der), issuerCertDer: material.certDer, nowMs: Date.now() });
    }
  }
  return { crl: crls, cert: certs, ocsp, close: () => rm(dir, { recursive: true, force: true }) };
}
