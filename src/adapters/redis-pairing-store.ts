import type { Pairing, PairingState, PairingStore } from '../domain/pairing.js';
import type { Clock } from '../domain/ports.js';
import { DEFAULT_REDIS_PREFIX, luaScript, type RedisClient, runScript } from './redis-client.js';

export interface RedisPairingStoreOptions {
  /** Namespace of every key (default `dpc:`). */
  prefix?: string;
  /** Turns expiresAt into key lifetimes. */
  clock: Clock;
  /** How long a pairing outlives expiresAt (default 10 min), so a late phone is told "expired". */
  graceMs?: number;
}

// One HASH per pairing (by capability hash) and a STRING from the public id to that hash, both
// with a TTL, so Redis forgets every pairing by itself. Nothing in them is secret: the capability
// is stored only as its sha256 and the token never passes through here.

const CREATE = luaScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'state', 'open', 'expiresAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
return 1`);

const SETTLE = luaScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return false end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[2]) then return false end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
return redis.call('HGETALL', KEYS[1])`);

/** Pairings shared by every instance; settle is one Lua script, so only one caller wins. */
export class RedisPairingStore implements PairingStore {
  private readonly pairingPrefix: string;
  private readonly idPrefix: string;
  private readonly graceMs: number;

  constructor(
    private readonly client: RedisClient,
    private readonly o: RedisPairingStoreOptions,
  ) {
    const prefix = o.prefix ?? DEFAULT_REDIS_PREFIX;
    this.pairingPrefix = `${prefix}pairing:`;
    this.idPrefix = `${prefix}pairing-id:`;
    this.graceMs = o.graceMs ?? 10 * 60_000;
  }

  async create(pairing: Pairing): Promise<void> {
    const { state: _state, ...fixed } = pairing;
    const ttlMs = Math.max(0, Math.ceil(pairing.expiresAt - this.o.clock.now())) + this.graceMs;
    await runScript(
      this.client,
      CREATE,
      [this.pairingPrefix + pairing.hash, this.idPrefix + pairing.id],
      [JSON.stringify(fixed), pairing.expiresAt, ttlMs, pairing.hash],
    );
  }

  async get(hash: string): Promise<Pairing | null> {
    return toPairing(await this.client.hGetAll(this.pairingPrefix + hash));
  }

  async byId(id: string): Promise<Pairing | null> {
    const hash = await this.client.get(this.idPrefix + id);
    return hash ? this.get(hash) : null;
  }

  async settle(hash: string, state: Exclude<PairingState, 'open'>, now: number): Promise<Pairing | null> {
    const reply = await runScript(this.client, SETTLE, [this.pairingPrefix + hash], [state, now]);
    if (!Array.isArray(reply)) return null;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return toPairing(fields);
  }
}

function toPairing(fields: Record<string, string>): Pairing | null {
  const { data, state } = fields;
  if (!data || (state !== 'open' && state !== 'confirmed' && state !== 'refused')) return null;
  return { ...(JSON.parse(data) as Omit<Pairing, 'state'>), state };
}
