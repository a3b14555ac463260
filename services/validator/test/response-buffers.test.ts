/**
 * ResponseBufferPool (src/response-buffers.ts): a buffer is handed out again only after the response that carried it finished —
 * over real HTTP, so 'finish' is Node's own — never while it may still be written, never when the response did not finish.
 */
import { once } from 'node:events';
import { createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../src/json/json-bytes.js';
import { ResponseBufferPool } from '../src/buffers/response-buffers.js';
import { ScratchArrays, scratchBytesFor } from '../src/buffers/scratch-arrays.js';

const MB = 2 ** 20;

/** GET on a connection of its own (a pooled client could queue it behind the held response) */
function fetchBody(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('ResponseBufferPool', () => {
  it('reuses a buffer only once the response that wrote it has finished, over real HTTP', async () => {
    const pool = new ResponseBufferPool();
    const handed: Buffer[] = [];
    let release: (() => void) | null = null;
    const server = createServer((_req, res: ServerResponse) => {
      const buffer = pool.acquire(MB);
      handed.push(buffer);
      buffer.fill(0x61, 0, MB);
      pool.releaseAfter(buffer, res);
      // the first response waits: its buffer must stay out of the pool meanwhile
      if (handed.length === 1) release = () => res.end(buffer.subarray(0, MB));
      else res.end(buffer.subarray(0, MB));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const first = fetchBody(url);
      while (release === null) await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await fetchBody(url);
      expect(second.length).toBe(MB);
      expect(handed[1]).not.toBe(handed[0]);
      expect(pool.size).toBe(1); // the second's, back after its finish; the first is still out
      (release as () => void)();
      expect((await first).length).toBe(MB);
      while (pool.size < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      const third = await fetchBody(url);
      expect(third.equals(Buffer.alloc(MB, 0x61))).toBe(true);
      expect(handed.slice(0, 2)).toContain(handed[2]);
    } finally {
      server.close();
    }
  });

  it('never takes back a buffer whose response did not finish, or without a response to wait for', () => {
    const pool = new ResponseBufferPool();
    const buffer = pool.acquire(MB);
    pool.releaseAfter(buffer, undefined);
    pool.releaseAfter(buffer, { once: () => undefined }); // a response that never finishes
    expect(pool.size).toBe(0);
    expect(pool.acquire(MB)).not.toBe(buffer);
  });

  it('keeps a bounded number of large buffers and hands small requests fresh ones', () => {
    const pool = new ResponseBufferPool(2, 4 * MB);
    const buffers = [pool.acquire(MB), pool.acquire(MB), pool.acquire(MB), pool.acquire(8 * MB), pool.acquire(1024)];
    for (const b of buffers) pool.release(b);
    expect(pool.size).toBe(2); // two of the 1 MB ones: the 8 MB one is over the limit, the small one under the floor
    expect(buffers.slice(0, 3)).toContain(pool.acquire(MB));
    expect(pool.acquire(2 * MB)).not.toBe(buffers[3]); // none kept is large enough
    const small = pool.acquire(1024);
    expect(buffers).not.toContain(small);
  });

  it('a writer that outgrew its pooled buffer says so, and the buffer can go straight back', () => {
    const pool = new ResponseBufferPool();
    const buffer = pool.acquire(64 * 1024);
    const out = new JsonBytes(buffer);
    out.ascii('x'.repeat(1000));
    expect(out.writesInto(buffer)).toBe(true);
    out.ascii('y'.repeat(70 * 1024));
    expect(out.writesInto(buffer)).toBe(false);
    expect(Buffer.from(out.result()).toString('latin1')).toBe('x'.repeat(1000) + 'y'.repeat(70 * 1024));
    pool.release(buffer);
    expect(pool.size).toBe(1);
  });
});

describe('ScratchArrays', () => {
  it('carves aligned views out of one buffer, side by side, and allocates once it runs out', () => {
    const buffer = Buffer.allocUnsafeSlow(scratchBytesFor(10));
    const scratch = new ScratchArrays(buffer);
    const a = scratch.int32(3);
    const b = scratch.float64(2);
    const c = scratch.int32(5);
    for (const view of [a, b, c]) {
      expect(view.buffer).toBe(buffer.buffer);
      expect(view.byteOffset % 8).toBe(0);
    }
    a.fill(-1);
    b.fill(0.5);
    c.fill(7);
    expect([...a, ...b, ...c]).toEqual([-1, -1, -1, 0.5, 0.5, 7, 7, 7, 7, 7]);
    const fresh = scratch.float64(10_000);
    expect(fresh.buffer).not.toBe(buffer.buffer);
    expect(fresh.every((x) => x === 0)).toBe(true);
    expect(new ScratchArrays(null).int32(4).buffer).not.toBe(buffer.buffer);
  });
});
