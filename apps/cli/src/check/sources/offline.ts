/**
 * `check --crl FILE_OR_URL…`: the CRLs are verified and loaded into an in-process embedded store (memory only), through the
 * fetcher's own ingest (signature against the CA's key, issuer, usability, CRL number rules). Each CRL is matched to its CA by
 * issuer name, then by key (JPKI generations share a name): the CA whose key verifies it. An unverifiable CRL is refused (exit 2)
 * unless `--no-verify`, which scans it straight into the store, attributed to the CA whose name it carries.
 *
 * Scope (issue 10): a CRL that covers only part of its scope (onlySomeReasons, onlyContainsCACerts, onlyContainsAttributeCerts) is
 * refused. A CA's CRLs vouch for a bare serial only as a complete set:
 * - a full CRL (no distribution point in its issuingDistributionPoint) covers every serial of its CA;
 * - with the CA's partitions configured (`--config`), each partition CRL fills the configured partition its distribution point
 *   names (one it names none of is refused), and a configured partition no CRL fills keeps every unlisted serial `unknown`;
 * - without them, partition CRLs alone are never a complete set — a serial they do not list may belong to a partition not given —
 *   so unlisted serials are `unknown` (issuer_not_loaded), unless `--complete-set` declares the CRLs given every partition there is.
 */
import { Readable } from 'node:stream';
import { CrlRejectedError, createSource, ingestCrl } from '@jpki-validator/crl-fetcher';
import { partitionNameOf, type PartitionConfig } from '@jpki-validator/config';
import { openEmbeddedStore, type EmbeddedRevocationStore } from '@jpki-validator/store';
import type { CaRegistry, RegisteredCa } from '@jpki-validator/status';
import {
  checkCrlSlotScope,
  crlOwnScope,
  dirNameTextScopeName,
  scanCrl,
  scopeNamesMeet,
  scopeNamesText,
  serialFromDer,
  uriScopeName,
  X509Error,
  type CrlHeader,
  type ScopeName,
} from '@jpki-validator/x509';
import { InputError, UsageError } from '../../errors.js';
import { isUrl, openCrlSource } from '../../commands/input-files.js';
import { resolve } from 'node:path';

export interface OfflineLoadOptions {
  crls: readonly string[];
  registry: CaRegistry;
  verify: boolean;
  /** the CRLs given are every partition of their CA (`--complete-set`) */
  completeSet?: boolean;
  cwd: string;
  now?: () => number;
}

export interface OfflineLoad {
  store: EmbeddedRevocationStore;
  /** per CA id, the slots a bare serial needs loaded and fresh: the CRLs given, and any configured partition none of them fills */
  partitions: Map<string, PartitionConfig[]>;
  /** what limits the answers, one line per CA (printed on stderr) */
  notes: string[];
}

/** thrown from onHeader to stop a scan once the header is known */
class HeaderRead extends Error {
  readonly header: CrlHeader;
  constructor(header: CrlHeader) {
    super('header read');
    this.header = header;
  }
}

/** a CRL loaded, with the distribution point names it covers (null: the CA's whole scope) */
interface LoadedCrl {
  crl: string;
  slot: PartitionConfig;
  names: ScopeName[] | null;
}

/** stands for the partitions no CRL given covers: configured nowhere, never loaded, so unlisted serials stay unknown */
const NOT_GIVEN: PartitionConfig = Object.freeze({
  name: '(partitions not given)',
  source: '(not given)',
  scope: 'partition',
  uris: [],
  dirNames: [],
});

export async function loadOfflineCrls(options: OfflineLoadOptions): Promise<OfflineLoad> {
  const store = await openEmbeddedStore();
  const byCa = new Map<string, LoadedCrl[]>();
  const taken: string[] = [];
  for (const crl of options.crls) {
    const location = isUrl(crl) ? crl : resolve(options.cwd, crl);
    const header = await readHeader(crl, options.cwd);
    const candidates = options.registry.cas.filter((ca) => Buffer.compare(ca.certificate.subject.der, header.issuer.der) === 0);
    if (candidates.length === 0) {
      const known =
        options.registry.cas.map((ca) => `${ca.id} (${ca.certificate.subject.text})`).join(', ') || 'none (give --ca CERT or --config)';
      throw new UsageError(`CRL ${crl}: its issuer "${header.issuer.text}" is none of the CAs: ${known}`);
    }
    const name = uniqueName(partitionNameOf(crl), taken);
    taken.push(name);
    // each file is its own slot: its scope is learnt from it, and must be complete for what it names
    const slot: PartitionConfig = { name, source: location, scope: 'partition', uris: [], dirNames: [] };
    const loaded = options.verify
      ? await ingestVerified(store, crl, location, slot, candidates, options)
      : await loadUnverified(store, crl, location, slot, candidates);
    const list = byCa.get(loaded.ca.id) ?? [];
    list.push({ crl, slot, names: loaded.names });
    byCa.set(loaded.ca.id, list);
  }
  const partitions = new Map<string, PartitionConfig[]>();
  const notes: string[] = [];
  for (const [caId, loaded] of byCa) {
    const ca = options.registry.get(caId);
    if (ca === undefined) continue;
    partitions.set(caId, slotsOf(ca, loaded, options.completeSet === true, notes));
  }
  return { store, partitions, notes };
}

