import type { PrintJob, PrintJobStore } from '../domain/ports.js';
import { DEFAULT_REDIS_PREFIX, type RedisClient } from './redis-client.js';

export interface RedisPrintJobStoreOptions {
  /** Namespace of every key (default `dpc:`). */
  prefix?: string;
  /** How long a job is kept after its last change (default 24 h), as for the in-memory store. */
  keepSeconds?: number;
}

/** Print jobs visible to every instance; each job is one JSON key that expires a day after its last change. */
export class RedisPrintJobStore implements PrintJobStore {
  private readonly prefix: string;
  private readonly keepSeconds: number;

  constructor(
    private readonly client: RedisClient,
    options: RedisPrintJobStoreOptions = {},
  ) {
    this.prefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}job:`;
    this.keepSeconds = options.keepSeconds ?? 24 * 3600;
  }

  async save(job: PrintJob): Promise<void> {
    await this.client.set(this.prefix + job.jobId, JSON.stringify(job), {
      expiration: { type: 'EX', value: this.keepSeconds },
    });
  }

  async get(jobId: string): Promise<PrintJob | null> {
    const raw = await this.client.get(this.prefix + jobId);
    return raw ? (JSON.parse(raw) as PrintJob) : null;
  }
}
