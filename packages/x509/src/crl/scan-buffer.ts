import { isPem, pemToDer } from '../pem.js';
import { CrlScanner } from './scanner.js';
import type { CrlScanOptions, CrlScanResult } from './types.js';

/** Scans a whole CRL held in memory (DER, or PEM `-----BEGIN X509 CRL-----`) without copying it. */
export function scanCrlBuffer(bytes: Uint8Array, options: CrlScanOptions = {}): CrlScanResult {
  const scanner = new CrlScanner(options);
  scanner.push(isPem(bytes) ? pemToDer(bytes) : bytes);
  return scanner.end();
}
