/**
 * Mutation fuzzing of the OCSP response parser and verifier (packages/x509 parseOcspResponse + verifyOcspResponse): only typed
 * errors from the parser, the verifier never throws, no hang, bounded memory, and no altered response that verifies.
 */
import { describe, expect, it } from 'vitest';
import { allSeeds } from '../../packages/x509/test/fuzz/seeds.ts';
import { describeFailure, fuzzAndRecord } from './lib/fuzz-suite.ts';

describe('fuzz: OCSP response parser', () => {
  it('3 000 mutated responses: typed errors only, the verifier never throws, none verifies', async () => {
    const report = await fuzzAndRecord({
      file: import.meta.url,
      target: 'ocsp',
      covers: 'OCSP response parser + verifier: mutated responses (openssl delegated, simulator CA-signed and delegated)',
      seeds: allSeeds('ocsp'),
      cases: 3_000,
    });
    expect(report.failures.map((f) => describeFailure(f, 'ocsp'))).toEqual([]);
    expect([report.tried, report.handled, report.wrongGood]).toEqual([report.cases, report.cases, 0]);
    expect(report.accepted).toBeGreaterThan(report.cases / 20);
  });
});
