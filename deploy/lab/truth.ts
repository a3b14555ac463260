/**
 * The simulator's truth for a sample of issued serials, per generation. A CRL-based answer is right when it matches what some
 * generation's CRL said (a validator holding yesterday's fresh CRL answers from it): `good` is wrong only when every generation
 * the lab has published lists the serial (the one unforgivable failure), `revoked` only when none does. The scenario process
 * advances the simulator itself (`advance`), so it records each generation's truth as it publishes it.
 */
import { openSimulator, type Simulator } from '@jpki-validator/sim';

export interface Sample {
  caId: string;
  serial: string;
  /** the partition the serial's CRL is (null: the CA's one full CRL); answers of one batch within one CRL share a generation */
  crl: string;
}

export type Verdict = 'right' | 'wrong-good' | 'wrong-revoked' | 'pending';

export class Truth {
  readonly samples: Sample[] = [];
  /** per generation, one byte per sample: 1 listed (revoked), 0 not */
  private readonly listed = new Map<number, Uint8Array>();
  /**
   * Every state the simulator's server may have served, oldest first: each generation as advanced, then once more after each
   * death recorded in it (one state-file write each, so a CRL fetched between two of them is one of these).
   */
  private readonly versions: Uint8Array[] = [];
  private readonly sim: Simulator;
  private constructor(sim: Simulator) {
    this.sim = sim;
  }

  static async open(simDir: string, perCa: number): Promise<Truth> {
    const truth = new Truth(await openSimulator(simDir));
    for (const ca of truth.sim.listCas()) {
      const every = Math.max(1, Math.floor((ca.nextSerial - ca.serialBase) / perCa));
      for (let s = ca.serialBase; s < ca.nextSerial; s += every)
        truth.samples.push({ caId: ca.id, serial: s.toString(16).toUpperCase(), crl: truth.sim.partitionOf(ca.id, s) ?? 'full' });
    }
    truth.record();
    return truth;
  }

  get generation(): number {
    return this.sim.generation;
  }

  /**
   * Records the current generation. A serial a CRL once listed stays revoked although a later CRL drops it (revocation
   * is final in the store; the simulator drops entries whose certificate has expired): the truth carries it forward, and counts
   * the sampled serials so dropped.
   */
  private record(countDropped = false): void {
    const row = this.currentRow(countDropped);
    this.listed.set(this.sim.generation, row);
    this.versions.push(row);
  }

  /** the simulator's state now, one byte per sample, a serial listed before carried forward */
  private currentRow(countDropped = false): Uint8Array {
    const before = this.versions.at(-1);
    const row = new Uint8Array(this.samples.length);
    this.samples.forEach((s, i) => {
      const listed = this.sim.status(s.caId, s.serial).status === 'revoked';
      if (countDropped && !listed && before?.[i] === 1) this.droppedByLaterCrls++;
      row[i] = listed || before?.[i] === 1 ? 1 : 0;
    });
    return row;
  }

  /** sampled serials a later generation's CRL no longer listed (kept revoked, as the store keeps them) */
  droppedByLaterCrls = 0;

  /**
   * Publishes the next generation (the simulator's server serves it from the next request on) and records its truth. Besides
   * the day's seeded revocations, `deaths` sampled serials of each CA that no generation listed yet die in it (affiliationChanged),
   * so every switch flips answers the scenarios can watch for, and the watch job has deaths to report.
   */
  async advance(deaths: number): Promise<number> {
    await this.sim.reload();
    await this.sim.advance(1);
    // the state served between the advance and the first death: the new generation's seeded revocations, no death yet (without
    // it, a CRL fetched mid-way — seeded revocations listed, later deaths not yet — matched no recorded state: a false "mix")
    this.versions.push(this.currentRow());
    const perCa = new Map<string, number>();
    for (let i = 0; i < this.samples.length; i++) {
      // a stride prime to the sample count: the deaths spread over the CA instead of its first serials
      const index = (i * 7919) % this.samples.length;
      const s = this.samples[index] as Sample;
      if ((perCa.get(s.caId) ?? 0) >= deaths || [...this.listed.values()].some((row) => row[index] === 1)) continue;
      if (this.sim.status(s.caId, s.serial).status !== 'good') continue;
      await this.sim.revoke({ ca: s.caId, serial: s.serial, reason: 'affiliationChanged' });
      const version = Uint8Array.from(this.versions.at(-1) ?? []);
      version[index] = 1;
      this.versions.push(version);
      perCa.set(s.caId, (perCa.get(s.caId) ?? 0) + 1);
    }
    // the generation's final truth (the day's seeded revocations and the deaths), recomputed from the simulator
    this.versions.pop();
    this.record(true);
    return this.sim.generation;
  }

  /** Samples listed in `generation` but not in the one before: the serials whose answer must flip. */
  newlyListed(generation: number): number[] {
    const now = this.listed.get(generation);
    const before = this.listed.get(generation - 1);
    if (now === undefined || before === undefined) return [];
    const out: number[] = [];
    now.forEach((v, i) => {
      if (v === 1 && before[i] === 0) out.push(i);
    });
    return out;
  }

  listedAt(generation: number, sample: number): boolean {
    return this.listed.get(generation)?.[sample] === 1;
  }

  /** `pending`: no recorded generation matches yet (an answer from a generation being recorded right now); judge again later. */
  judge(sample: number, status: 'good' | 'revoked'): Verdict {
    const want = status === 'revoked' ? 1 : 0;
    for (const row of this.versions) if (row[sample] === want) return 'right';
    return 'pending';
  }

  /** Whether one state the simulator served explains every answer of a group (one batch, one CRL); false = a mix. */
  consistent(answers: readonly { sample: number; status: 'good' | 'revoked' }[]): boolean {
    return this.versions.some((row) => answers.every((a) => row[a.sample] === (a.status === 'revoked' ? 1 : 0)));
  }

  /** `caId/crl: serial answer [listing in each served state, oldest first] …`, for a report */
  describe(answers: readonly { sample: number; status: 'good' | 'revoked' }[]): string {
    const first = this.samples[answers[0]?.sample ?? 0];
    const items = answers.map(
      (a) => `${this.samples[a.sample]?.serial} ${a.status} [${this.versions.map((row) => row[a.sample]).join('')}]`,
    );
    return `${first?.caId}/${first?.crl}: ${items.join(', ')}`;
  }

  /** A verdict that is final: an answer that matches no generation at all is wrong. */
  finalJudge(sample: number, status: 'good' | 'revoked'): Verdict {
    const verdict = this.judge(sample, status);
    if (verdict !== 'pending') return verdict;
    return status === 'good' ? 'wrong-good' : 'wrong-revoked';
  }
}
