import type { JobsOptions, Queue } from 'bullmq';
import { nextUpdateJobId, schedulerId, SCHEDULER_ID_PREFIX } from './keys.js';
import type { PartitionTarget } from './targets.js';

/** What a fetch job carries: the scope — a whole CA (`partition` null) or one partition — and what started it. */
export interface FetchJobData {
  caId: string;
  partition: string | null;
  trigger: 'schedule' | 'next-update' | 'manual';
}

/** job names are the trigger; typed as string because BullMQ types scheduler ids with the job-name type */
export type FetchJobName = string;

export interface SchedulerSync {
  upserted: string[];
  /** schedulers of partitions no longer configured */
  removed: string[];
}

/**
 * One BullMQ job scheduler per configured CA: its job refreshes every partition of the CA with the CA's bounded concurrency
 * (1,741 schedulers and 1,741 jobs per refresh would cost more queue work than the 304s they carry). `every` for an interval, a
 * cron `pattern` (in `timeZone`) otherwise; both fire once at start so a fresh deployment loads at once. Schedulers that are not
 * a configured CA's (a CA that left the config, or the per-partition schedulers of earlier versions) are removed.
 */
export async function syncJobSchedulers(
  queue: Queue<FetchJobData, unknown, FetchJobName>,
  targets: readonly PartitionTarget[],
  jobOptions: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>,
  timeZone: string,
): Promise<SchedulerSync> {
  const wanted = new Set<string>();
  for (const t of targets) {
    const id = schedulerId(t.ca.id);
    if (wanted.has(id)) continue;
    wanted.add(id);
    const refresh = t.issuer.refresh;
    await queue.upsertJobScheduler(
      id,
      'intervalMs' in refresh ? { every: refresh.intervalMs } : { pattern: refresh.cron, tz: timeZone, immediately: true },
      {
        name: 'schedule',
        data: { caId: t.ca.id, partition: null, trigger: 'schedule' },
        opts: jobOptions,
      },
    );
  }
  const removed: string[] = [];
  for (const s of await queue.getJobSchedulers(0, -1)) {
    if (s.key.startsWith(SCHEDULER_ID_PREFIX) && !wanted.has(s.key)) {
      await queue.removeJobScheduler(s.key);
      removed.push(s.key);
    }
  }
  return { upserted: [...wanted], removed };
}

/** The one-off run soon after a CRL's nextUpdate; its id makes a second add for the same CRL a no-op. */
export async function addNextUpdateJob(
  queue: Queue<FetchJobData, unknown, FetchJobName>,
  caId: string,
  partition: string | null,
  runAtMs: number,
  nowMs: number,
  jobOptions: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>,
): Promise<string> {
  const jobId = nextUpdateJobId(caId, partition, runAtMs);
  await queue.add(
    'next-update',
    { caId, partition, trigger: 'next-update' },
    { ...jobOptions, jobId, delay: Math.max(0, runAtMs - nowMs) },
  );
  return jobId;
}
