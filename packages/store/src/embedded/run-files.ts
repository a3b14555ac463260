/**
 * The embedded store's files, one directory per CA:
 *
 *   <dataDir>/cas/<caId>/ca.json            {"format":1,"caId","epoch","chunkBits"}: written once, with the CA's first switch
 *   <dataDir>/cas/<caId>/runs/<p>.run       one per partition: "JPKIRUN1" | u32 header length | header JSON (the partition's
 *                                           StoredPartition) | the run (run-codec.ts). Replaced atomically by each switch of
 *                                           that partition (temp file, fsync, rename, fsync of the directory)
 *   <dataDir>/cas/<caId>/changes.bin        the latest switch's changes (diffGenerations)
 *   <dataDir>/cas/<caId>/expected.json      the CA's partition set as its fetcher's config declares it (beside the data: a deleted
 *                                           CA directory takes it along)
 *   <dataDir>/switch-<caId>.json            the latest switch {epoch, generation, partition, crlNumber, recent}: what other
 *                                           processes watch; `recent` lists the last switches (a writer commits a group at once)
 *
 * A switch writes its partition's run, never the CA's: the cost of a partition is its own size. `<p>` is the partition name
 * URI-encoded, or a SHA-256 of it when that is too long for a file name (the header holds the name).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredPartition } from '../core/ca-state.js';
import { metaFromJson, metaToJson } from '../core/load-rules.js';
import type { PartitionRun } from '../core/partition-run.js';
import { decodeRun, encodedRunBytes, encodeRun } from '../core/run-codec.js';
import { StoreError } from '../errors.js';
import { writeFileAtomic } from '@jpki-validator/files';

const RUN_MAGIC = Buffer.from('JPKIRUN1', 'latin1');
/** the header of a run file is read alone when listing a CA's partitions: it fits in this many bytes */
const HEADER_READ_BYTES = 16_384;

export interface CaFile {
  format: 1;
  caId: string;
  epoch: string;
  chunkBits: number;
}

export interface SwitchFile {
  epoch: string;
  generation: number;
  partition: string;
  crlNumber: string;
  /**
   * the latest switches, oldest first, ending with this one (a writer commits several at once; absent in an older writer's file):
   * a reader behind by no more than these reads their runs only
   */
  recent?: SwitchRecord[];
}

export interface SwitchRecord {
  generation: number;
  partition: string;
}

export class RunFiles {
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  caDir(caId: string): string {
    return join(this.dataDir, 'cas', encodeURIComponent(caId));
  }

  switchFile(caId: string): string {
    return join(this.dataDir, `switch-${encodeURIComponent(caId)}.json`);
  }

  runFile(caId: string, partition: string): string {
    const encoded = encodeURIComponent(partition);
    const name = encoded.length <= 150 ? encoded : createHash('sha256').update(partition).digest('hex');
    return join(this.caDir(caId), 'runs', `${name}.run`);
  }

