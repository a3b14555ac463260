import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomicWith } from '@jpki-validator/files';
import { SIM_OUTPUT } from './sim-output.js';

/** Copies `bytes` bytes at `offset` of the open file `from` into a new file `to` (atomically), 1 MiB at a time. */
export async function copyRange(from: FileHandle, offset: number, bytes: number, to: string): Promise<void> {
  await writeFileAtomicWith(
    to,
    async (out) => {
      const buffer = Buffer.allocUnsafe(Math.min(bytes, 1 << 20));
      for (let done = 0; done < bytes; ) {
        const { bytesRead } = await from.read(buffer, 0, Math.min(buffer.length, bytes - done), offset + done);
        if (bytesRead === 0) throw new RangeError(`unexpected end of file at byte ${offset + done}`);
        await out.write(buffer, 0, bytesRead);
        done += bytesRead;
      }
    },
    SIM_OUTPUT,
  );
}
