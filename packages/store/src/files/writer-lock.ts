import type { LockFileOptions } from '@jpki-validator/files';
import { StoreError } from '../errors.js';

/** the data directory's writer locks (@jpki-validator/files' lock file), giving up as LOCK_TIMEOUT */
export function writerLockOptions(timeoutMs: number): LockFileOptions {
  return {
    timeoutMs,
    timeoutError: (path, ms) => new StoreError('LOCK_TIMEOUT', `could not take the writer lock ${path} within ${ms} ms`),
  };
}
