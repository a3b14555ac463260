/**
 * Writes the generated part of the fuzz seed corpus (packages/x509/test/fuzz/corpus/): the EC-signed CRLs built field by field and
 * the simulator's CRLs, certificates and OCSP answers. They are generated once and committed because their signatures and times
 * change with every generation (fresh keys, ECDSA's random k, the clock): committed, case i of seed S is the same input on every
 * machine, so a reported case replays by its index. Run it again only to change the corpus:
 *   npm run build && node scripts/fuzz-corpus.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtCrlSeeds } from '../packages/x509/test/fuzz/seeds.ts';
import type { CorpusEntry } from '../packages/x509/test/fuzz/seeds.ts';
import type { FuzzSeed, FuzzTarget } from '../packages/x509/test/fuzz/targets.ts';
import { simSeeds } from '../test/adversarial/lib/fuzz-sim-seeds.ts';

const dir = fileURLToPath(new URL('../packages/x509/test/fuzz/corpus/', import.meta.url));
rmSync(dir, { recursive: true, force: true });
const entries: CorpusEntry[] = [];
const add = (target: FuzzTarget, seeds: readonly FuzzSeed[]): void => {
  mkdirSync(join(dir, target), { recursive: true });
  for (const seed of seeds) {
    const file = `${target}/${seed.name}.der`;
    writeFileSync(join(dir, file), seed.der);
    entries.push({
      target,
      name: seed.name,
      file,
      ...(seed.issuerKeyPem ? { issuerKeyPem: seed.issuerKeyPem } : {}),
      ...(seed.issuerCertDer ? { issuerCertBase64: Buffer.from(seed.issuerCertDer).toString('base64') } : {}),
      ...(seed.nowMs !== undefined ? { nowMs: seed.nowMs } : {}),
    });
  }
};
const sim = await simSeeds();
try {
  add('crl', [...builtCrlSeeds(), ...sim.crl]);
  add('cert', sim.cert);
  add('ocsp', sim.ocsp);
} finally {
  await sim.close();
}
writeFileSync(join(dir, 'corpus.json'), `${JSON.stringify({ generatedAt: new Date().toISOString(), entries }, null, 2)}\n`);
process.stdout.write(`${entries.length} seeds written to ${dir}\n`);
