import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@jpki-validator/files';
import { join } from 'node:path';
import type { CrlReason } from '@jpki-validator/x509';
import { SimStateError } from './errors.js';
import type { RevocationModelOptions } from './population.js';

export type CaKind = 'sign' | 'auth';

/** The My Number Card, or a smartphone certificate (スマホ用電子証明書) from CAs of its own. */
export type SimMedium = 'card' | 'smartphone';

export type SimLayout = 'standard' | 'national';

/** One simulated CA key (one generation of one kind). */
export interface SimCaState {
  /** Slug, e.g. `jpki-sign-2023` (the contract's issuer id). */
  id: string;
  /** e.g. `jpki-sign`: generations of one kind share a subject DN and a group. */
  group: string;
  kind: CaKind;
  /** Absent in states written before smartphone CAs existed: `card`. */
  medium?: SimMedium;
  /** Generation year; the CA certificate's notBefore is 1 January of it. */
  year: number;
  /** First serial of the seeded population. */
  serialBase: number;
  /** Size of the seeded population: serials [serialBase, serialBase + population). */
  population: number;
  /** Next serial `issueCertificate` hands out; starts right after the population. */
  nextSerial: number;
  /** Number of municipality partitions (0: the CA publishes only full CRLs). */
  partitions: number;
  /** Serials issued explicitly outside [serialBase, nextSerial) (the test cards' 7F00D011 …), sorted: OCSP answers them `good`. */
  extraIssued?: number[];
  /**
   * Present: the partitions are municipalities (the national layout) — skewed sizes, a directoryName and a URI in every
   * distribution point, and CRL numbers per partition. Absent: equal shares, URI only, one CRL number per CA state.
   */
  municipal?: MunicipalPartitioning;
  /** Overrides of the simulator's revocation model for this CA (the national layout's authentication CA revokes fewer). */
  model?: Omit<RevocationModelOptions, 'seed'>;
}

export interface MunicipalPartitioning {
  /** Expected size of the largest partition ÷ that of the smallest (Zipf–Mandelbrot over size ranks); 1 = equal shares. */
  skew: number;
  /**
   * A partition CRL is issued when its content changes; an unchanged one is re-issued this many generations after its last
   * issue (before its nextUpdate passes). 0: only on change.
   */
  reissueDays: number;
}

/** A revocation recorded with `revoke` (overrides the seeded population) or a lifted hold (`removeFromCRL`). */
export interface ExplicitRevocation {
  serial: number;
  reason: CrlReason;
  /** RFC 3339. */
  revokedAt: string;
  invalidityDate?: string;
  /** Generation in which it was recorded: deltas since an older base carry it. */
  generation: number;
  /** State version it created (absent in states written before per-partition CRL numbers: the generation's last version). */
  version?: number;
}

export interface SimState {
  format: 1;
  seed: number;
  /** RFC 3339 thisUpdate of generation 0; each generation is one day later. */
  epoch: string;
  generation: number;
  /** Bumped by every change of revocation state; CRL numbers derive from it so they rise with every change. */
  version: number;
  /** `generationVersions[g]` is the last version of closed generation g (the number its full CRL carried). */
  generationVersions: number[];
  /** Base of the URLs put in certificates (CRL DPs, AIA OCSP), e.g. `http://127.0.0.1:8081`. */
  baseUrl: string;
  /** Versions at which the base URL changed (a partition CRL's IDP carries it, so each change is a new issue). */
  baseUrlVersions?: number[];
  /** `national`: made by `init --layout national` (municipal partitions); absent: the standard layout. */
  layout?: SimLayout;
  /** CRL validity: nextUpdate − thisUpdate. */
  crlValidityHours: number;
  model: Omit<RevocationModelOptions, 'seed'>;
  cas: SimCaState[];
  /** Per CA id, in the order recorded. */
  revocations: Record<string, ExplicitRevocation[]>;
}

export const STATE_FILE = 'state.json';

export async function readState(dir: string): Promise<SimState> {
  const file = join(dir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SimStateError('SIM_STATE_MISSING', 'no simulator state here; run init first', file, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new SimStateError('SIM_STATE_INVALID', `state is not JSON: ${(cause as Error).message}`, file, { cause });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    (parsed as { format?: unknown }).format !== 1 ||
    !Array.isArray((parsed as { cas?: unknown }).cas)
  ) {
    throw new SimStateError('SIM_STATE_INVALID', 'state has no format 1 marker or no cas list', file);
  }
  return parsed as SimState;
}

/** Writes the state atomically: a temporary file in the same directory, then rename over the old one. */
export async function writeState(dir: string, state: SimState): Promise<void> {
  await writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
