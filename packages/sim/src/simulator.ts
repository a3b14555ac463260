import type { KeyObject } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { openAtomicWriteStream } from '@jpki-validator/files';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { formatSerial, formatTime, reasonName, type CrlReason } from '@jpki-validator/x509';
import { SHARED_LEAF_KEY, caCertPath, loadCaMaterial, loadPrivateKey, type CaMaterial } from './ca.js';
import { toPem } from './cert-builder.js';
import { buildCrlDocument, crlInfo, crlUrl, partitionName } from './crl-scope.js';
import { writeCrlStream } from './crl-writer.js';
import { SimUsageError } from './errors.js';
import { serveSimulator, type SimServer, type SimServerOptions } from './http-server.js';
import { defaultDetails } from './default-details.js';
import { buildLeafCertificate, generateLeafKey } from './leaf.js';
import {
  toSerialNumber,
  type CrlInfo,
  type CrlWriteResult,
  type IssueOptions,
  type IssuedCertificate,
  type RevokeOptions,
  type SerialInput,
  type SerialStatus,
  type WriteCrlOptions,
} from './options.js';
import { DAY_MS, RevocationModel } from './population.js';
import { EntryCursor, SerialLookup, indexExplicit, type EntryFields, type ExplicitIndex } from './revocations.js';
import { STATE_FILE, readState, writeState, type SimCaState, type SimState } from './state.js';

/** A JPKI signature certificate lives about five years. */
function fiveYearsAfter(date: Date): Date {
  const d = new Date(date);
  d.setUTCFullYear(d.getUTCFullYear() + 5);
  return d;
}

/** What a CRL writer or responder needs about one CA, rebuilt whenever the state changes. */
interface CaRuntime {
  material: CaMaterial;
  model: RevocationModel;
  explicit: ExplicitIndex;
}

/**
 * A JPKI-like CA simulator backed by a state directory: `state.json` (seed, generation, explicit revocations; written
 * atomically), `keys/`, `certs/`, `issued/`. Every method that changes the state writes it before returning, so a CLI process
 * and a running server (which calls `reload`) see the same simulator.
 */
export class Simulator {
  private runtimes = new Map<string, CaRuntime>();
  /** mtime, inode and size of the state file last read: every save renames a new file in, so any change moves one of them. */
  private stateStamp = '';

  private constructor(
    readonly dir: string,
    private state: SimState,
    private readonly materials: Map<string, CaMaterial>,
    private readonly sharedLeafKey: KeyObject,
  ) {
    this.rebuild();
  }

  static async open(dir: string): Promise<Simulator> {
    const state = await readState(dir);
    const materials = new Map<string, CaMaterial>();
    for (const ca of state.cas) materials.set(ca.id, await loadCaMaterial(dir, ca));
    const sim = new Simulator(dir, state, materials, await loadPrivateKey(dir, SHARED_LEAF_KEY));
    sim.stateStamp = await stateStamp(dir);
    return sim;
  }

  /** Re-reads the state file if another process changed it. Returns true when it did. */
  async reload(): Promise<boolean> {
    const stamp = await stateStamp(this.dir);
    if (stamp === this.stateStamp) return false;
    const next = await readState(this.dir);
    for (const ca of next.cas) if (!this.materials.has(ca.id)) this.materials.set(ca.id, await loadCaMaterial(this.dir, ca));
    this.state = next;
    this.stateStamp = stamp;
    this.rebuild();
    return true;
  }

  private rebuild(): void {
    const epochMs = Date.parse(this.state.epoch);
    this.runtimes = new Map(
      this.state.cas.map((ca) => {
        const material = this.materials.get(ca.id);
        if (!material) throw new SimUsageError('SIM_UNKNOWN_CA', `no key material for ${ca.id}`);
        material.ca = ca;
        const model = new RevocationModel(ca.id, epochMs, { seed: this.state.seed, ...this.state.model });
        return [ca.id, { material, model, explicit: indexExplicit(this.state.revocations[ca.id] ?? []) }];
      }),
    );
  }

  private async save(): Promise<void> {
    await writeState(this.dir, this.state);
    this.stateStamp = await stateStamp(this.dir);
    this.rebuild();
  }

  get generation(): number {
    return this.state.generation;
  }

  /** A copy of the state, for inspection. */
  snapshot(): SimState {
    return structuredClone(this.state);
  }

  /** CAs in state order (generations oldest first within a kind). */
  listCas(): readonly SimCaState[] {
    return this.state.cas;
  }