/** the CA's slots for the resolver (see the file comment) */
function slotsOf(ca: RegisteredCa, loaded: readonly LoadedCrl[], completeSet: boolean, notes: string[]): PartitionConfig[] {
  const given = loaded.map((l) => l.slot);
  if (loaded.some((l) => l.names === null)) return given;
  const configured = ca.partitions;
  if (configured.length === 0) {
    if (completeSet) return given;
    notes.push(
      `check: ${ca.id}: only partition CRLs were given (${loaded.map((l) => l.crl).join(', ')}); a serial they do not list is unknown — give the full CRL, every partition with --config, or --complete-set`,
    );
    return [...given, NOT_GIVEN];
  }
  const slots: PartitionConfig[] = [];
  const used = new Set<LoadedCrl>();
  for (const slot of configured) {
    const names = [...slot.uris.map(uriScopeName), ...slot.dirNames.map(dirNameTextScopeName)];
    const matches = loaded.filter((l) => l.names !== null && scopeNamesMeet(l.names, names));
    for (const m of matches) used.add(m);
    if (matches.length > 0) slots.push(...matches.map((m) => m.slot));
    else slots.push(slot);
  }
  const stray = loaded.find((l) => !used.has(l));
  if (stray !== undefined) {
    throw new InputError(
      `CRL ${stray.crl} covers distribution point ${scopeNamesText(stray.names ?? [])}, which is none of the partitions configured for ${ca.id}`,
    );
  }
  const missing = configured.filter((slot) => slots.includes(slot));
  if (missing.length > 0) {
    notes.push(
      `check: ${ca.id}: no CRL given for ${missing.length} of its ${configured.length} configured partitions (${missing
        .slice(0, 5)
        .map((p) => p.name)
        .join(', ')}${missing.length > 5 ? ', …' : ''}); a serial the CRLs given do not list is unknown`,
    );
  }
  return slots;
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
): Promise<{ ca: RegisteredCa; names: ScopeName[] | null }> {
  const refusals: string[] = [];
  for (const ca of candidates) {
    try {
      const result = await ingestCrl({
        store,
        ca,
        partition,
        source: createSource(location),
        skewSeconds: ca.freshness.skewSeconds,
        slot: { kind: 'any', names: [] },
        ...(options.now ? { now: options.now } : {}),
      });
      if (result.outcome === 'not-modified') throw new InputError(`CRL ${crl}: read as "not modified" in a store that was empty`);
      return { ca, names: result.scopeNames };
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
): Promise<{ ca: RegisteredCa; names: ScopeName[] | null }> {
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
    // unverified, but its scope is judged as a verified one's: a CRL complete for part of its scope must not vouch for the rest
    const scope = checkCrlSlotScope({ kind: 'any', names: [] }, result.issuingDistributionPoint, result.header.issuer.der);
    if (!scope.ok) throw new InputError(`CRL ${crl} refused: ${scope.message}`);
    const delta = result.deltaCrlIndicator;
    await loader.commit({
      crlNumber: result.crlNumber ?? 0n,
      thisUpdateMs: result.header.thisUpdate.getTime(),
      nextUpdateMs: result.header.nextUpdate?.getTime() ?? null,
      isDelta: delta !== null,
      ...(delta === null ? {} : { baseCrlNumber: delta }),
    });
    return { ca, names: crlOwnScope(result.issuingDistributionPoint, result.header.issuer.der).names };
  } catch (error) {
    await loader.abort();
    if (error instanceof X509Error) throw new InputError(`malformed CRL ${crl}: ${error.message}`, { cause: error });
    throw error;
  }
}

function uniqueName(name: string, taken: readonly string[]): string {
  let candidate = name;
  for (let n = 2; taken.includes(candidate); n++) candidate = `${name}-${n}`;
  return candidate;
}
