/**
 * The webhook queue without Redis: a durable outbox directory, one file per (batch, webhook). A pass's batches are staged as
 * `<batch>.json.staged` (ignored by delivery) and published by renaming them to `<batch>.json` — the pass records each step, so a
 * batch is published once however often a crashed delivery is resumed: a staged file already renamed is simply not there any
 * more. A published file is removed only after the receiver answered 2xx. `deliverPending` runs after every pass and on the
 * watcher's interval, so a webhook that was down gets its batches when it comes back.
 */
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processExists } from '@jpki-validator/files';
import type { WatchEvent } from '../types.js';
import { deliverBatch, secretFor, type DeliverOptions, type WebhookBatch, type WebhookQueue } from '../webhook.js';
import type { WatchSinkConfig } from '../pass.js';
import { crashPoint } from '../crash-point.js';
import { syncDirectory } from './file-backend.js';

export interface DeliveryReport {
  delivered: number;
  /** batches still waiting (receiver down, or its sink no longer configured) */
  pending: number;
  errors: string[];
}

export class WebhookOutbox implements WebhookQueue {
  readonly dir: string;
  readonly local = true;

  constructor(dir: string) {
    this.dir = dir;
  }

  async stage(batches: readonly WebhookBatch[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const b of batches) {
      await writeFile(join(this.dir, `${b.batchId}.json${STAGED}`), JSON.stringify({ url: b.url, events: b.events }), { flush: true });
      crashPoint('outbox.staged-one');
    }
  }

  async publish(batches: readonly WebhookBatch[]): Promise<void> {
    for (const b of batches) {
      const path = join(this.dir, `${b.batchId}.json`);
      try {
        await rename(`${path}${STAGED}`, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      crashPoint('outbox.published-one');
    }
    if (batches.length > 0) await syncDirectory(this.dir);
  }

  /** batch files in creation order is not needed: every event carries detectedAt; names sort for a stable order */
  async pendingBatches(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /**
   * Delivers every waiting batch. Each batch file is first claimed by renaming it to `<batch>.json.sending-<pid>`: a `watch run`
   * and a running `fetch` sharing the data directory may both deliver, and only the one whose rename succeeds POSTs the batch.
   * A failed POST puts the file back; a claim left by a process that died mid-POST is put back on the next call.
   */
  async deliverPending(sinks: readonly WatchSinkConfig[], options: DeliverOptions = {}): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, pending: 0, errors: [] };
    await this.reclaimAbandoned();
    for (const name of await this.pendingBatches()) {
      const path = join(this.dir, name);
      const claimed = `${path}${CLAIM}${process.pid}`;
      try {
        await rename(path, claimed);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process has it
        throw e;
      }
      const batch = JSON.parse(await readFile(claimed, 'utf8')) as { url: string; events: WatchEvent[] };
      const secret = secretFor(sinks, batch.url);
      if (secret === null) {
        await rename(claimed, path);
        report.pending++;
        report.errors.push(`${name}: webhook ${batch.url} is no longer configured; the batch is kept`);
        continue;
      }
      try {
        await deliverBatch(batch.url, secret, batch.events, { ...options, batchId: name.slice(0, -'.json'.length) });
        crashPoint('outbox.posted');
        await unlink(claimed);
        report.delivered++;
      } catch (e) {
        await rename(claimed, path);
        report.pending++;
        report.errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    return report;
  }

  /** Claims whose process is gone (killed mid-POST) go back to the queue: the receiver may see that batch twice, never zero times. */
  private async reclaimAbandoned(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const name of names) {
      const at = name.indexOf(CLAIM);
      if (at < 0) continue;
      const pid = Number(name.slice(at + CLAIM.length));
      if (pid === process.pid || processExists(pid)) continue;
      await rename(join(this.dir, name), join(this.dir, name.slice(0, at))).catch(() => undefined);
    }
  }
}

const CLAIM = '.sending-';
const STAGED = '.staged';
