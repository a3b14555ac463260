/**
 * Keeps `process.nextTick` on its fast path for the life of the process. Call once, early (startValidator and the CLI do).
 *
 * Node builds each tick object as a literal with computed symbol keys (lib/internal/process/task_queues.js): Node 20
 * `{ [async_id_symbol]: asyncId, [trigger_async_id_symbol]: triggerAsyncId, callback, args }`, Node 24 the same with
 * `[async_context_frame]` after the two ids. Still so on Node 24: test/tick-shape.test.ts measures the premise on the Node that
 * runs it, with this Node's keys.
 * V8 keeps only monomorphic feedback for such computed keys: the first time a tick object arrives with another hidden class, the
 * site turns megamorphic and every later tick object is built in the runtime (Runtime_DefineKeyedOwnPropertyInLiteral) — in
 * every stream and HTTP callback, for the rest of the process. The hidden class changes when an id arrives boxed as a heap
 * number instead of a small integer (ioredis calls nextTick while connecting, from inside a promise executor, and does exactly
 * that), because the id fields are then widened from small-integer to double and the old classes are deprecated. Measured on
 * the status GET (bench/RESULTS.md): with a Redis connection the process spent ~10 % of its CPU there and answered ~12 % fewer
 * requests per second than the same process before it connected.
 *
 * Building one object of that shape with non-number ids first widens those fields to "any value" in place (no class is
 * deprecated), so neither small integers nor heap numbers change the class afterwards. The object is kept so the widened
 * classes are never collected and rebuilt narrow. Where the symbols cannot be found (another Node), this does nothing.
 */
import { AsyncResource } from 'node:async_hooks';

let held: object | null = null;

/** true once the shape is settled (false where this Node's symbols are not found) */
export function settleNextTickShape(): boolean {
  if (held !== null) return true;
  // AsyncResource stores its ids under the same two internal symbols as the tick objects
  const symbols = Object.getOwnPropertySymbols(new AsyncResource('jpki-validator-tick-shape'));
  const asyncId = symbols.find((s) => s.description === 'async_id_symbol');
  const triggerAsyncId = symbols.find((s) => s.description === 'trigger_async_id_symbol');
  // Node 22+: AsyncContextFrame, stored under the same symbol by AsyncResource and the tick object
  const contextFrame = symbols.find((s) => s.description === 'context_frame');
  if (asyncId === undefined || triggerAsyncId === undefined) return false;
  // the same keys in the same order as the tick object literal: the same chain of hidden classes
  held =
    contextFrame === undefined
      ? { [asyncId]: '', [triggerAsyncId]: '', callback: settleNextTickShape, args: undefined }
      : { [asyncId]: '', [triggerAsyncId]: '', [contextFrame]: undefined, callback: settleNextTickShape, args: undefined };
  return true;
}
