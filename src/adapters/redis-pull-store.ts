import type { Clock, PulledDocument, PulledDocumentStore } from '../domain/ports.js';
import { DEFAULT_REDIS_PREFIX, luaScript, type RedisClient, runScript } from './redis-client.js';

export interface RedisPulledDocumentStoreOptions {
  /** Namespace of every key (default `dpc:`). */
  prefix?: string;
  /** Turns expiresAt into key lifetimes. */
  clock: Clock;
  /**
   * How long a record outlives expiresAt (default 1 h), so that removeExpired still finds it and its
   * file can be deleted; after that Redis drops it by itself.
   */
  graceMs?: number;
  /** Most records one removeExpired call deletes, so one script never blocks Redis for long. */
  sweepLimit?: number;
}

// One HASH per document (the record's JSON and its expiresAt) and a ZSET by expiresAt for the sweep.
// Scripts build keys from prefixes passed in ARGV: fine for one Redis, not for Redis Cluster.

const CREATE = luaScript(`
local ttl = tonumber(ARGV[4])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'expiresAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1`);

const TAKE = luaScript(`
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
if not expiresAt or tonumber(expiresAt) <= tonumber(ARGV[2]) then return false end
local data = redis.call('HGET', KEYS[1], 'data')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return data`);

const REMOVE = luaScript(`
local data = redis.call('HGET', KEYS[1], 'data')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return data`);

const REMOVE_EXPIRED = luaScript(`
local out = {}
for _, h in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local key = ARGV[2] .. h
  local data = redis.call('HGET', key, 'data')
  if data then table.insert(out, data) end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], h)
end
return out`);

/** Pulled documents shared by every instance; take and remove are single Lua scripts, so atomic. */
export class RedisPulledDocumentStore implements PulledDocumentStore {
  private readonly docPrefix: string;
  private readonly expiryKey: string;
  private readonly graceMs: number;
  private readonly sweepLimit: number;

  constructor(
    private readonly client: RedisClient,
    private readonly o: RedisPulledDocumentStoreOptions,
  ) {
    const prefix = o.prefix ?? DEFAULT_REDIS_PREFIX;
    this.docPrefix = `${prefix}pull:`;
    this.expiryKey = `${prefix}pulls:expiry`;
    this.graceMs = o.graceMs ?? 3600_000;
    this.sweepLimit = o.sweepLimit ?? 1000;
  }

  async create(doc: PulledDocument): Promise<void> {
    const ttlMs = Math.max(0, Math.ceil(doc.expiresAt - this.o.clock.now())) + this.graceMs;
    await runScript(
      this.client,
      CREATE,
      [this.docPrefix + doc.hash, this.expiryKey],
      [doc.hash, JSON.stringify(doc), doc.expiresAt, ttlMs],
    );
  }

  async get(hash: string): Promise<PulledDocument | null> {
    return parse(await this.client.hGet(this.docPrefix + hash, 'data'));
  }

  async take(hash: string, now: number): Promise<PulledDocument | null> {
    return parse(await runScript(this.client, TAKE, [this.docPrefix + hash, this.expiryKey], [hash, now]));
  }

  async remove(hash: string): Promise<PulledDocument | null> {
    return parse(await runScript(this.client, REMOVE, [this.docPrefix + hash, this.expiryKey], [hash]));
  }

  async removeExpired(now: number): Promise<PulledDocument[]> {
    const reply = await runScript(
      this.client,
      REMOVE_EXPIRED,
      [this.expiryKey],
      [now, this.docPrefix, this.sweepLimit],
    );
    return (Array.isArray(reply) ? reply : []).flatMap((r) => parse(r) ?? []);
  }
}

function parse(reply: unknown): PulledDocument | null {
  return typeof reply === 'string' ? (JSON.parse(reply) as PulledDocument) : null;
}
