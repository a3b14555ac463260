import type { CrlProblem } from './types.js';

type Code = CrlProblem['code'];

/**
 * Collects RFC 5280 usability problems. A CRL of millions of entries may repeat an entry-level problem millions of times: each code
 * is kept once, with the offset of its first occurrence, and the message says how many times it occurred.
 */
export class ProblemLog {
  private readonly first = new Map<Code, CrlProblem>();
  private readonly counts = new Map<Code, number>();

  add(code: Code, message: string, offset?: number): void {
    const n = this.counts.get(code) ?? 0;
    this.counts.set(code, n + 1);
    if (n > 0) return;
    this.first.set(code, offset === undefined ? { code, message } : { code, message, offset });
  }

  has(code: Code): boolean {
    return this.first.has(code);
  }

  list(): CrlProblem[] {
    const out: CrlProblem[] = [];
    for (const [code, p] of this.first) {
      const n = this.counts.get(code) ?? 1;
      out.push(n > 1 ? { ...p, message: `${p.message} (${n} occurrences, first shown)` } : p);
    }
    return out;
  }
}
