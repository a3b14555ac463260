/**
 * Whether the status fast path may answer. It stands in for exactly the handlers it repeats in line — the request context and
 * API-key middleware, and the status route's own handler — and for nothing else: any other handler Hono would run for
 * `GET /v1/status/{issuer}/{serial}` before the route's handler (a CORS or security-header middleware registered with
 * `app.use`) closes the gate, and those requests take the routed path, which runs it. Handlers registered after the route's
 * handler do not run for it (the handler answers without calling next), so they do not count. Hono's own pattern router decides
 * what matches, in the order Hono runs it; the check runs again whenever the app's routes change (every `use`/`get` appends).
 */
import { PatternRouter } from 'hono/router/pattern-router';

interface RouteEntry {
  method: string;
  path: string;
  handler: unknown;
}

export interface FastPathGate {
  /** true while every handler for the status GET is one the fast path stands in for */
  isOpen(): boolean;
}

export interface FastPathStandIns {
  /** the middleware the fast path repeats in line */
  middleware: ReadonlySet<unknown>;
  /** the status route's own handlers: the chain ends there */
  route: ReadonlySet<unknown>;
}

/** a status GET's path as the router sees it */
const PROBE_PATH = '/v1/status/issuer/01';

export function createFastPathGate(
  app: { readonly routes: readonly RouteEntry[] },
  standsInFor: FastPathStandIns,
  onClose: (strangers: readonly string[]) => void,
): FastPathGate {
  let checkedRoutes = -1;
  let open = false;
  return {
    isOpen() {
      if (app.routes.length === checkedRoutes) return open;
      checkedRoutes = app.routes.length;
      const router = new PatternRouter<unknown>();
      for (const route of app.routes) router.add(route.method, route.path, route.handler);
      const strangers: string[] = [];
      for (const [handler] of router.match('GET', PROBE_PATH)[0]) {
        if (standsInFor.route.has(handler)) break;
        if (!standsInFor.middleware.has(handler))
          strangers.push(typeof handler === 'function' && handler.name !== '' ? handler.name : '(anonymous)');
      }
      open = strangers.length === 0;
      if (!open) onClose(strangers);
      return open;
    },
  };
}
