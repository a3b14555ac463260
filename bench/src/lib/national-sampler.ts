/**
 * Asks a running validator about a fixed sample of serials, over and over while a refresh runs, and checks every answer
 * against the simulator's truth: a `good` or `revoked` that no state being served could have produced is a wrong answer (the
 * one unforgivable failure); `unknown` is counted apart (failing closed while data is missing or stale is allowed).
 */
import type { Simulator } from '@jpki-validator/sim';
import { xorshift32 } from './national-fixture.js';

export interface Truth {
  status: 'good' | 'revoked';
  reason: string | null;
}

export interface SampleSerial {
  serial: string;
  /** what each acceptable state says (day 0, or day 0 and day 1 during the daily refresh) */
  truths: Truth[];
}

export interface SampleTally {
  batches: number;
  answers: number;
  right: number;
  unknown: number;
  wrong: number;
  /** batches that got no answer (the connection failed: a keep-alive socket the server closed as the batch went out) */
  failed: number;
  /** the first wrong answers, for the report */
  examples: string[];
}

interface StatusAnswer {
  serial: string;
  status: string;
  reason: string | null;
}

/** Whether an answer matches one of the acceptable truths; `unknown` is neither right nor wrong. */
export function judge(answer: Pick<StatusAnswer, 'status' | 'reason'>, truths: readonly Truth[]): 'right' | 'unknown' | 'wrong' {
  if (answer.status === 'unknown') return 'unknown';
  return truths.some((t) => t.status === answer.status && (t.status === 'good' || t.reason === answer.reason)) ? 'right' : 'wrong';
}

function truthOf(sim: Simulator, caId: string, serial: number): Truth {
  const s = sim.status(caId, serial);
  if (s.status === 'unknown') throw new Error(`serial ${s.serial} was never issued by ${caId}`);
  return { status: s.status, reason: s.reason };
}

/** `count` serials drawn with a fixed seed from the CA's population, plus `extra` (the day's revocations), with their truths. */
export function pickSample(
  states: readonly Simulator[],
  caId: string,
  count: number,
  extra: readonly number[],
  seed = 20261124,
): { serial: number; text: string; truths: Truth[] }[] {
  const [first] = states;
  const ca = first?.listCas().find((c) => c.id === caId);
  if (!first || !ca) throw new Error(`no CA ${caId}`);
  const random = xorshift32(seed);
  const serials = new Set<number>(extra);
  while (serials.size < count + extra.length && serials.size < ca.population)
    serials.add(ca.serialBase + (random.next().value % ca.population));
  return [...serials].map((serial) => ({
    serial,
    text: serial.toString(16).toUpperCase(),
    truths: states.map((sim) => truthOf(sim, caId, serial)),
  }));
}

const BATCH_PAUSE_MS = 200;
/** more failed batches in one phase than this: the validator is gone, and the run says so */
const MAX_FAILED_BATCHES = 20;

/**
 * Samples until `stop()`: a batch of every serial (POST /v1/status/batch) every BATCH_PAUSE_MS. Each serial's `truths` are the
 * states that count as right in the phase (day 0 during the cold refresh, either day during the daily one, day 1 after it).
 */
export function startSampler(validatorUrl: string, issuer: string, sample: readonly SampleSerial[]) {
  const tally: SampleTally = { batches: 0, answers: 0, right: 0, unknown: 0, wrong: 0, failed: 0, examples: [] };
  let running = true;
  const body = JSON.stringify({ items: sample.map((s, i) => ({ issuer, serial: s.serial, id: String(i) })) });
  const loop = (async () => {
    while (running) {
      let r: Response;
      try {
        r = await fetch(`${validatorUrl}/v1/status/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      } catch (e) {
        // counted, not fatal: a validator that died shows as every later batch failing (and the check after the refresh)
        tally.failed++;
        if (tally.failed > MAX_FAILED_BATCHES) throw new Error(`the validator stopped answering: ${String(e)}`, { cause: e });
        await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
        continue;
      }
      if (r.status !== 200) throw new Error(`validator batch answered ${r.status}: ${await r.text()}`);
      const { results } = (await r.json()) as { results: StatusAnswer[] };
      tally.batches++;
      results.forEach((answer, i) => {
        const s = sample[i];
        if (!s) return;
        tally.answers++;
        const verdict = judge(answer, s.truths);
        tally[verdict]++;
        if (verdict === 'wrong' && tally.examples.length < 5)
          tally.examples.push(`${s.serial}: answered ${answer.status}/${answer.reason}, truth ${JSON.stringify(s.truths)}`);
      });
      if (running) await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
    }
  })();
  loop.catch(() => undefined); // reported by stop(), not as an unhandled rejection while the refresh runs
  return {
    tally,
    async stop(): Promise<SampleTally> {
      running = false;
      await loop;
      return tally;
    },
  };
}

/** One batch after a refresh: every answer must be right (the new state is served), none unknown. */
export async function checkOnce(validatorUrl: string, issuer: string, sample: readonly SampleSerial[]): Promise<SampleTally> {
  const sampler = startSampler(validatorUrl, issuer, sample);
  // the loop's first batch is in flight as soon as it starts; stopping now lets exactly that one finish
  return sampler.stop();
}
