export {
  type AtomicData,
  type AtomicWriteOptions,
  type AtomicWriteStream,
  openAtomicWriteStream,
  writeFileAtomic,
  writeFileAtomicWith,
  writeStreamAtomic,
} from './atomic-write.js';
export { acquireLockFile, type LockFileOptions, type ReleaseLock, tryLockFileSync } from './lock-file.js';
export { processExists } from './process-exists.js';
