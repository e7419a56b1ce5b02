import type { ScanOutcome } from '../domain/ports.js';
import type { ScanOutcomeStore } from '../domain/scanning.js';
import { DEFAULT_REDIS_PREFIX, type RedisClient } from './redis-client.js';

/** Outcomes of used scan tickets, shared by every instance; each expires with its ticket. */
export class RedisScanOutcomeStore implements ScanOutcomeStore {
  private readonly prefix: string;
  constructor(
    private readonly client: RedisClient,
    options: { prefix?: string } = {},
  ) {
    this.prefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}scan-outcome:`;
  }

  async set(ticketHash: string, outcome: ScanOutcome, ttlMs: number): Promise<void> {
    await this.client.set(`${this.prefix}${ticketHash}`, JSON.stringify(outcome), {
      PX: Math.max(1000, ttlMs),
    });
  }

  async get(ticketHash: string): Promise<ScanOutcome | null> {
    const raw = await this.client.get(`${this.prefix}${ticketHash}`);
    return raw ? (JSON.parse(raw) as ScanOutcome) : null;
  }
}
