export {
  type AtomicData,
  type AtomicWriteOptions,
  type AtomicWriteStream,
  openAtomicWriteStream,
  writeFileAtomic,
} from './atomic-write.js';
export { acquireLockFile, type LockFileOptions, type ReleaseLock } from './lock-file.js';
