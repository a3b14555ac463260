/** A benchmark flag that must be a positive whole number (`--rounds 3`); the error names the flag and what it got. */
export function wholeNumberFlag(values: Readonly<Record<string, unknown>>, name: string): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got ${String(values[name])}`);
  return n;
}
