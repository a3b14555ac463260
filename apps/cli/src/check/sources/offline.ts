/**
 * `check --crl FILE_OR_URL…`: the CRLs are verified and loaded into an in-process embedded store (memory only), through the
 * fetcher's own ingest (signature against the CA's key, issuer, usability, CRL number rules). Each CRL is matched to its CA by
 * issuer name, then by key (JPKI generations share a name): the CA whose key verifies it. An unverifiable CRL is refused (exit 2)
 * unless `--no-verify`, which scans it straight into the store, attributed to the CA whose name it carries.
 */
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { CrlRejectedError, createSource, ingestCrl } from '@jpki-validator/crl-fetcher';
import type { PartitionConfig } from '@jpki-validator/config';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import type { CaRegistry, RegisteredCa } from '@jpki-validator/status';
import { scanCrl, serialFromDer, X509Error, type CrlHeader } from '@jpki-validator/x509';
import { InputError, UsageError } from '../../errors.js';
import { isUrl, openCrlSource } from '../../commands/input-files.js';

export interface OfflineLoadOptions {
  crls: readonly string[];
  registry: CaRegistry;
  verify: boolean;
  cwd: string;
  now?: () => number;
}

export interface OfflineLoad {
  store: EmbeddedRevocationStore;
  /** per CA id, the partitions (one per CRL) loaded for it */
  partitions: Map<string, PartitionConfig[]>;
}

/** thrown from onHeader to stop a scan once the header is known */
class HeaderRead extends Error {
  readonly header: CrlHeader;
  constructor(header: CrlHeader) {
    super('header read');
    this.header = header;
  }
}

export async function loadOfflineCrls(options: OfflineLoadOptions): Promise<OfflineLoad> {
  const store = await openEmbeddedStore();
  const partitions = new Map<string, PartitionConfig[]>();
  const taken: PartitionConfig[] = [];
  for (const crl of options.crls) {
    const location = isUrl(crl) ? crl : resolve(options.cwd, crl);
    const header = await readHeader(crl, options.cwd);
    const candidates = options.registry.cas.filter((ca) => Buffer.compare(ca.certificate.subject.der, header.issuer.der) === 0);
    if (candidates.length === 0) {
      const known =
        options.registry.cas.map((ca) => `${ca.id} (${ca.certificate.subject.text})`).join(', ') || 'none (give --ca CERT or --config)';
      throw new UsageError(`CRL ${crl}: its issuer "${header.issuer.text}" is none of the CAs: ${known}`);
    }
    const partition: PartitionConfig = { name: uniqueName(partitionName(crl), taken), source: location };
    taken.push(partition);
    const ca = options.verify
      ? await ingestVerified(store, crl, location, partition, candidates, options)
      : await loadUnverified(store, crl, location, partition, candidates);
    const list = partitions.get(ca.id) ?? [];
    list.push(partition);
    partitions.set(ca.id, list);
  }
  return { store, partitions };
}

async function readHeader(crl: string, cwd: string): Promise<CrlHeader> {
  const body = await openCrlSource(crl, cwd);
  try {
    await scanCrl(body, {
      onHeader: (header) => {
        throw new HeaderRead(header);
      },
    });
  } catch (error) {
    if (error instanceof HeaderRead) return error.header;
    if (error instanceof X509Error) throw new InputError(`malformed CRL ${crl}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    // the scan stopped at the header: close the file (or the HTTP body) it was reading
    if (body instanceof Readable) body.destroy();
  }
  throw new InputError(`malformed CRL ${crl}: no header`);
}

/** tries each CA of the CRL's name; the one whose key verifies it takes it */
async function ingestVerified(
  store: EmbeddedRevocationStore,
  crl: string,
  location: string,
  partition: PartitionConfig,
  candidates: readonly RegisteredCa[],
  options: OfflineLoadOptions,
): Promise<RegisteredCa> {
  const refusals: string[] = [];
  for (const ca of candidates) {
    try {
      await ingestCrl({
        store,
        ca,
        partition,
        source: createSource(location),
        skewSeconds: ca.freshness.skewSeconds,
        ...(options.now ? { now: options.now } : {}),
      });
      return ca;
    } catch (error) {
      if (!(error instanceof CrlRejectedError)) throw error;
      // another generation of the same name may hold the key: try it; any other refusal is final
      if (error.reason !== 'signature' && error.reason !== 'issuer')
        throw new InputError(`CRL ${crl} refused: ${error.message}`, { cause: error });
      refusals.push(`${ca.id}: ${error.message}`);
    }
  }
  throw new InputError(`CRL ${crl} cannot be verified (${refusals.join('; ')}); --no-verify loads it without checking its signature`);
}

/** --no-verify: scanned straight into the store, attributed to the (newest) CA carrying its issuer name */
async function loadUnverified(
  store: EmbeddedRevocationStore,
  crl: string,
  location: string,
  partition: PartitionConfig,
  candidates: readonly RegisteredCa[],
): Promise<RegisteredCa> {
  const ca = [...candidates].sort((a, b) => b.certificate.notBefore.getTime() - a.certificate.notBefore.getTime())[0];
  if (ca === undefined) throw new UsageError(`CRL ${crl}: no CA to attribute it to`);
  const loader = await store.beginLoad({ caId: ca.id, partition: partition.name, source: location });
  try {
    const result = await scanCrl(await openCrlSource(location, ''), {
      onEntry: (e) => {
        if (e.serialNumber >= 0) loader.add(e.serialNumber, e.reason, e.revocationDate, e.invalidityDate);
        else loader.addLong(serialFromDer(e.buf, e.serialStart, e.serialEnd), e.reason, e.revocationDate, e.invalidityDate);
      },
    });
    const delta = result.deltaCrlIndicator;
    await loader.commit({
      crlNumber: result.crlNumber ?? 0n,
      thisUpdateMs: result.header.thisUpdate.getTime(),
      nextUpdateMs: result.header.nextUpdate?.getTime() ?? null,
      isDelta: delta !== null,
      ...(delta === null ? {} : { baseCrlNumber: delta }),
    });
    return ca;
  } catch (error) {
    await loader.abort();
    if (error instanceof X509Error) throw new InputError(`malformed CRL ${crl}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** the config's naming rule: the file's base name without .crl/.der/.pem */
function partitionName(crl: string): string {
  return basename(crl.replace(/[?#].*$/, '')).replace(/\.(crl|der|pem)$/i, '') || crl;
}

function uniqueName(name: string, taken: readonly PartitionConfig[]): string {
  let candidate = name;
  for (let n = 2; taken.some((p) => p.name === candidate); n++) candidate = `${name}-${n}`;
  return candidate;
}
