/**
 * The OpenAPI document without a running validator: the app built over no CAs and no store, asked for `/openapi.json`. The routes
 * and their schemas do not depend on the config, so this is the document every validator serves (docs/api.md is rendered from it).
 */
import { createCaRegistry, StatusResolver } from '@jpki-validator/status';
import { pino } from 'pino';
import { createApp, type ValidatorApp } from './app.js';

/** an app with nothing configured: for the document and its route table, never for answers */
export async function bareApp(): Promise<ValidatorApp> {
  const resolver = new StatusResolver({
    registry: await createCaRegistry([]),
    snapshots: { snapshot: () => null },
    ocsp: null,
    meaning: (reason) => reason,
  });
  return createApp({ resolver, ocsp: null, probeStore: async () => true, logger: pino({ level: 'silent' }) });
}

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const { app } = await bareApp();
  return (await (await app.request('/openapi.json')).json()) as Record<string, unknown>;
}
