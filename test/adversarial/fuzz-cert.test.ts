/**
 * Mutation fuzzing of the certificate parser (packages/x509 parseCertificate, with the JPKI profile read on top): only typed
 * errors, no hang, bounded memory, and no altered certificate whose signature verifies with its issuer's key.
 */
import { describe, expect, it } from 'vitest';
import { allSeeds } from '../../packages/x509/test/fuzz/seeds.ts';
import { describeFailure, fuzzAndRecord } from './lib/fuzz-suite.ts';

describe('fuzz: certificate parser', () => {
  it('3 000 mutated certificates: typed errors only, none verifies with its issuer key', async () => {
    const report = await fuzzAndRecord({
      file: import.meta.url,
      target: 'cert',
      covers: 'certificate parser + JPKI profile: mutated certificates (JPKI-like, PKITS, simulator)',
      seeds: allSeeds('cert'),
      cases: 3_000,
    });
    expect(report.failures.map((f) => describeFailure(f, 'cert'))).toEqual([]);
    expect([report.tried, report.handled, report.wrongGood]).toEqual([report.cases, report.cases, 0]);
    expect(report.accepted).toBeGreaterThan(report.cases / 20);
  });
});
