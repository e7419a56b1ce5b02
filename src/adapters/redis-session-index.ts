import { findCredentials } from '../domain/credential-scan.js';
import type { Clock } from '../domain/ports.js';
import type { SessionIndex, SessionIndexEntry } from '../domain/sessions.js';
import { DEFAULT_REDIS_PREFIX, luaScript, type RedisClient, runScript } from './redis-client.js';

export interface RedisSessionIndexOptions {
  /** Namespace of every key (default `dpc:`), so instances and tests can share one Redis. */
  prefix?: string;
  /** Turns deadlines into key lifetimes. */
  clock: Clock;
  /**
   * How long an entry outlives its deadline when no instance reaps it (default 1 h, the longest an
   * access token lives at Google): after that there is nothing left worth revoking.
   */
  graceMs?: number;
}

// Each entry is its own key with a TTL, so a session's sealed token disappears from Redis even if
// every instance is down; the ZSET only orders the sids by deadline. Scripts build entry keys from
// the prefix (ARGV), which is fine for one Redis but not for Redis Cluster.

const UPSERT = luaScript(`
-- A refresh (ARGV[5] = '1') never brings back an entry that another instance has just claimed.
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
-- The ZSET lives as long as its longest-lived entry.
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`);

// GET + DEL + ZREM in one script: of several instances claiming the same sid, one gets the entry.
const CLAIM = luaScript(`
local v = redis.call('GET', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return v`);

// Members whose entry key already expired are dropped in the same step, so a concurrent upsert
// of the same sid cannot be undone by the cleanup.
const DUE = luaScript(`
local sids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, sid in ipairs(sids) do
  local v = redis.call('GET', ARGV[3] .. sid)
  if v then table.insert(out, v) else redis.call('ZREM', KEYS[1], sid) end
end
return out`);

/** Session deadlines shared by every instance through one Redis. */
export class RedisSessionIndex implements SessionIndex {
  private readonly zsetKey: string;
  private readonly entryPrefix: string;
  private readonly graceMs: number;

  constructor(
    private readonly client: RedisClient,
    private readonly o: RedisSessionIndexOptions,
  ) {
    const prefix = o.prefix ?? DEFAULT_REDIS_PREFIX;
    this.zsetKey = `${prefix}sessions:deadlines`;
    this.entryPrefix = `${prefix}sessions:entry:`;
    this.graceMs = o.graceMs ?? 3600_000;
  }

  async upsert(entry: SessionIndexEntry, options: { mustExist?: boolean } = {}): Promise<void> {
    // The last line of defence for promise 5: a caller that forgot to seal must fail, not leak.
    if (findCredentials(entry.sealedToken).length > 0) {
      throw new Error('refusing to store an unsealed access token in the session index');
    }
    const ttlMs = Math.max(0, Math.ceil(entry.deadline - this.o.clock.now())) + this.graceMs;
    const json = JSON.stringify({
      sid: entry.sid,
      deadline: entry.deadline,
      maxDeadline: entry.maxDeadline,
      sealedToken: entry.sealedToken,
      userEmail: entry.userEmail,
    } satisfies SessionIndexEntry);
    await runScript(
      this.client,
      UPSERT,
      [this.zsetKey, this.entryPrefix + entry.sid],
      [entry.sid, entry.deadline, json, ttlMs, options.mustExist ? '1' : '0'],
    );
  }

  async claim(sid: string): Promise<SessionIndexEntry | null> {
    const raw = await runScript(this.client, CLAIM, [this.zsetKey, this.entryPrefix + sid], [sid]);
    return typeof raw === 'string' ? parseEntry(raw) : null;
  }

  async due(now: number, limit: number): Promise<SessionIndexEntry[]> {
    if (limit <= 0) return [];
    const raw = await runScript(this.client, DUE, [this.zsetKey], [now, limit, this.entryPrefix]);
    return (Array.isArray(raw) ? raw : []).flatMap((v) =>
      typeof v === 'string' ? (parseEntry(v) ?? []) : [],
    );
  }

  async all(): Promise<SessionIndexEntry[]> {
    const sids = await this.client.zRange(this.zsetKey, 0, -1);
    if (sids.length === 0) return [];
    const values = await this.client.mGet(sids.map((sid) => this.entryPrefix + sid));
    return values.flatMap((v) => (v ? (parseEntry(v) ?? []) : []));
  }
}

function parseEntry(raw: string): SessionIndexEntry | null {
  try {
    const v = JSON.parse(raw) as Partial<SessionIndexEntry>;
    if (
      typeof v.sid !== 'string' ||
      typeof v.deadline !== 'number' ||
      typeof v.maxDeadline !== 'number' ||
      typeof v.sealedToken !== 'string' ||
      typeof v.userEmail !== 'string'
    ) {
      return null;
    }
    return {
      sid: v.sid,
      deadline: v.deadline,
      maxDeadline: v.maxDeadline,
      sealedToken: v.sealedToken,
      userEmail: v.userEmail,
    };
  } catch {
    return null;
  }
}
