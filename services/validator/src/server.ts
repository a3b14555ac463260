/**
 * Wires a running validator: CA registry from the config, the store link, the OCSP checker, the resolver, the app, and a
 * listening HTTP server with a graceful close (stop accepting, drain in-flight requests, then close the store).
 */
import { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '@jpki-validator/config';
import { createCaRegistry, OcspChecker, StatusResolver, type OcspCheckerOptions } from '@jpki-validator/status';
import { openEmbeddedStore } from '@jpki-validator/store';
import { pino, type Logger } from 'pino';
import { createApp, type AppDeps, type ValidatorApp } from './app.js';
import { answerClientErrors } from './client-errors.js';
import { linkEmbedded, linkRedis, type StoreLink } from './store-link.js';
import { settleNextTickShape } from './tick-shape.js';
import { startAudit, type RunningAudit } from './audit/start-audit.js';
import { startOcspHistory } from './console/ocsp-history.js';

export interface StartValidatorOptions {
  config: Config;
  logger?: Logger;
  /** serve from this store instead of connecting per the config (`start` shares its embedded store with the fetcher) */
  store?: StoreLink;
  /** default config.port */
  port?: number;
  /** default 0.0.0.0 */
  host?: string;
  /** Redis key prefix (default `jpki`) */
  redisPrefix?: string;
  ocsp?: Omit<OcspCheckerOptions, 'kv'>;
  app?: Partial<Pick<AppDeps, 'rateLimit' | 'maxBatchBytes' | 'maxValidateBytes' | 'maxVerifyBytes' | 'personalAudit'>>;
  /** how long close() waits for in-flight requests before cutting connections (default 10 000) */
  drainMs?: number;
  /**
   * how long close() keeps serving, with /readyz 503, before it stops accepting (default 0): the time a load balancer needs to
   * see the 503 and stop routing here (HAProxy: its check interval × fall). Kubernetes does the same with a preStop sleep.
   */
  drainDelayMs?: number;
}

export interface RunningValidator extends ValidatorApp {
  /** the audit history (its `app.recorder` is null when it is off) */
  audit: RunningAudit;
  url: string;
  port: number;
  resolver: StatusResolver;
  store: StoreLink;
  close(): Promise<void>;
}

export async function startValidator(options: StartValidatorOptions): Promise<RunningValidator> {
  // before any connection is opened: see tick-shape.ts
  settleNextTickShape();
  const { config } = options;
  const logger = options.logger ?? pino({ name: 'jpki-validator' });
  for (const notice of config.notices) logger.info(notice);
  const registry = await createCaRegistry(config.issuers, { onNotice: (message, fields) => logger.info(fields, message) });
  const store =
    options.store ??
    (config.redisUrl
      ? linkRedis({ url: config.redisUrl, logger, ...(options.redisPrefix !== undefined ? { prefix: options.redisPrefix } : {}) })
      : linkEmbedded(
          await openEmbeddedStore({ dataDir: config.dataDir, onError: (e) => logger.warn({ err: e }, 'embedded store reload failed') }),
          true,
        ));
  const ocsp = registry.cas.some((ca) => ca.ocsp !== null)
    ? new OcspChecker({
        kv: store.kv,
        maxQueriesPerMinute: config.ocsp.maxQueriesPerMinute,
        costYenByMedium: config.ocsp.costYen,
        onEvent: (event) => {
          if (event.type === 'cache_error') logger.warn({ err: event.error }, 'OCSP cache unavailable; asking the responder');
          else logger.warn({ caId: event.caId, why: event.why, attempt: event.attempt }, event.message);
        },
        ...options.ocsp,
      })
    : null;
  const resolver = new StatusResolver({
    registry,
    snapshots: store.snapshots,
    storeAvailable: store.available,
    ocsp,
    meaning: config.profile.meaning,
  });
  const audit = await startAudit(config.audit, registry, logger);
  const ocspHistory = ocsp !== null && store.ops !== null ? startOcspHistory(ocsp, store.ops, logger) : null;
  let draining = false;
  const built = createApp({
    draining: () => draining,
    resolver,
    ocsp,
    probeStore: store.probe,
    storeDataLoss: store.dataLoss,
    logger,
    apiKeys: config.apiKeys,
    rateLimit: config.rateLimit,
    kv: store.kv,
    labels: { labels: config.profile.labels, labelLanguage: config.profile.labelLanguage },
    audit: audit.app,
    console: { ops: store.ops, storeKind: store.kind, ...(ocspHistory ? { beforeHistoryRead: ocspHistory.flush } : {}) },
    ...options.app,
  });

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: built.app.fetch, port: options.port ?? config.port, hostname: options.host ?? '0.0.0.0' }, () => resolve(s));
    s.once('error', reject);
  });
  // what Node's parser refuses (bad Content-Length, headers or URL over the limit) gets problem+json too
  if (server instanceof HttpServer) answerClientErrors(server, logger);
  const port = (server.address() as AddressInfo).port;
  const host = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  const url = `http://${host}:${port}`;
  logger.info({ port, store: store.kind, issuers: registry.cas.length, apiKeys: config.apiKeys.length > 0 }, 'validator listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      draining = true;
      const delayMs = options.drainDelayMs ?? 0;
      if (delayMs > 0) {
        logger.info({ delayMs }, 'validator draining: /readyz is 503; still serving until the balancer has seen it');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      logger.info('validator draining');
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // keep-alive connections with nothing in flight would hold close() open
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections();
          resolve();
        }, options.drainMs ?? 10_000);
      });
      await Promise.race([drained, deadline]);
      clearTimeout(timer);
      await audit.close();
      await ocspHistory?.close();
      await store.close();
      logger.info('validator closed');
    })());
  return { ...built, audit, url, port, resolver, store, close };
}
