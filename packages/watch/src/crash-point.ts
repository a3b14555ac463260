/**
 * Named points between the durable steps of an import, a pass and a delivery. In the product they do nothing: no handler is
 * installed and nothing here reads the environment. The kill tests (test/adversarial/watch-exactly-once.test.ts) preload a module
 * that installs a handler under this symbol and SIGKILLs the process at the point they choose — a crash exactly between two
 * steps, which random kill timing would hit only by luck.
 */
const HANDLER = Symbol.for('jpki-validator.crash-point');

export function crashPoint(name: string): void {
  const handler = (globalThis as Record<symbol, unknown>)[HANDLER];
  if (typeof handler === 'function') (handler as (name: string) => void)(name);
}