  /** A CA by id, or a group's newest generation. */
  resolveCa(idOrGroup: string): CaMaterial {
    const exact = this.runtimes.get(idOrGroup);
    if (exact) return exact.material;
    const newest = this.state.cas.filter((c) => c.group === idOrGroup).sort((a, b) => b.year - a.year)[0];
    const runtime = newest && this.runtimes.get(newest.id);
    if (!runtime)
      throw new SimUsageError(
        'SIM_UNKNOWN_CA',
        `unknown CA or group ${JSON.stringify(idOrGroup)}; known: ${this.state.cas.map((c) => c.id).join(', ')}`,
      );
    return runtime.material;
  }

  private runtime(idOrGroup: string): CaRuntime {
    const runtime = this.runtimes.get(this.resolveCa(idOrGroup).ca.id);
    if (!runtime) throw new SimUsageError('SIM_UNKNOWN_CA', `unknown CA ${idOrGroup}`);
    return runtime;
  }

  /** The CA certificate's PEM path (for `openssl -CAfile`, validator config `caCert`). */
  caCertificatePath(idOrGroup: string): string {
    return caCertPath(this.dir, this.resolveCa(idOrGroup).ca.id);
  }

  caCertificatePem(idOrGroup: string): string {
    return toPem(this.resolveCa(idOrGroup).certDer);
  }

  /** The delegated OCSP responder's certificate PEM. */
  responderCertificatePem(idOrGroup: string): string {
    return toPem(this.resolveCa(idOrGroup).responder.certDer);
  }

  partitionNames(idOrGroup: string): string[] {
    const { ca } = this.resolveCa(idOrGroup);
    return Array.from({ length: ca.partitions }, (_, i) => partitionName(i));
  }

  /** The municipality partition a serial belongs to, or null when the CA is not partitioned. */
  partitionOf(idOrGroup: string, serial: SerialInput): string | null {
    const { material, model } = this.runtime(idOrGroup);
    return material.ca.partitions > 0 ? partitionName(model.partitionOf(toSerialNumber(serial), material.ca.partitions)) : null;
  }

  /** thisUpdate of a generation (default: the current one). */
  generationTime(generation = this.state.generation): Date {
    return new Date(Date.parse(this.state.epoch) + generation * DAY_MS);
  }

  crlUrl(idOrGroup: string, partition: string | null = null, delta = false): string {
    return crlUrl(this.state.baseUrl, this.resolveCa(idOrGroup).ca.id, partition, delta);
  }

  ocspUrl(): string {
    return `${this.state.baseUrl}/ocsp`;
  }

  async issueCertificate(options: IssueOptions): Promise<IssuedCertificate> {
    const { material, model } = this.runtime(options.ca);
    const ca = material.ca;
    const serial = options.serial === undefined ? ca.nextSerial : toSerialNumber(options.serial);
    const key = options.key === undefined || options.key === 'shared' ? this.sharedLeafKey : generateLeafKey(options.key);
    const partition = ca.partitions > 0 ? partitionName(model.partitionOf(serial, ca.partitions)) : null;
    const notBefore =
      options.notBefore ?? new Date(Math.floor(Math.min(Date.now(), this.generationTime().getTime()) / 1000) * 1000 - 3_600_000);
    const details = ca.kind === 'sign' ? (options.details ?? defaultDetails(serial)) : null;
    const der = buildLeafCertificate(material, {
      serial,
      notBefore,
      notAfter: options.notAfter ?? fiveYearsAfter(notBefore),
      key,
      ...(details ? { details } : {}),
      crlUrls: [this.crlUrl(ca.id), ...(partition ? [this.crlUrl(ca.id, partition)] : [])],
      ocspUrl: this.ocspUrl(),
      locality: partition ? `Simulated municipality ${partition}` : 'Simulated municipality',
    });
    const pem = toPem(der);
    const file = join(this.dir, 'issued', ca.id, `${formatSerial(BigInt(serial))}.pem`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, pem);
    if (serial >= ca.nextSerial) {
      ca.nextSerial = serial + 1;
      await this.save();
    }
    return {
      caId: ca.id,
      serial: formatSerial(BigInt(serial)),
      serialNumber: serial,
      der,
      pem,
      privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      partition,
      details,
      file,
    };
  }

  /** Changes the base of the URLs put in certificates issued from now on (e.g. to the port `serve` bound). */
  async setBaseUrl(baseUrl: string): Promise<void> {
    this.state.baseUrl = baseUrl.replace(/\/+$/, '');
    await this.save();
  }

  /** Serves CRLs, CA certificates and OCSP over HTTP; see serveSimulator. */
  serve(options: SimServerOptions = {}): Promise<SimServer> {
    return serveSimulator(this, options);
  }

