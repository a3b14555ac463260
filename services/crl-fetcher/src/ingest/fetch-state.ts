import type { SmallKv } from '@jpki-validator/store';
import type { SourceValidators } from '../sources/types.js';

/** What the fetcher remembers of a partition's last accepted CRL: enough for a conditional GET and the same-number check. */
export interface FetchState extends SourceValidators {
  crlNumber: string;
  /** SHA-256 of the CRL's signature value, which identifies its content (same number + other content is refused) */
  signatureSha256: string;
  bytes: number;
}

const key = (caId: string, partition: string): string => `fetch-state:${caId}:${partition}`;

export async function readFetchState(kv: SmallKv, caId: string, partition: string): Promise<FetchState | null> {
  const raw = await kv.get(key(caId, partition));
  if (!raw) return null;
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as FetchState;
  } catch {
    // A damaged record only costs one unconditional fetch.
    return null;
  }
}

export async function writeFetchState(kv: SmallKv, caId: string, partition: string, state: FetchState): Promise<void> {
  await kv.set(key(caId, partition), Buffer.from(JSON.stringify(state), 'utf8'));
}
