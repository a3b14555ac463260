/**
 * settleNextTickShape (src/tick-shape.ts), in fresh Node processes run with --allow-natives-syntax so V8 can say whether two
 * objects share a hidden class. An object built like Node's tick object (same keys, same order) stands in for the tick objects
 * themselves. Without the call, opening a real Redis connection with ioredis moves that shape to another hidden class (the
 * event that turns nextTick's feedback megamorphic); after the call it does not. The first case pins the premise: when a Node
 * release no longer shows it, the workaround can go. Measured on Node 24.21 (the tick object now also holds its
 * AsyncContextFrame): the premise still holds, so the workaround stays.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REDIS_URL = 'redis://127.0.0.1:6379';
const moduleUrl = new URL('../dist/tick-shape.js', import.meta.url).href;
const cwd = fileURLToPath(new URL('..', import.meta.url));

const childScript = `
import { AsyncResource } from 'node:async_hooks';
import { Redis } from 'ioredis';
import { settleNextTickShape } from ${JSON.stringify(moduleUrl)};
const settled = process.argv[1] === 'settle' ? settleNextTickShape() : null;
const symbols = Object.getOwnPropertySymbols(new AsyncResource('probe'));
const id = symbols.find((s) => s.description === 'async_id_symbol');
const trigger = symbols.find((s) => s.description === 'trigger_async_id_symbol');
const frame = symbols.find((s) => s.description === 'context_frame');
// this Node's tick object keys, in its order (Node 22+ adds the AsyncContextFrame after the ids)
const tickLike = () =>
  frame === undefined
    ? { [id]: 1, [trigger]: 2, callback: () => undefined, args: undefined }
    : { [id]: 1, [trigger]: 2, [frame]: undefined, callback: () => undefined, args: undefined };
const before = tickLike();
const redis = new Redis(${JSON.stringify(REDIS_URL)}, { lazyConnect: false });
const pong = await redis.ping();
await redis.quit();
const after = tickLike();
process.stdout.write(JSON.stringify({ settled, pong, sameHiddenClass: %HaveSameMap(before, after) }));
`;

async function run(mode: 'settle' | 'plain'): Promise<{ settled: boolean | null; pong: string; sameHiddenClass: boolean }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--allow-natives-syntax', '--input-type=module', '-e', childScript, mode],
    { cwd },
  );
  return JSON.parse(stdout) as { settled: boolean | null; pong: string; sameHiddenClass: boolean };
}

describe('settleNextTickShape', () => {
  it('without it, connecting to Redis moves the tick object shape to another hidden class (the premise)', async () => {
    const out = await run('plain');
    expect(out.pong).toBe('PONG');
    expect(out.sameHiddenClass).toBe(false);
  });

  it('with it, the shape keeps its hidden class across the connection', async () => {
    const out = await run('settle');
    expect(out).toEqual({ settled: true, pong: 'PONG', sameHiddenClass: true });
  });
});
