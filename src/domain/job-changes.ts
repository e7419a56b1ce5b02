import { CanceledSignal } from './background.js';
import type { JobStore, RunningInstances } from './ports.js';

const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'canceled']);

/**
 * Applies `changes` to a job by compare-and-set, retrying on top of whatever another instance wrote
 * in between. A job that ended meanwhile (a cancel recorded by another instance, or a job reported
 * failed after its instance died) is never brought back: an ending change returns the stored job,
 * and a progress change throws CanceledSignal so the work stops.
 */
export async function changeJob<T extends { state: string; updatedAt: number }>(
  store: JobStore<T>,
  id: string,
  job: T,
  changes: Partial<T>,
  now: number,
): Promise<T> {
  let current = job;
  for (let attempt = 0; attempt < 10; attempt++) {
    const next = { ...current, ...changes, updatedAt: now };
    if (await store.replace(current, next)) return next;
    const stored = await store.get(id);
    if (!stored) {
      // Forgotten by the store (kept a day): this change writes it again.
      await store.save(next);
      return next;
    }
    if (ENDED.has(stored.state)) {
      if (changes.state !== undefined && ENDED.has(changes.state)) return stored;
      throw new CanceledSignal();
    }
    current = stored;
  }
  throw new Error(`job ${id} kept changing under this instance`);
}

/**
 * Whether a job that has not ended was left by an instance that is gone (killed, host lost): then
 * nobody will ever finish it, and it is to be reported failed.
 */
export async function isOrphaned(
  job: { state: string; instanceId?: string },
  instances: RunningInstances,
): Promise<boolean> {
  if (ENDED.has(job.state) || !job.instanceId || job.instanceId === instances.id) return false;
  return !(await instances.alive(job.instanceId));
}
