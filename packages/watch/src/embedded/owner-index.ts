/**
 * serial → customers watching it, for one CA. Almost every serial has one watcher, so the value is the customer id itself and an
 * array only when several share it. Keys are numbers in the bitmap range (cheap Map keys), bigints outside it.
 */
import { inBitmapRange } from '@jpki-validator/store';

type Key = number | bigint;

export class OwnerIndex {
  private readonly map = new Map<Key, string | string[]>();

  private static key(serial: bigint): Key {
    return inBitmapRange(serial) ? Number(serial) : serial;
  }

  get(serial: bigint): readonly string[] {
    const v = this.map.get(OwnerIndex.key(serial));
    return v === undefined ? [] : typeof v === 'string' ? [v] : v;
  }

  /** returns true when the serial had no watcher before */
  add(serial: bigint, customerId: string): boolean {
    const k = OwnerIndex.key(serial);
    const v = this.map.get(k);
    if (v === undefined) this.map.set(k, customerId);
    else if (typeof v === 'string') {
      if (v !== customerId) this.map.set(k, [v, customerId]);
    } else if (!v.includes(customerId)) v.push(customerId);
    return v === undefined;
  }

  /** returns how many watchers the serial has left */
  remove(serial: bigint, customerId: string): number {
    const k = OwnerIndex.key(serial);
    const v = this.map.get(k);
    if (v === undefined) return 0;
    if (typeof v === 'string') {
      if (v !== customerId) return 1;
      this.map.delete(k);
      return 0;
    }
    const rest = v.filter((c) => c !== customerId);
    if (rest.length === 1) this.map.set(k, rest[0] as string);
    else if (rest.length === 0) this.map.delete(k);
    else this.map.set(k, rest);
    return rest.length;
  }
}
