/**
 * A SignatureVerifier whose hashing runs on a thread of its own (verify-worker.ts), beside the scan that walks the same bytes:
 * on a 5-million-entry CRL SHA-256 over 185 MB costs about as much as the walk itself. `update` copies the bytes into a shared
 * ring (a memcpy, far cheaper than the hash) and returns; it waits only when the ring is full. `verify` hands over the signature
 * and waits for the verdict. The scan stays synchronous; memory stays flat (the ring).
 * Fail closed: a worker that fails, or stops answering, throws — it never yields `valid`.
 */
import type { KeyObject } from 'node:crypto';
import { type ErrorKindTable, errorBaseFor } from '@jpki-validator/errors';
import type { SignatureAlgorithm, SignatureVerifier } from './signature.js';
import { COMMAND, CONTROL, ERROR_AREA, OUTCOME, SIGNATURE_AREA, STATE, type WorkerVerifyData } from './worker-verify-protocol.js';

const RING_BYTES = 8 * 1024 * 1024;
/** no progress from the worker for this long: it is gone (a hash of a 1 MiB piece takes about a millisecond) */
const STALL_MS = 30_000;

/** the built worker beside this module; from the TypeScript sources (vitest), the built one in dist */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/crypto/verify-worker.js', import.meta.url)
  : new URL('./verify-worker.js', import.meta.url);

/**
 * The thread broke or stopped answering (a worker that never started, an exception in it): not about the input (kind internal),
 * so the CLI does not blame the CRL for it, and no verdict is given.
 */
export class SignatureThreadError extends errorBaseFor({ SIGNATURE_THREAD_FAILED: 'internal' } as const satisfies ErrorKindTable) {}

/** A verifier that hashes on a worker thread; the worker starts now and is never waited for unless the ring fills. */
export function createWorkerVerifier(
  alg: SignatureAlgorithm,
  key: KeyObject,
  ringBytes = RING_BYTES,
): SignatureVerifier & { close(): void } {
  const ringBuffer = new SharedArrayBuffer(ringBytes);
  const positionsBuffer = new SharedArrayBuffer(2 * 8);
  const stateBuffer = new SharedArrayBuffer(4 * 4);
  const scratchBuffer = new SharedArrayBuffer(Math.max(SIGNATURE_AREA, ERROR_AREA));
  const ring = new Uint8Array(ringBuffer);
  const positions = new BigInt64Array(positionsBuffer);
  const state = new Int32Array(stateBuffer);
  const scratch = new Uint8Array(scratchBuffer);
  const size = BigInt(ringBytes);
  const workerData: WorkerVerifyData = {
    ring: ringBuffer,
    positions: positionsBuffer,
    state: stateBuffer,
    scratch: scratchBuffer,
    hash: alg.hash,
    pss: alg.scheme === 'rsa-pss',
    saltLength: alg.saltLength ?? 20,
    key,
  };
  // loaded on first use (getBuiltinModule is synchronous, as the scan is): node:worker_threads costs every `crl inspect` a few ms
  // of start-up, and most runs hash on their own thread
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const worker = new Worker(WORKER_URL, { workerData });
  // a scan abandoned half-way must not keep the process alive for a thread waiting on bytes that never come
  worker.unref();
  // its failures are read from the shared state; an 'error' event without a listener would end the process
  worker.on('error', () => undefined);
  let written = 0n;
  let closed = false;

  const failed = (): never => {
    const text = Buffer.from(scratch.slice(0, Atomics.load(state, STATE.errorLength))).toString();
    throw new SignatureThreadError('SIGNATURE_THREAD_FAILED', `the signature-hashing thread failed: ${text}`);
  };

  /** waits until the worker has read up to `target` (ring space) */
  const awaitRead = (target: bigint): void => {
    let waitedMs = 0;
    for (;;) {
      const read = Atomics.load(positions, CONTROL.read);
      if (read >= target) return;
      if (Atomics.load(state, STATE.outcome) === OUTCOME.failed) failed();
      if (Atomics.wait(positions, CONTROL.read, read, 100) === 'timed-out') {
        waitedMs += 100;
        if (waitedMs >= STALL_MS)
          throw new SignatureThreadError(
            'SIGNATURE_THREAD_FAILED',
            `the signature-hashing thread made no progress in ${STALL_MS / 1000} s`,
          );
      } else waitedMs = 0;
    }
  };

  const wake = (): void => {
    Atomics.notify(positions, CONTROL.written);
  };

  const close = (): void => {
    if (closed) return;
    closed = true;
    Atomics.store(state, STATE.command, COMMAND.stop);
    wake();
  };

  return {
    update(bytes) {
      let off = 0;
      while (off < bytes.length) {
        // room in the ring: everything the worker has read is free again
        if (written - Atomics.load(positions, CONTROL.read) >= size) awaitRead(written - size + 1n);
        const free = Number(size - (written - Atomics.load(positions, CONTROL.read)));
        const at = Number(written % size);
        const n = Math.min(bytes.length - off, free, ringBytes - at);
        ring.set(bytes.subarray(off, off + n), at);
        off += n;
        written += BigInt(n);
        Atomics.store(positions, CONTROL.written, written);
        wake();
      }
    },
    verify(signature) {
      if (signature.length > SIGNATURE_AREA) {
        close();
        return false;
      }
      scratch.set(signature, 0);
      Atomics.store(state, STATE.signatureLength, signature.length);
      Atomics.store(state, STATE.command, COMMAND.verify);
      wake();
      let waitedMs = 0;
      for (;;) {
        const outcome = Atomics.load(state, STATE.outcome);
        if (outcome === OUTCOME.valid || outcome === OUTCOME.invalid) {
          closed = true;
          return outcome === OUTCOME.valid;
        }
        if (outcome === OUTCOME.failed) failed();
        const before = Atomics.load(positions, CONTROL.read);
        if (Atomics.wait(state, STATE.outcome, OUTCOME.working, 100) === 'timed-out') {
          // still hashing the ring's last bytes counts as progress
          waitedMs = Atomics.load(positions, CONTROL.read) === before ? waitedMs + 100 : 0;
          if (waitedMs >= STALL_MS)
            throw new SignatureThreadError(
              'SIGNATURE_THREAD_FAILED',
              `the signature-hashing thread gave no verdict in ${STALL_MS / 1000} s`,
            );
        }
      }
    },
    close,
  };
}
