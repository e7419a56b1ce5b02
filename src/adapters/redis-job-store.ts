import type { PrintJob, PrintJobStore, ScanJob, ScanJobStore } from '../domain/ports.js';
import { DEFAULT_REDIS_PREFIX, type RedisClient } from './redis-client.js';

export interface RedisJobStoreOptions {
  /** Namespace of every key (default `dpc:`). */
  prefix?: string;
  /** How long a job is kept after its last change (default 24 h), as for the in-memory store. */
  keepSeconds?: number;
}

/** SET key next only when key holds exactly `expected` (the JSON this instance last read). */
const REPLACE_IF_UNCHANGED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

/** Jobs visible to every instance; each job is one JSON key that expires a day after its last change. */
class RedisJobStore<T> {
  private readonly prefix: string;
  private readonly keepSeconds: number;

  constructor(
    private readonly client: RedisClient,
    kind: string,
    private readonly idOf: (job: T) => string,
    options: RedisJobStoreOptions = {},
  ) {
    this.prefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}${kind}:`;
    this.keepSeconds = options.keepSeconds ?? 24 * 3600;
  }

  async save(job: T): Promise<void> {
    await this.client.set(this.prefix + this.idOf(job), JSON.stringify(job), {
      expiration: { type: 'EX', value: this.keepSeconds },
    });
  }

  async replace(expected: T, next: T): Promise<boolean> {
    // One script, so the comparison and the write are atomic across instances.
    const done = await this.client.eval(REPLACE_IF_UNCHANGED, {
      keys: [this.prefix + this.idOf(expected)],
      arguments: [JSON.stringify(expected), JSON.stringify(next), String(this.keepSeconds)],
    });
    return done === 1;
  }

  async get(id: string): Promise<T | null> {
    const raw = await this.client.get(this.prefix + id);
    return raw ? (JSON.parse(raw) as T) : null;
  }
}

export class RedisPrintJobStore extends RedisJobStore<PrintJob> implements PrintJobStore {
  constructor(client: RedisClient, options: RedisJobStoreOptions = {}) {
    super(client, 'job', (job) => job.jobId, options);
  }
}

export class RedisScanJobStore extends RedisJobStore<ScanJob> implements ScanJobStore {
  constructor(client: RedisClient, options: RedisJobStoreOptions = {}) {
    super(client, 'scanjob', (job) => job.scanJobId, options);
  }
}
