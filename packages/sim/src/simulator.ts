import { createHash, type KeyObject } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatSerial, formatTime, reasonName, type CrlReason } from '@jpki-validator/x509';
import { writeStreamAtomic } from '@jpki-validator/files';
import { SIM_OUTPUT } from './sim-output.js';
import { SHARED_LEAF_KEY, caCertPath, loadCaMaterial, loadPrivateKey, type CaMaterial } from './ca.js';
import { toPem } from './cert-builder.js';
import { buildCrlDocument, crlUrl, planCrl, resolveTarget } from './crl-scope.js';
import { writeCrlStream } from './crl-writer.js';
import { SimUsageError } from './errors.js';
import type { DistributionPointNames } from './extensions.js';
import { serveSimulator, type SimServer, type SimServerOptions } from './http-server.js';
import { defaultDetails } from './default-details.js';
import { buildLeafCertificate, generateLeafKey } from './leaf.js';
import {
  toSerialNumber,
  type AllPartitionsResult,
  type CrlInfo,
  type CrlWriteResult,
  type IssueOptions,
  type IssuedCertificate,
  type PartitionBundle,
  type RevokeOptions,
  type SerialInput,
  type SerialStatus,
  type WriteAllPartitionsOptions,
  type WriteCrlOptions,
} from './options.js';
import { measureMunicipalIssue, splitBundle, writeBundle, type CaRuntime } from './partition-writes.js';
import { partitionListingPath, writePartitionListing, type PartitionListing } from './partition-listing.js';
import { partitionName, partitionScheme } from './partition-scheme.js';
import { DAY_MS, RevocationModel } from './population.js';
import { EntryCursor, SerialLookup, indexExplicit, type EntryFields, type EntryScope } from './revocations.js';
import { STATE_FILE, readState, writeState, type SimCaState, type SimState } from './state.js';

/** A JPKI signature certificate lives about five years. */
function fiveYearsAfter(date: Date): Date {
  const d = new Date(date);
  d.setUTCFullYear(d.getUTCFullYear() + 5);
  return d;
}

/**
 * A JPKI-like CA simulator backed by a state directory: `state.json` (seed, generation, explicit revocations; written
 * atomically), `keys/`, `certs/`, `issued/`. Every method that changes the state writes it before returning, so a CLI process
 * and a running server (which calls `reload`) see the same simulator.
 */

export class Simulator {
  private runtimes = new Map<string, CaRuntime>();
  private walks = 0;
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
        const model = new RevocationModel(ca.id, epochMs, { seed: this.state.seed, ...this.state.model, ...ca.model });
        const records = this.state.revocations[ca.id] ?? [];
        const scheme = partitionScheme(ca, model, this.state.seed);
        return [ca.id, { material, model, explicit: indexExplicit(records), records, scheme }];
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

  /** The state version: bumped by every change of revocation state (and of the base URL); CRL numbers derive from it. */
  get version(): number {
    return this.state.version;
  }

  /**
   * How many times this instance has walked a CA's serial range (each CRL pass is one walk). Writing one CRL takes 2; writing
   * every partition of a CA also takes 2, whatever the partition count.
   */
  get populationWalks(): number {
    return this.walks;
  }

  /**
   * What a cached CRL file of `ca` must have been written under, beside its number or state version: the CA key, seed, epoch
   * and base URL. A state directory copied or re-created over an old cache (same versions, other keys or URLs) then never
   * serves the old files.
   */
  cacheFingerprint(idOrGroup: string): string {
    const { material } = this.runtime(idOrGroup);
    const { seed, epoch, baseUrl } = this.state;
    return createHash('sha256')
      .update(`${Buffer.from(material.keyId).toString('hex')}|${seed}|${epoch}|${baseUrl}`)
      .digest('hex')
      .slice(0, 12);
  }

