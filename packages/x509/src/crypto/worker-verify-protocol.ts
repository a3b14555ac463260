/**
 * The shared memory between a scan and the thread that hashes tbsCertList beside it (worker-verifier.ts, verify-worker.ts):
 * a byte ring the scan writes and the worker reads, two 64-bit positions, a state word and the signature. Positions only grow
 * (a byte's ring slot is its position modulo the ring size), so "full" and "empty" need no extra flag.
 */
export const CONTROL = {
  /** BigInt64 slots */
  written: 0,
  read: 1,
} as const;

/** Int32 slots of the state array */
export const STATE = {
  /** what the scan says: 0 feeding, 1 the signature is in place, 2 stop (the scan failed or was abandoned) */
  command: 0,
  /** what the worker says: 0 working, 1 valid, 2 invalid, 3 failed (its message in the error area) */
  outcome: 1,
  signatureLength: 2,
  errorLength: 3,
} as const;

export const COMMAND = { feeding: 0, verify: 1, stop: 2 } as const;
export const OUTCOME = { working: 0, valid: 1, invalid: 2, failed: 3 } as const;

/** RSA 16384 is 2 KiB: any signature a CRL can carry fits */
export const SIGNATURE_AREA = 4096;
export const ERROR_AREA = 1024;

export interface WorkerVerifyData {
  ring: SharedArrayBuffer;
  positions: SharedArrayBuffer;
  state: SharedArrayBuffer;
  /** the signature (written by the scan), then the worker's error text */
  scratch: SharedArrayBuffer;
  hash: string;
  pss: boolean;
  saltLength: number;
  key: import('node:crypto').KeyObject;
}
