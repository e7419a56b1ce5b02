import { randomUUID } from 'node:crypto';
import type { RunningInstances } from '../domain/ports.js';
import { DEFAULT_REDIS_PREFIX, type RedisClient } from './redis-client.js';

export interface RedisInstancesOptions {
  prefix?: string;
  /** How long a lease lasts without renewal (default 15 s); renewed every third of it. */
  leaseMs?: number;
}

/**
 * Instances sharing Redis, each holding a lease key it renews while it runs. A process that was
 * killed stops renewing; once its lease lapses its unfinished jobs are reported failed.
 */
export class RedisInstances implements RunningInstances {
  readonly id = randomUUID();
  private readonly prefix: string;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: RedisClient,
    options: RedisInstancesOptions = {},
  ) {
    this.prefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}instance:`;
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  /** Takes the lease and keeps renewing it; a failed renewal is retried at the next tick. */
  async start(onError: (err: unknown) => void): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => this.renew().catch(onError), Math.max(100, this.leaseMs / 3));
    this.timer.unref();
  }

  /** Gives the lease up (clean shutdown, after the jobs ended). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.client.del(this.prefix + this.id);
  }

  async alive(id: string): Promise<boolean> {
    if (id === this.id) return true;
    // Unknown when Redis does not answer: the caller's error path runs, nothing is failed wrongly.
    return (await this.client.exists(this.prefix + id)) === 1;
  }

  private async renew(): Promise<void> {
    await this.client.set(this.prefix + this.id, '1', {
      expiration: { type: 'PX', value: this.leaseMs },
    });
  }
}
