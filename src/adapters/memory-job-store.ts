import type { PrintJob, PrintJobStore } from '../domain/ports.js';

/** Print jobs for a single instance; ended jobs are forgotten after a day. */
export class InMemoryPrintJobStore implements PrintJobStore {
  private readonly jobs = new Map<string, PrintJob>();
  constructor(private readonly keepMs = 24 * 3600_000) {}

  async save(job: PrintJob): Promise<void> {
    this.jobs.set(job.jobId, { ...job });
    const cutoff = job.updatedAt - this.keepMs;
    for (const [id, j] of this.jobs) if (j.updatedAt < cutoff) this.jobs.delete(id);
  }

  async get(jobId: string): Promise<PrintJob | null> {
    const job = this.jobs.get(jobId);
    return job ? { ...job } : null;
  }
}
