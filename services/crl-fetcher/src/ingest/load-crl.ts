import { createHash } from 'node:crypto';
import {
  checkCrlSlotScope,
  crlOwnScope,
  formatTime,
  scanCrl,
  serialFromDer,
  X509Error,
  type CrlScanResult,
  type CrlSlotScope,
  type ScopeName,
} from '@jpki-validator/x509';
import {
  CrlNumberReusedError,
  DeltaBaseError,
  EntryError,
  RollbackError,
  type CrlLoader,
  type RevocationStore,
} from '@jpki-validator/store';
import type { PartitionConfig } from '@jpki-validator/config';
import { CrlRejectedError } from '../errors.js';
import type { CrlSource } from '../sources/types.js';
import { readFetchState, writeFetchState } from './fetch-state.js';
import { slotScopeOf } from './slot-scope.js';
import type { TrustedCa } from './trusted-ca.js';

export interface IngestOptions {
  store: RevocationStore;
  ca: TrustedCa;
  partition: PartitionConfig;
  source: CrlSource;
  /** how far thisUpdate may be ahead of our clock */
  skewSeconds: number;
  now?: () => number;
  signal?: AbortSignal;
  /**
   * The scope the CRL must prove it is: by default the partition's configured slot (`slotScopeOf`). `{kind: 'any'}`: any scope, as
   * long as the CRL is complete for end-entity certificates — for `check --crl`, where each file is its own slot and the caller
   * then asks `scopeNames` what it covers.
   */
  slot?: CrlSlotScope;
}

export type IngestResult =
  | { outcome: 'not-modified'; caId: string; partition: string }
  | { outcome: 'unchanged'; caId: string; partition: string; crlNumber: bigint; scopeNames: ScopeName[] | null }
  | {
      outcome: 'loaded';
      caId: string;
      partition: string;
      /** the distribution point names the CRL covers; null for a CRL of the CA's whole scope */
      scopeNames: ScopeName[] | null;
      crlNumber: bigint;
      isDelta: boolean;
      generation: number;
      entries: number;
      bytes: number;
      thisUpdate: string;
      nextUpdate: string | null;
      /** loaded, but its nextUpdate has passed (or it has none): answers from it are `unknown`/`crl_stale` */
      stale: boolean;
      /** per reason code, the entries this switch newly listed or re-reasoned (null: the partition's first load) */
      addedByReason: number[] | null;
    };

/**
 * One CRL, from source to visible: fetched (conditionally), scanned as it streams with the signature checked against the CA key,
 * its entries loaded into a generation that nobody sees yet, then — only when every rule holds — switched in one atomic step.
 * A bad CRL never replaces a good one: any rejection aborts the load and the previous generation keeps serving.
 */
export async function ingestCrl(options: IngestOptions): Promise<IngestResult> {
  const { store, ca, partition, source } = options;
  const now = options.now ?? Date.now;
  const ids = { caId: ca.id, partition: partition.name };
  // What the fetcher remembers (validators for a conditional GET, the last CRL number) counts only while the store still holds
  // that CRL: after a data loss — or on a Redis Cluster, a lost shard that took the CA's data but not this record — a 304 or an
  // "unchanged" would leave the partition empty until its CRL next changes.
  // read side by side (one round trip on Redis, not two: a daily refresh is 1,741 of these, nearly all then answered 304)
  const [remembered, held] = await Promise.all([
    readFetchState(store.kv, ca.id, partition.name),
    store.partitionMeta(ca.id, partition.name),
  ]);
  const previous = remembered !== null && held !== null && held.crlNumber.toString() === remembered.crlNumber ? remembered : null;
  const fetched = await source.fetch(previous, options.signal);
  if (fetched.kind === 'not-modified') return { outcome: 'not-modified', ...ids };

  // ~37 bytes an entry in a JPKI-like CRL (4-byte serial, UTCTime, reasonCode): room for them all at once, no doubling copies.
  const expectedEntries = fetched.sizeBytes === null ? undefined : Math.ceil(fetched.sizeBytes / 37);
  const loader = await store.beginLoad({ ...ids, source: fetched.origin, ...(expectedEntries === undefined ? {} : { expectedEntries }) });
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of fetched.kind === 'body' ? fetched.body : []) {
      bytes += chunk.length;
      yield chunk;
    }
  }

  let committed = false;
  try {
    const result = await scanInto(loader, counted(), ca, fetched.origin);
    const slot = options.slot ?? slotScopeOf(partition);
    const crlNumber = checkCrl(result, ca, fetched.origin, now(), options.skewSeconds, slot);
    const scopeNames = crlOwnScope(result.issuingDistributionPoint, result.header.issuer.der).names;
    // The verified signature identifies the content: same tbsCertList ⇔ same signature (for RSA PKCS#1 v1.5 exactly; for a
    // randomised scheme a re-signed identical CRL reads as "different content" and is refused, which fails safe). Hashing the
    // whole body again would cost as much as the signature check.
    const signatureSha256 = createHash('sha256').update(result.signatureValue).digest('hex');
    if (previous && previous.crlNumber === crlNumber.toString()) {
      // Same number: identical bytes is a no-op; different bytes under one number is a CA fault we must not paper over.
      if (previous.signatureSha256 !== signatureSha256) {
        throw new CrlRejectedError(
          'crl_number_reused',
          `${fetched.origin}: CRL number ${crlNumber} was already loaded with different content`,
        );
      }
      await writeFetchState(store.kv, ca.id, partition.name, { ...previous, ...fetched.validators });
      return { outcome: 'unchanged', ...ids, crlNumber, scopeNames };
    }
    const isDelta = result.deltaCrlIndicator !== null;
    const report = await commit(loader, result, crlNumber, fetched.origin, signatureSha256);
    committed = true;
    await writeFetchState(store.kv, ca.id, partition.name, {
      ...fetched.validators,
      crlNumber: crlNumber.toString(),
      signatureSha256,
      bytes,
    });
    if (report.outcome === 'noop') return { outcome: 'unchanged', ...ids, crlNumber, scopeNames };
    const nextUpdate = result.header.nextUpdate;
    return {
      outcome: 'loaded',
      ...ids,
      scopeNames,
      crlNumber,
      isDelta,
      generation: report.generation,
      entries: result.entryCount,
      bytes,
      thisUpdate: formatTime(result.header.thisUpdate),
      nextUpdate: nextUpdate ? formatTime(nextUpdate) : null,
      stale: nextUpdate === null || nextUpdate.getTime() <= now(),
      addedByReason: report.addedByReason,
    };
  } finally {
    if (!committed) await loader.abort();
  }
}

