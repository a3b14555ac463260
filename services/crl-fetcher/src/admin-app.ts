/**
 * The fetcher's small admin HTTP app (built here, served by fetcher.ts): Prometheus `/metrics`, `/healthz`, and — when the
 * fetcher runs on a queue — the bull-board dashboard at `/admin/queues` (its docs' Hono set-up, node-server's serveStatic).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';
import type { FetcherMetrics } from './metrics.js';

export const DASHBOARD_PATH = '/admin/queues';

export interface AdminAppOptions {
  metrics: FetcherMetrics;
  /** queues shown on the dashboard; none (embedded mode): the dashboard path answers 404 with an explanation */
  queues?: readonly Queue[];
}

export function createAdminApp(options: AdminAppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', async (c) => {
    const body = await options.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': options.metrics.registry.contentType });
  });
  const queues = options.queues ?? [];
  if (queues.length > 0) {
    const serverAdapter = new HonoAdapter(serveStatic);
    createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
    serverAdapter.setBasePath(DASHBOARD_PATH);
    app.route(DASHBOARD_PATH, serverAdapter.registerPlugin());
  } else {
    app.get(`${DASHBOARD_PATH}/*`, (c) =>
      c.json({ error: 'no job queue: the fetcher runs in-process on the embedded store (set REDIS_URL for the queue)' }, 404),
    );
  }
  return app;
}
