import type { Clock, ScanTicket, ScanTicketStore } from '../domain/ports.js';
import { DEFAULT_REDIS_PREFIX, luaScript, type RedisClient, runScript } from './redis-client.js';

export interface RedisScanTicketStoreOptions {
  /** Namespace of every key (default `dpc:`). */
  prefix?: string;
  /** Turns expiresAt into key lifetimes. */
  clock: Clock;
  /**
   * How long a ticket outlives expiresAt (default 1 h), so that removeExpired still finds it and its
   * pages can be deleted; after that Redis drops it by itself.
   */
  graceMs?: number;
  /** Most tickets one removeExpired call deletes, so one script never blocks Redis for long. */
  sweepLimit?: number;
}

// One HASH per ticket: the fields that change (state, parts) sit beside the JSON of those that do
// not, so scripts never re-encode the whole ticket (Lua's cjson would turn [] into {}). A SET per
// session and a ZSET by expiresAt find tickets for removeBySession and removeExpired. Scripts build
// keys from prefixes passed in ARGV: fine for one Redis, not for Redis Cluster.

const CREATE = luaScript(`
local ttl = tonumber(ARGV[8])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'sid', ARGV[3], 'state', ARGV[4], 'pages', ARGV[5],
  'expiresAt', ARGV[6], 'parts', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
if redis.call('PTTL', KEYS[3]) < ttl then redis.call('PEXPIRE', KEYS[3], ttl) end
return 1`);

const TAKE = luaScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return false end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[1]) then return false end
redis.call('HSET', KEYS[1], 'state', 'used')
return redis.call('HGETALL', KEYS[1])`);

const ADD_PART = luaScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
if redis.call('HGET', KEYS[1], 'pages') ~= 'many' then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[2]) then return 0 end
local parts = cjson.decode(redis.call('HGET', KEYS[1], 'parts'))
table.insert(parts, ARGV[1])
redis.call('HSET', KEYS[1], 'parts', cjson.encode(parts))
return 1`);

const REMOVE = luaScript(`
local sid = redis.call('HGET', KEYS[1], 'sid')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if sid then redis.call('SREM', ARGV[2] .. sid, ARGV[1]) end
return 1`);

const REMOVE_BY_SESSION = luaScript(`
local out = {}
for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local t = redis.call('HGETALL', ARGV[1] .. h)
  if #t > 0 then table.insert(out, t) end
  redis.call('DEL', ARGV[1] .. h)
  redis.call('ZREM', KEYS[2], h)
end
redis.call('DEL', KEYS[1])
return out`);

const REMOVE_EXPIRED = luaScript(`
local out = {}
for _, h in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))) do
  local key = ARGV[2] .. h
  local sid = redis.call('HGET', key, 'sid')
  if sid then
    table.insert(out, redis.call('HGETALL', key))
    redis.call('SREM', ARGV[3] .. sid, h)
  end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], h)
end
return out`);

type StoredFields = Record<string, string>;

/** Scan tickets shared by every instance; take and addPart are single Lua scripts, so atomic. */
export class RedisScanTicketStore implements ScanTicketStore {
  private readonly ticketPrefix: string;
  private readonly sessionPrefix: string;
  private readonly expiryKey: string;
  private readonly graceMs: number;
  private readonly sweepLimit: number;

  constructor(
    private readonly client: RedisClient,
    private readonly o: RedisScanTicketStoreOptions,
  ) {
    const prefix = o.prefix ?? DEFAULT_REDIS_PREFIX;
    this.ticketPrefix = `${prefix}ticket:`;
    this.sessionPrefix = `${prefix}tickets:session:`;
    this.expiryKey = `${prefix}tickets:expiry`;
    this.graceMs = o.graceMs ?? 3600_000;
    this.sweepLimit = o.sweepLimit ?? 1000;
  }

  async create(ticket: ScanTicket): Promise<void> {
    const { state, parts, ...fixed } = ticket;
    const ttlMs = Math.max(0, Math.ceil(ticket.expiresAt - this.o.clock.now())) + this.graceMs;
    await runScript(
      this.client,
      CREATE,
      [this.ticketPrefix + ticket.hash, this.sessionPrefix + ticket.sid, this.expiryKey],
      [
        ticket.hash,
        JSON.stringify(fixed),
        ticket.sid,
        state,
        ticket.pages,
        ticket.expiresAt,
        JSON.stringify(parts),
        ttlMs,
      ],
    );
  }

  async get(hash: string): Promise<ScanTicket | null> {
    return toTicket(await this.client.hGetAll(this.ticketPrefix + hash));
  }

  async take(hash: string, now: number): Promise<ScanTicket | null> {
    return fromReply(await runScript(this.client, TAKE, [this.ticketPrefix + hash], [now]));
  }

  async addPart(hash: string, part: string, now: number): Promise<boolean> {
    return (await runScript(this.client, ADD_PART, [this.ticketPrefix + hash], [part, now])) === 1;
  }

  async remove(hash: string): Promise<void> {
    await runScript(
      this.client,
      REMOVE,
      [this.ticketPrefix + hash, this.expiryKey],
      [hash, this.sessionPrefix],
    );
  }

  async removeBySession(sid: string): Promise<ScanTicket[]> {
    const reply = await runScript(
      this.client,
      REMOVE_BY_SESSION,
      [this.sessionPrefix + sid, this.expiryKey],
      [this.ticketPrefix],
    );
    return fromReplies(reply);
  }

  async removeExpired(now: number): Promise<ScanTicket[]> {
    const reply = await runScript(
      this.client,
      REMOVE_EXPIRED,
      [this.expiryKey],
      [now, this.ticketPrefix, this.sessionPrefix, this.sweepLimit],
    );
    return fromReplies(reply);
  }
}

/** HGETALL as a script returns it: field, value, field, value... */
function fromReply(reply: unknown): ScanTicket | null {
  if (!Array.isArray(reply)) return null;
  const fields: StoredFields = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return toTicket(fields);
}

function fromReplies(reply: unknown): ScanTicket[] {
  return (Array.isArray(reply) ? reply : []).flatMap((r) => fromReply(r) ?? []);
}

function toTicket(fields: StoredFields): ScanTicket | null {
  const { data, state, parts } = fields;
  if (!data || (state !== 'open' && state !== 'used') || !parts) return null;
  const fixed = JSON.parse(data) as Omit<ScanTicket, 'state' | 'parts'>;
  return { ...fixed, state, parts: JSON.parse(parts) as string[] };
}
