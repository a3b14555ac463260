import { describe, expect, it } from 'vitest';
import { extension, enumerated, generalizedTime, integer, OID, sequence, time } from '@jpki-validator/x509';
import { EntryEncoder } from './entry-encoder.js';
import type { EntryFields } from './revocations.js';

/** The same entry built with the general-purpose DER writer: the reference the fast encoder must match byte for byte. */
function reference(e: EntryFields): Uint8Array {
  const exts = [
    ...(e.reasonCode !== 0 ? [extension(OID.id_ce_cRLReasons, false, enumerated(e.reasonCode))] : []),
    ...(e.invalidityAtSeconds >= 0
      ? [extension(OID.id_ce_invalidityDate, false, generalizedTime(new Date(e.invalidityAtSeconds * 1000)))]
      : []),
  ];
  return sequence(integer(e.serial), time(new Date(e.revokedAtSeconds * 1000)), ...(exts.length ? [sequence(...exts)] : []));
}

describe('EntryEncoder', () => {
  const cases: EntryFields[] = [
    { serial: 0, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 },
    { serial: 0x7f, revokedAtSeconds: Date.UTC(1999, 11, 31, 23, 59, 59) / 1000, reasonCode: 1, invalidityAtSeconds: -1 },
    {
      serial: 0x80,
      revokedAtSeconds: Date.UTC(2026, 1, 28, 0, 0, 1) / 1000,
      reasonCode: 4,
      invalidityAtSeconds: Date.UTC(2026, 1, 20) / 1000,
    },
    { serial: 0x0700_d015, revokedAtSeconds: Date.UTC(2049, 11, 31, 23, 59, 59) / 1000, reasonCode: 6, invalidityAtSeconds: -1 },
    {
      serial: 0x0800_0000,
      revokedAtSeconds: Date.UTC(2050, 0, 1) / 1000,
      reasonCode: 3,
      invalidityAtSeconds: Date.UTC(2049, 11, 25, 7, 8, 9) / 1000,
    },
    {
      serial: 0xffff_ffff,
      revokedAtSeconds: Date.UTC(1950, 0, 1) / 1000,
      reasonCode: 0,
      invalidityAtSeconds: Date.UTC(1949, 11, 31) / 1000,
    },
    { serial: 0x8000_0000, revokedAtSeconds: Date.UTC(1949, 11, 31, 12) / 1000, reasonCode: 10, invalidityAtSeconds: -1 },
  ];

  it.each(cases)('encodes serial $serial exactly as the DER writer does', (e) => {
    const encoder = new EntryEncoder();
    const buf = new Uint8Array(100);
    const end = encoder.write(buf, 3, e);
    const expected = reference(e);
    expect(Buffer.from(buf.subarray(3, end)).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    expect(encoder.length(e)).toBe(expected.length);
  });
});
