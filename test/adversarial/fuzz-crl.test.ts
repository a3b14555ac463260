/**
 * Mutation fuzzing of the streaming CRL scanner (packages/x509 CrlScanner): every mutated CRL is scanned whole, one byte at a
 * time and in random pieces, with its issuer's key. Properties: only typed errors, the same outcome however it is chunked, no
 * case past the per-case deadline, the worker's heap bounded, and no altered CRL reported usable with a valid signature.
 */
import { describe, expect, it } from 'vitest';
import { allSeeds } from '../../packages/x509/test/fuzz/seeds.ts';
import { describeFailure, fuzzAndRecord } from './lib/fuzz-suite.ts';

describe('fuzz: CRL scanner', () => {
  it('3 000 mutated CRLs: typed errors only, whole = 1-byte = random pieces, none usable with a valid signature', async () => {
    const report = await fuzzAndRecord({
      file: import.meta.url,
      target: 'crl',
      covers: 'CRL scanner: mutated CRLs (built, openssl, PKITS, simulator), whole vs 1-byte vs random chunks',
      seeds: allSeeds('crl'),
      cases: 3_000,
    });
    expect(report.failures.map((f) => describeFailure(f, 'crl'))).toEqual([]);
    expect([report.tried, report.handled, report.wrongGood]).toEqual([report.cases, report.cases, 0]);
    // the mutations reach past the framing: some of them still parse (and are then judged)
    expect(report.accepted).toBeGreaterThan(report.cases / 20);
  });
});
