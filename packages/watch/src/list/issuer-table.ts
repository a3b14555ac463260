/**
 * The issuers a watch list names, as given (a CA id or a group), each with what the config resolved it to when it was imported:
 * its group (the customer's slot: one row per customer and group), its CA ids and the kind of certificate its CAs issue. Rows
 * hold an index into this table (a handful of entries for millions of rows).
 */
export type CertificateKind = 'sign' | 'auth' | 'other';

export interface IssuerTableEntry {
  issuer: string;
  group: string;
  caIds: readonly string[];
  kind: CertificateKind;
}

export const MAX_ISSUERS = 65_535;

export class IssuerTable {
  readonly entries: IssuerTableEntry[] = [];
  private readonly byIssuer = new Map<string, number>();
  private readonly groups = new Map<string, number>();
  /** issuer index → group index */
  private groupIndex: number[] = [];

  static from(entries: readonly IssuerTableEntry[]): IssuerTable {
    const table = new IssuerTable();
    for (const e of entries) table.put(e);
    return table;
  }

  indexOf(issuer: string): number {
    return this.byIssuer.get(issuer) ?? -1;
  }

  get(index: number): IssuerTableEntry {
    const e = this.entries[index];
    if (e === undefined) throw new RangeError(`issuer index ${index} is not in the table`);
    return e;
  }

  groupOf(index: number): number {
    return this.groupIndex[index] ?? -1;
  }

  groupIndexOf(group: string): number {
    return this.groups.get(group) ?? -1;
  }

  /** adds an issuer or replaces what it resolves to; returns its index */
  put(entry: IssuerTableEntry): number {
    let index = this.byIssuer.get(entry.issuer);
    if (index === undefined) {
      if (this.entries.length >= MAX_ISSUERS) throw new RangeError(`a watch list names at most ${MAX_ISSUERS} issuers`);
      index = this.entries.length;
      this.entries.push(entry);
      this.byIssuer.set(entry.issuer, index);
    } else this.entries[index] = entry;
    let group = this.groups.get(entry.group);
    if (group === undefined) {
      group = this.groups.size;
      this.groups.set(entry.group, group);
    }
    this.groupIndex[index] = group;
    return index;
  }

  static same(a: IssuerTableEntry, b: IssuerTableEntry): boolean {
    return a.issuer === b.issuer && a.group === b.group && a.kind === b.kind && a.caIds.join(',') === b.caIds.join(',');
  }
}
