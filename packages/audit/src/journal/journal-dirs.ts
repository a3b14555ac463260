/**
 * The journals in an audit directory: one per writing process, named by a random id. A journal belongs to the process whose pid
 * its `owner` file holds while that process lives and renews the file's time; once the process is gone (on this host), or has not
 * renewed it for the stale time (the only sign when the directory is shared by hosts), the journal is an orphan, and the next shipper to see it adopts it (renames it to `<id>.adopted-<adopter id>`, atomic, so one
 * adopter wins), ships what is left and removes it. A journal keeps its id through adoptions: the id names its cursor.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processExists } from '@jpki-validator/files';
import { SEGMENT_FILE } from './format.js';
import { OWNER_FILE } from './journal-writer.js';

export interface JournalDir {
  /** the journal's id (the cursor's key) */
  id: string;
  path: string;
}

export const newJournalId = (): string => randomBytes(8).toString('hex');

const ADOPTED = /^([0-9a-f]{16})\.adopted-([0-9a-f]{16})$/;
const PLAIN = /^[0-9a-f]{16}$/;

/** whether the process that owns the plain journal `id` is alive and renewing its owner file */
function ownerAlive(root: string, id: string, staleAfterMs: number, nowMs: number): boolean {
  const file = join(root, id, OWNER_FILE);
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return processExists(pid) && nowMs - statSync(file).mtimeMs < staleAfterMs;
  } catch {
    return false;
  }
}

/**
 * The orphans under `root` (not `ownId`'s own), each adopted by `ownId` before it is returned. A journal adopted by a live
 * shipper is left alone.
 */
export function adoptOrphans(root: string, ownId: string, staleAfterMs: number, nowMs = Date.now()): JournalDir[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const adopted: JournalDir[] = [];
  for (const name of names) {
    if (name === ownId) continue;
    const a = ADOPTED.exec(name);
    let id: string;
    if (a !== null) {
      id = a[1] as string;
      const adopter = a[2] as string;
      if (adopter === ownId) {
        adopted.push({ id, path: join(root, name) });
        continue;
      }
      if (ownerAlive(root, adopter, staleAfterMs, nowMs)) continue;
    } else if (PLAIN.test(name)) {
      id = name;
      if (ownerAlive(root, id, staleAfterMs, nowMs)) continue;
    } else continue;
    const path = join(root, `${id}.adopted-${ownId}`);
    try {
      renameSync(join(root, name), path);
    } catch {
      continue; // another shipper adopted it first
    }
    adopted.push({ id, path });
  }
  return adopted;
}

/** the segment numbers present in a journal directory, ascending */
export function segmentsIn(path: string): number[] {
  try {
    return readdirSync(path)
      .map((n) => SEGMENT_FILE.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

export function removeJournal(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
