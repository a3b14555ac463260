/**
 * (customerId, issuer group) → row, for imports and rotations: an open-addressing hash table over the columns' key bytes
 * (FNV-1a, linear probing), one Int32 per slot — at 10 M rows 64 MB, where a Map of strings would take ~1 GB. Built when an
 * import or rotation needs it, never for a pass.
 */
import type { WatchColumns } from './watch-columns.js';

const EMPTY = -1;

export function hashKey(bytes: Uint8Array, start: number, end: number, group: number): number {
  let h = 0x811c9dc5 ^ group;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  // final avalanche (murmur3 fmix32): short ids differing in the last byte land far apart
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class SlotIndex {
  private table: Int32Array;
  private mask: number;
  private size = 0;
  private readonly columns: WatchColumns;
  private readonly groupOf: (issuer: number) => number;

  /** `groupOf`: an issuer-table index to its group's index (the slot a row fills); `expectedRows`: room to make up front */
  constructor(columns: WatchColumns, groupOf: (issuer: number) => number, expectedRows = columns.rows) {
    this.columns = columns;
    this.groupOf = groupOf;
    const bits = Math.max(10, Math.ceil(Math.log2(Math.max(1, columns.rows, expectedRows) * 2)));
    this.table = new Int32Array(2 ** bits).fill(EMPTY);
    this.mask = 2 ** bits - 1;
    for (let row = 0; row < columns.rows; row++) this.insertRow(row);
  }

  /** the row of (key, group), or -1 */
  find(bytes: Uint8Array, start: number, end: number, group: number): number {
    const c = this.columns;
    let i = hashKey(bytes, start, end, group) & this.mask;
    for (;;) {
      const row = this.table[i] as number;
      if (row === EMPTY) return -1;
      if (this.groupOf(c.issuer[row] as number) === group && c.keyEquals(row, bytes, start, end)) return row;
      i = (i + 1) & this.mask;
    }
  }

  /** adds a row just appended to the columns (its key must not be in the index yet) */
  insertRow(row: number): void {
    if ((this.size + 1) * 2 > this.table.length) this.rehash();
    const c = this.columns;
    let i = hashKey(c.keyBytes, c.keyStart(row), c.keyEnds[row] as number, this.groupOf(c.issuer[row] as number)) & this.mask;
    while (this.table[i] !== EMPTY) i = (i + 1) & this.mask;
    this.table[i] = row;
    this.size++;
  }

  private rehash(): void {
    const rows = this.table.filter((r) => r !== EMPTY);
    this.table = new Int32Array(this.table.length * 2).fill(EMPTY);
    this.mask = this.table.length - 1;
    this.size = 0;
    for (const row of rows) this.insertRow(row);
  }
}