  /** CA ids with a directory */
  async caIds(): Promise<string[]> {
    try {
      return (await readdir(join(this.dataDir, 'cas'))).map((n) => decodeURIComponent(n)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** null when the CA has no data */
  async readCa(caId: string): Promise<CaFile | null> {
    const path = join(this.caDir(caId), 'ca.json');
    const text = await readOrNull(path, 'utf8');
    if (text === null) return null;
    try {
      const o = JSON.parse(text) as CaFile;
      if (o.format !== 1 || typeof o.epoch !== 'string') throw new Error(`format ${String(o.format)}`);
      return o;
    } catch (e) {
      throw new StoreError('SNAPSHOT_CORRUPT', `${path}: not a CA file (${(e as Error).message})`, { cause: e });
    }
  }

  async writeCa(ca: CaFile): Promise<void> {
    await mkdir(join(this.caDir(ca.caId), 'runs'), { recursive: true });
    await writeFileAtomic(join(this.caDir(ca.caId), 'ca.json'), [Buffer.from(`${JSON.stringify(ca)}\n`, 'utf8')]);
  }

  /** the latest switch as recorded for watchers; null when none */
  async readSwitch(caId: string): Promise<SwitchFile | null> {
    const text = await readOrNull(this.switchFile(caId), 'utf8');
    if (text === null) return null;
    try {
      return JSON.parse(text) as SwitchFile;
    } catch {
      return null; // torn by something other than us: the watcher re-reads the run headers instead
    }
  }

  /** a notification, not data: renamed into place (atomic) but not fsynced — after a crash the run files are the truth */
  async writeSwitch(caId: string, s: SwitchFile): Promise<void> {
    await writeQuick(this.switchFile(caId), Buffer.from(`${JSON.stringify(s)}\n`, 'utf8'));
  }

  async writeExpected(caId: string, json: string): Promise<void> {
    await mkdir(this.caDir(caId), { recursive: true });
    await writeQuick(join(this.caDir(caId), 'expected.json'), Buffer.from(`${json}\n`, 'utf8'));
  }

  async readExpected(caId: string): Promise<string | null> {
    return readOrNull(join(this.caDir(caId), 'expected.json'), 'utf8');
  }

  async writeChanges(caId: string, bytes: Buffer): Promise<void> {
    await writeQuick(join(this.caDir(caId), 'changes.bin'), bytes);
  }

  async readChanges(caId: string): Promise<Buffer | null> {
    return readOrNull(join(this.caDir(caId), 'changes.bin'));
  }

  async writeRun(caId: string, meta: StoredPartition, run: PartitionRun): Promise<number> {
    const parts = encodeRun(run);
    const header = Buffer.from(metaToJson<StoredPartition>({ ...meta, runBytes: encodedRunBytes(parts) }), 'utf8');
    if (header.length + 12 > HEADER_READ_BYTES)
      throw new StoreError('ENTRY_INVALID', `partition metadata of ${caId}/${meta.partition} is too long`);
    const fixed = Buffer.alloc(12);
    RUN_MAGIC.copy(fixed, 0);
    fixed.writeUInt32LE(header.length, 8);
    // no fsync here: the store fsyncs run files in groups, off the commit path (files/group-sync.ts)
    await writeFileAtomic(this.runFile(caId, meta.partition), [fixed, header, ...parts], { durable: false });
    return encodedRunBytes(parts);
  }

  /** every partition's metadata, from the run files' headers (null: the CA's directory is gone) */
  async readMetas(caId: string): Promise<StoredPartition[] | null> {
    let names: string[];
    try {
      names = (await readdir(join(this.caDir(caId), 'runs'))).filter((n) => n.endsWith('.run'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const metas: StoredPartition[] = [];
    for (const name of names) {
      const path = join(this.caDir(caId), 'runs', name);
      const handle = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return null;
        throw e;
      });
      if (handle === null) continue;
      try {
        const head = Buffer.alloc(HEADER_READ_BYTES);
        const { bytesRead } = await handle.read(head, 0, HEADER_READ_BYTES, 0);
        metas.push(parseHeader(head.subarray(0, bytesRead), path).meta);
      } finally {
        await handle.close();
      }
    }
    return metas;
  }

  /** the partition's run as of `meta`; null when the file holds another load's run now (or none) */
  async readRun(caId: string, meta: StoredPartition): Promise<PartitionRun | null> {
    const path = this.runFile(caId, meta.partition);
    const bytes = await readOrNull(path);
    if (bytes === null) return null;
    const { meta: held, bodyAt } = parseHeader(bytes, path);
    if (held.loadId !== meta.loadId) return null;
    return decodeRun(bytes.subarray(bodyAt), path);
  }

  /** the partition's current run and its metadata (null: none) */
  async readCurrentRun(caId: string, partition: string): Promise<{ meta: StoredPartition; run: PartitionRun } | null> {
    const path = this.runFile(caId, partition);
    const bytes = await readOrNull(path);
    if (bytes === null) return null;
    const { meta, bodyAt } = parseHeader(bytes, path);
    return { meta, run: decodeRun(bytes.subarray(bodyAt), path) };
  }
}

function parseHeader(bytes: Buffer, path: string): { meta: StoredPartition; bodyAt: number } {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(RUN_MAGIC)) {
    throw new StoreError('SNAPSHOT_CORRUPT', `${path}: not a partition run file (bad magic) at byte 0`);
  }
  const length = bytes.readUInt32LE(8);
  if (12 + length > bytes.length) throw new StoreError('SNAPSHOT_CORRUPT', `${path}: header runs past the end of the file at byte 8`);
  try {
    return { meta: metaFromJson(bytes.toString('utf8', 12, 12 + length)) as StoredPartition, bodyAt: 12 + length };
  } catch (e) {
    throw new StoreError('SNAPSHOT_CORRUPT', `${path}: header is not JSON at byte 12`, { cause: e });
  }
}

async function readOrNull(path: string): Promise<Buffer | null>;
async function readOrNull(path: string, encoding: 'utf8'): Promise<string | null>;
async function readOrNull(path: string, encoding?: 'utf8'): Promise<Buffer | string | null> {
  try {
    return encoding === undefined ? await readFile(path) : await readFile(path, encoding);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** atomic for readers, no flush to disk */
function writeQuick(path: string, bytes: Buffer): Promise<void> {
  return writeFileAtomic(path, bytes, { durable: false });
}