  /** Records a revocation (or, with `removeFromCRL`, a lifted hold) in the current generation; overrides the seeded one. */
  async revoke(options: RevokeOptions): Promise<SerialStatus> {
    const { ca } = this.resolveCa(options.ca);
    const serial = toSerialNumber(options.serial);
    const reason: CrlReason = options.reason ?? 'unspecified';
    if (reason === 'removeFromCRL' && this.status(ca.id, serial).reason !== 'certificateHold') {
      throw new SimUsageError(
        'SIM_BAD_OPTION',
        `removeFromCRL lifts a certificateHold; serial ${formatSerial(BigInt(serial))} is not on hold`,
      );
    }
    const revokedAt = options.revokedAt ?? new Date(this.generationTime().getTime() - 60_000);
    const list = (this.state.revocations[ca.id] ??= []);
    list.push({
      serial,
      reason,
      revokedAt: formatTime(revokedAt),
      ...(options.invalidityDate ? { invalidityDate: formatTime(options.invalidityDate) } : {}),
      generation: this.state.generation,
    });
    this.state.version++;
    await this.save();
    return this.status(ca.id, serial);
  }

  /** Moves to the next generation(s): a day later, with that day's seeded revocations. Returns the new generation. */
  async advance(days = 1): Promise<number> {
    if (!Number.isInteger(days) || days < 1)
      throw new SimUsageError('SIM_BAD_OPTION', `advance needs a positive whole number of days, got ${days}`);
    for (let i = 0; i < days; i++) {
      this.state.generationVersions.push(this.state.version);
      this.state.generation++;
      this.state.version++;
    }
    await this.save();
    return this.state.generation;
  }

  /** Revocation status at the current generation, as the OCSP responder answers it. */
  status(idOrGroup: string, serialInput: SerialInput): SerialStatus {
    const { material, model, explicit } = this.runtime(idOrGroup);
    const serial = toSerialNumber(serialInput);
    const entry: EntryFields = { serial, revokedAtSeconds: 0, reasonCode: 0, invalidityAtSeconds: -1 };
    const lookup = new SerialLookup(material.ca, model, explicit);
    const base = { caId: material.ca.id, serial: formatSerial(BigInt(serial)) };
    if (lookup.listedAt(serial, this.state.generation, entry) !== undefined) {
      return {
        ...base,
        status: 'revoked',
        reason: reasonName(entry.reasonCode) ?? 'unspecified',
        revokedAt: new Date(entry.revokedAtSeconds * 1000),
        invalidityDate: entry.invalidityAtSeconds >= 0 ? new Date(entry.invalidityAtSeconds * 1000) : null,
      };
    }
    const issued = serial >= material.ca.serialBase && serial < material.ca.nextSerial;
    return { ...base, status: issued ? 'good' : 'unknown', reason: null, revokedAt: null, invalidityDate: null };
  }

  /** The metadata of the CRL `writeCrl` would write with these options (number, times, IDP, URL), without writing it. */
  describeCrl(options: Omit<WriteCrlOptions, 'out'>): CrlInfo {
    return crlInfo(this.state, this.resolveCa(options.ca), options, Date.now());
  }

  /** Streams a CRL to a file or a stream. See WriteCrlOptions. */
  async writeCrl(options: WriteCrlOptions): Promise<CrlWriteResult> {
    const { material, model, explicit } = this.runtime(options.ca);
    const signer = options.signWith === undefined ? material : this.resolveCa(options.signWith);
    const { info, document, scope } = buildCrlDocument(this.state, material, signer.key, options, Date.now());
    const source = () => new EntryCursor(material.ca, model, explicit, scope);
    if (typeof options.out !== 'string') return { ...info, ...(await writeCrlStream(document, source, options.out)) };

    await mkdir(dirname(options.out), { recursive: true });
    // a CRL file is the simulator's output, made again on demand: not worth a flush of hundreds of MB
    const output = await openAtomicWriteStream(options.out, { durable: false });
    const file = output.stream;
    // A write error can arrive while the writer is busy encoding rather than awaiting 'drain': race the whole job against it.
    const stop = new AbortController();
    const failed = once(file, 'error', { signal: stop.signal }).then(([error]: unknown[]) =>
      Promise.reject(error instanceof Error ? error : new Error(String(error))),
    );
    failed.catch(() => undefined);
    try {
      const stats = await Promise.race([
        (async () => {
          const written = await writeCrlStream(document, source, file);
          await output.commit();
          return written;
        })(),
        failed,
      ]);
      return { ...info, ...stats };
    } catch (error) {
      await output.discard();
      throw error;
    } finally {
      stop.abort();
    }
  }
}

async function stateStamp(dir: string): Promise<string> {
  const s = await stat(join(dir, STATE_FILE));
  return `${s.mtimeMs}:${s.ino}:${s.size}`;
}