async function scanInto(loader: CrlLoader, body: AsyncIterable<Uint8Array>, ca: TrustedCa, origin: string): Promise<CrlScanResult> {
  try {
    return await scanCrl(body, {
      issuerKey: ca.key,
      onEntry: (e) => {
        if (e.serialNumber >= 0) loader.add(e.serialNumber, e.reason, e.revocationDate, e.invalidityDate);
        else loader.addLong(serialFromDer(e.buf, e.serialStart, e.serialEnd), e.reason, e.revocationDate, e.invalidityDate);
      },
    });
  } catch (error) {
    if (error instanceof X509Error) throw new CrlRejectedError('malformed', `${origin}: ${error.message}`, { cause: error });
    if (error instanceof EntryError) throw new CrlRejectedError('malformed', `${origin}: ${error.message}`, { cause: error });
    throw error;
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

/** The rules a CRL must pass before it may become visible; returns its CRL number. */
function checkCrl(result: CrlScanResult, ca: TrustedCa, origin: string, nowMs: number, skewSeconds: number, slot: CrlSlotScope): bigint {
  const codes = new Set(result.problems.map((p) => p.code));
  if (result.signature !== 'valid' || codes.has('SIGNATURE_ALGORITHM_MISMATCH') || codes.has('UNSUPPORTED_ALGORITHM')) {
    throw new CrlRejectedError('signature', `${origin}: signature does not verify with the key of CA ${ca.id}`);
  }
  if (!sameBytes(result.header.issuer.der, ca.certificate.subject.der)) {
    throw new CrlRejectedError(
      'issuer',
      `${origin}: issuer "${result.header.issuer.text}" is not CA ${ca.id} ("${ca.certificate.subject.text}")`,
    );
  }
  const ski = ca.certificate.subjectKeyIdentifier;
  if (result.authorityKeyIdentifier && ski && !sameBytes(result.authorityKeyIdentifier, ski)) {
    throw new CrlRejectedError('issuer', `${origin}: authorityKeyIdentifier does not name the key of CA ${ca.id}`);
  }
  if (codes.has('INDIRECT_CRL')) throw new CrlRejectedError('indirect', `${origin}: indirect CRLs are not supported`);
  if (!result.usable) {
    throw new CrlRejectedError('unusable', `${origin}: ${result.problems.map((p) => p.message).join('; ')}`);
  }
  // RFC 5280 §6.3.3 (b): the CRL must be the scope of the slot it fills, complete for end-entity certificates — a genuine CRL of
  // another partition, or one covering only some reasons, would otherwise make unlisted serials of this slot read as good
  const scope = checkCrlSlotScope(slot, result.issuingDistributionPoint, result.header.issuer.der);
  if (!scope.ok) throw new CrlRejectedError(scope.reason, `${origin}: ${scope.message}`);
  if (result.crlNumber === null)
    throw new CrlRejectedError('no_crl_number', `${origin}: CRL has no cRLNumber, so newer and older cannot be told apart`);
  if (result.header.thisUpdate.getTime() > nowMs + skewSeconds * 1000) {
    throw new CrlRejectedError(
      'future_this_update',
      `${origin}: thisUpdate ${formatTime(result.header.thisUpdate)} is more than ${skewSeconds} s ahead of this clock`,
    );
  }
  return result.crlNumber;
}

async function commit(loader: CrlLoader, result: CrlScanResult, crlNumber: bigint, origin: string, contentId: string) {
  const delta = result.deltaCrlIndicator;
  try {
    return await loader.commit({
      crlNumber,
      contentId,
      thisUpdateMs: result.header.thisUpdate.getTime(),
      nextUpdateMs: result.header.nextUpdate?.getTime() ?? null,
      isDelta: delta !== null,
      ...(delta === null ? {} : { baseCrlNumber: delta }),
    });
  } catch (error) {
    if (error instanceof RollbackError) throw new CrlRejectedError('rollback', `${origin}: ${error.message}`, { cause: error });
    if (error instanceof CrlNumberReusedError)
      throw new CrlRejectedError('crl_number_reused', `${origin}: ${error.message}`, { cause: error });
    if (error instanceof DeltaBaseError) throw new CrlRejectedError('delta_base', `${origin}: ${error.message}`, { cause: error });
    if (error instanceof EntryError) throw new CrlRejectedError('malformed', `${origin}: ${error.message}`, { cause: error });
    throw error;
  }
}
