import type { PrintJob, PrintJobStore, ScanJob, ScanJobStore } from '../domain/ports.js';

/** Jobs for a single instance, by id; jobs untouched for `keepMs` (a day) are forgotten. */
class InMemoryJobStore<T extends { updatedAt: number }> {
  private readonly jobs = new Map<string, T>();
  constructor(
    private readonly idOf: (job: T) => string,
    private readonly keepMs = 24 * 3600_000,
  ) {}

  async save(job: T): Promise<void> {
    this.jobs.set(this.idOf(job), { ...job });
    const cutoff = job.updatedAt - this.keepMs;
    for (const [id, j] of this.jobs) if (j.updatedAt < cutoff) this.jobs.delete(id);
  }

  async replace(expected: T, next: T): Promise<boolean> {
    const stored = this.jobs.get(this.idOf(expected));
    if (!stored || JSON.stringify(stored) !== JSON.stringify(expected)) return false;
    await this.save(next);
    return true;
  }

  async get(id: string): Promise<T | null> {
    const job = this.jobs.get(id);
    return job ? { ...job } : null;
  }
}

export class InMemoryPrintJobStore extends InMemoryJobStore<PrintJob> implements PrintJobStore {
  constructor(keepMs?: number) {
    super((job) => job.jobId, keepMs);
  }
}

export class InMemoryScanJobStore extends InMemoryJobStore<ScanJob> implements ScanJobStore {
  constructor(keepMs?: number) {
    super((job) => job.scanJobId, keepMs);
  }
}