  private cursor(runtime: CaRuntime, scope: EntryScope): EntryCursor {
    this.walks++;
    return new EntryCursor(runtime.material.ca, runtime.model, runtime.explicit, scope);
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

  /** The municipality partition a serial belongs to (a pure O(1) function of the serial), or null when the CA is not partitioned. */
  partitionOf(idOrGroup: string, serial: SerialInput): string | null {
    const { scheme } = this.runtime(idOrGroup);
    return scheme ? partitionName(scheme.map.indexOf(toSerialNumber(serial))) : null;
  }

  /** A municipal partition's distribution-point directoryName (RFC 4514), or null (standard layout, or not partitioned). */
  partitionDirName(idOrGroup: string, partition: string | number): string | null {
    const runtime = this.runtime(idOrGroup);
    const { partitionIndex } = resolveTarget(this.state, runtime.material, { partition });
    return partitionIndex === undefined ? null : (runtime.scheme?.dirNameText(partitionIndex) ?? null);
  }

  /** The partition listing of a CA (the format a validator config's `crls: { partitions: FILE }` reads). */
  partitionListing(idOrGroup: string): PartitionListing {
    const { material, scheme } = this.runtime(idOrGroup);
    const ca = material.ca;
    return {
      partitions: Array.from({ length: ca.partitions }, (_, i) => {
        const name = partitionName(i);
        const dirName = scheme?.dirNameText(i) ?? null;
        return { name, url: this.crlUrl(ca.id, name), ...(dirName === null ? {} : { dirName }) };
      }),
    };
  }

  /** `<dir>/partitions/<ca>.json`: written for every partitioned CA at init and whenever the base URL changes. */
  partitionListingPath(idOrGroup: string): string {
    return partitionListingPath(this.dir, this.resolveCa(idOrGroup).ca.id);
  }

  /** (Re)writes the listing file of every partitioned CA. */
  async writePartitionListings(): Promise<void> {
    for (const ca of this.state.cas) {
      if (ca.partitions > 0) await writePartitionListing(this.partitionListingPath(ca.id), this.partitionListing(ca.id));
    }
  }

  /** The distribution point(s) put in a certificate of `serial`: municipal — its partition's DirName and URL; else full + partition URLs. */
  private distributionPoints(runtime: CaRuntime, serial: number): { points: DistributionPointNames[]; partition: number | null } {
    const { ca } = runtime.material;
    const index = runtime.scheme ? runtime.scheme.map.indexOf(serial) : null;
    if (index === null) return { points: [{ uri: this.crlUrl(ca.id) }], partition: null };
    const uri = this.crlUrl(ca.id, partitionName(index));
    const dirName = runtime.scheme?.dirName(index) ?? null;
    if (dirName) return { points: [{ dirName, uri }], partition: index };
    return { points: [{ uri: this.crlUrl(ca.id) }, { uri }], partition: index };
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
    const runtime = this.runtime(options.ca);
    const { material, scheme } = runtime;
    const ca = material.ca;
    const serial = options.serial === undefined ? ca.nextSerial : toSerialNumber(options.serial);
    const key = options.key === undefined || options.key === 'shared' ? this.sharedLeafKey : generateLeafKey(options.key);
    const { points, partition: partitionIndex } = this.distributionPoints(runtime, serial);
    const partition = partitionIndex === null ? null : partitionName(partitionIndex);
    const municipality = partitionIndex === null ? null : (scheme?.municipality(partitionIndex) ?? null);
    const notBefore =
      options.notBefore ?? new Date(Math.floor(Math.min(Date.now(), this.generationTime().getTime()) / 1000) * 1000 - 3_600_000);
    const details = ca.kind === 'sign' ? (options.details ?? defaultDetails(serial)) : null;
    const der = buildLeafCertificate(material, {
      serial,
      notBefore,
      notAfter: options.notAfter ?? fiveYearsAfter(notBefore),
      key,
      ...(details ? { details } : {}),
      crlDistributionPoints: points,
      ocspUrl: this.ocspUrl(),
      locality: municipality
        ? `${municipality.name}, ${municipality.prefecture}`
        : partition
          ? `Simulated municipality ${partition}`
          : 'Simulated municipality',
      ...(options.commonName === undefined ? {} : { commonName: options.commonName }),
    });
    const pem = toPem(der);
    const file = join(this.dir, 'issued', ca.id, `${formatSerial(BigInt(serial))}.pem`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, pem);
    if (serial === ca.nextSerial) {
      ca.nextSerial = serial + 1;
      await this.save();
    } else if ((serial < ca.serialBase || serial > ca.nextSerial) && !(ca.extraIssued ?? []).includes(serial)) {
      // a serial of its own (a test card's 7F00D011): remembered alone, so the serials between stay never-issued
      ca.extraIssued = [...(ca.extraIssued ?? []), serial].sort((a, b) => a - b);
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

  /**
   * Changes the base of the URLs put in certificates issued from now on (e.g. to the port `serve` bound). Partition CRLs carry
   * the URL in their IDP, so a new base URL is a new issue of them (a new state version, hence new CRL numbers); the partition
   * listing files are rewritten.
   */
  async setBaseUrl(baseUrl: string): Promise<void> {
    const next = baseUrl.replace(/\/+$/, '');
    if (next === this.state.baseUrl) return;
    this.state.baseUrl = next;
    this.state.version++;
    (this.state.baseUrlVersions ??= []).push(this.state.version);
    await this.save();
    await this.writePartitionListings();
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
      version: this.state.version + 1,
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
    const issued =
      (serial >= material.ca.serialBase && serial < material.ca.nextSerial) || (material.ca.extraIssued ?? []).includes(serial);
    return { ...base, status: issued ? 'good' : 'unknown', reason: null, revokedAt: null, invalidityDate: null };
  }

  /**
   * The metadata of the CRL `writeCrl` would write with these options (number, times, IDP, URL), without writing it. For a
   * municipal partition this walks the CA's serial range once (its number depends on when its content last changed).
   */
  describeCrl(options: Omit<WriteCrlOptions, 'out'>): CrlInfo {
    const { state } = this;
    const runtime = this.runtime(options.ca);
    const municipal = measureMunicipalIssue(state, runtime, resolveTarget(state, runtime.material, options), (scope) =>
      this.cursor(runtime, scope),
    );
    return planCrl(state, runtime.material, runtime.scheme, options, Date.now(), municipal?.issue).info;
  }

  /** Streams a CRL to a file or a stream. See WriteCrlOptions. */
  async writeCrl(options: WriteCrlOptions): Promise<CrlWriteResult> {
    // One state for the whole write: a server reloads the state file between requests, while this write may still be running.
    const { state } = this;
    const runtime = this.runtime(options.ca);
    const { material } = runtime;
    const signer = options.signWith === undefined ? material : this.resolveCa(options.signWith);
    const municipal = measureMunicipalIssue(state, runtime, resolveTarget(state, material, options), (scope) =>
      this.cursor(runtime, scope),
    );
    const plan = planCrl(state, material, runtime.scheme, options, Date.now(), municipal?.issue);
    const document = buildCrlDocument(plan, material, signer.key, options);
    const source = () => this.cursor(runtime, plan.scope);
    const totals = municipal?.totals ?? undefined;
    if (typeof options.out !== 'string') return { ...plan.info, ...(await writeCrlStream(document, source, options.out, totals)) };
    const stats = await writeStreamAtomic(options.out, (file) => writeCrlStream(document, source, file, totals), SIM_OUTPUT);
    return { ...plan.info, ...stats };
  }

  /**
   * Writes the full CRL of every partition of a CA (current generation) back to back into one file, by one measuring walk and
   * one writing walk of the serial range whatever the partition count; returns where each CRL lies in it. What the server
   * serves partitions from; `writeAllPartitions` splits it into files.
   */
  writePartitionBundle(options: { ca: string; out: string }): Promise<PartitionBundle> {
    // One state for the whole write: a server reloads the state file between requests, while this write may still be running.
    const runtime = this.runtime(options.ca);
    if (!runtime.scheme) throw new SimUsageError('SIM_UNKNOWN_PARTITION', `${runtime.material.ca.id} is not partitioned`);
    return writeBundle(this.state, runtime, options.out, (scope) => this.cursor(runtime, scope));
  }

  /** Writes every partition CRL of a CA into `<outDir>/<pNNNN>.crl`, by the two walks of `writePartitionBundle`. */
  async writeAllPartitions(options: WriteAllPartitionsOptions): Promise<AllPartitionsResult> {
    const walksBefore = this.walks;
    const caId = this.resolveCa(options.ca).ca.id;
    await mkdir(options.outDir, { recursive: true });
    const bundle = join(options.outDir, `.${caId}-partitions.${process.pid}.bundle`);
    try {
      const partitions = await splitBundle(await this.writePartitionBundle({ ca: caId, out: bundle }), options.outDir);
      return {
        caId,
        partitions,
        entries: partitions.reduce((n, p) => n + p.entries, 0),
        bytes: partitions.reduce((n, p) => n + p.bytes, 0),
        walks: this.walks - walksBefore,
      };
    } finally {
      await rm(bundle, { force: true });
    }
  }
}

async function stateStamp(dir: string): Promise<string> {
  const s = await stat(join(dir, STATE_FILE));
  return `${s.mtimeMs}:${s.ino}:${s.size}`;
}
