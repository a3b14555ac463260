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
import { basicAuth } from 'hono/basic-auth';
import type { FetcherMetrics } from './metrics.js';

export const DASHBOARD_PATH = '/admin/queues';

export interface AdminAppOptions {
  metrics: FetcherMetrics;
  /** queues shown on the dashboard; none (embedded mode): the dashboard path answers 404 with an explanation */
  queues?: readonly Queue[];
  /**
   * who may open the dashboard (it can retry and delete jobs): `open` (the admin server listens on loopback only), a password
   * (HTTP basic auth, user `admin`), or `off` (listening beyond loopback without a password: the dashboard answers 404 saying
   * so; /metrics and /healthz stay open for Prometheus and the probes). Default `open`.
   */
  dashboard?: 'open' | 'off' | { password: string };
}

/** the user name of the dashboard's basic auth */
export const DASHBOARD_USER = 'admin';

/** whether an admin address reaches only this machine */
export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

export function createAdminApp(options: AdminAppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', async (c) => {
    const body = await options.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': options.metrics.registry.contentType });
  });
  const queues = options.queues ?? [];
  const dashboard = options.dashboard ?? 'open';
  if (queues.length > 0 && dashboard === 'off') {
    app.get(`${DASHBOARD_PATH}/*`, (c) =>
      c.json(
        {
          error:
            'the job dashboard is off: the admin server listens beyond loopback and ADMIN_PASSWORD is not set (set it to open the dashboard with basic auth, user admin)',
        },
        404,
      ),
    );
  } else if (queues.length > 0) {
    if (typeof dashboard === 'object') {
      const auth = basicAuth({ username: DASHBOARD_USER, password: dashboard.password, realm: 'jpki-validator fetcher' });
      app.use(DASHBOARD_PATH, auth);
      app.use(`${DASHBOARD_PATH}/*`, auth);
    }
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
