/**
 * The thread that hashes tbsCertList while the scan walks it (worker-verifier.ts): it reads the shared ring as the scan fills it,
 * feeds node:crypto's verifier, and once the scan has put the signature in place, verifies it exactly as the in-thread verifier
 * does (signature.ts createSignatureVerifier, over the same bytes in the same order).
 */
import { constants, createVerify } from 'node:crypto';
import { workerData } from 'node:worker_threads';
import { COMMAND, CONTROL, ERROR_AREA, OUTCOME, SIGNATURE_AREA, STATE, type WorkerVerifyData } from './worker-verify-protocol.js';

const data = workerData as WorkerVerifyData;
const ring = new Uint8Array(data.ring);
const positions = new BigInt64Array(data.positions);
const state = new Int32Array(data.state);
const scratch = new Uint8Array(data.scratch);
const size = BigInt(ring.length);
const PIECE_BYTES = 256 * 1024;

function finish(outcome: number): void {
  Atomics.store(state, STATE.outcome, outcome);
  Atomics.notify(state, STATE.outcome);
}

try {
  const v = createVerify(data.hash);
  for (;;) {
    const written = Atomics.load(positions, CONTROL.written);
    let read = Atomics.load(positions, CONTROL.read);
    if (written > read) {
      // a piece at a time, freeing each as it is hashed, so a scan waiting for room waits for one piece, not the whole ring
      const at = Number(read % size);
      const n = Math.min(Number(written - read), ring.length - at, PIECE_BYTES);
      v.update(ring.subarray(at, at + n));
      read += BigInt(n);
      Atomics.store(positions, CONTROL.read, read);
      Atomics.notify(positions, CONTROL.read);
      continue;
    }
    const command = Atomics.load(state, STATE.command);
    if (command === COMMAND.stop) break;
    if (command === COMMAND.verify) {
      // the signature is written before the command, and nothing more is fed after it
      if (Atomics.load(positions, CONTROL.written) > read) continue;
      const length = Atomics.load(state, STATE.signatureLength);
      const signature = Buffer.from(scratch.slice(0, Math.min(length, SIGNATURE_AREA)));
      let valid = false;
      try {
        valid = data.pss
          ? v.verify({ key: data.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: data.saltLength }, signature)
          : v.verify(data.key, signature);
      } catch {
        // a signature OpenSSL cannot even decode is simply not valid (as in signature.ts)
      }
      finish(valid ? OUTCOME.valid : OUTCOME.invalid);
      break;
    }
    // nothing to hash yet: sleep until the scan writes more or gives a command (the timeout only bounds a missed wake-up)
    Atomics.wait(positions, CONTROL.written, written, 50);
  }
} catch (error) {
  const text = Buffer.from(String(error instanceof Error ? error.message : error)).subarray(0, ERROR_AREA);
  scratch.set(text, 0);
  Atomics.store(state, STATE.errorLength, text.length);
  finish(OUTCOME.failed);
}
