import type { AtomicWriteOptions } from '@jpki-validator/files';

/** CRL files are the simulator's output, made again on demand: written atomically, but not worth a flush of hundreds of MB */
export const SIM_OUTPUT: AtomicWriteOptions = { createDirectory: true, durable: false };
