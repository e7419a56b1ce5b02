import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryScanTicketStore } from '../../src/adapters/memory-ticket-store.js';
import { createRedisClient, type RedisClient } from '../../src/adapters/redis-client.js';
import { RedisInstances } from '../../src/adapters/redis-instances.js';
import { RedisPrintJobStore } from '../../src/adapters/redis-job-store.js';
import { RedisSessionIndex } from '../../src/adapters/redis-session-index.js';
import { createRedisSessionStore } from '../../src/adapters/redis-session-store.js';
import { RedisScanTicketStore } from '../../src/adapters/redis-ticket-store.js';
import { AesGcmTokenSealer } from '../../src/adapters/token-sealer.js';
import type { PrintJob, ScanTicket, ScanTicketStore } from '../../src/domain/ports.js';
import type { SessionIndexEntry } from '../../src/domain/sessions.js';
import { InstantClock } from '../fakes/manual-clock.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';

const clock = new InstantClock();
let redis: TestRedis | undefined;
let a: RedisClient;
let b: RedisClient;
const connectionErrors: Error[] = [];
let prefixes = 0;
/** A fresh key namespace per test, so tests never see each other's keys. */
const freshPrefix = () => `t${++prefixes}-${randomBytes(3).toString('hex')}:`;

beforeAll(async () => {
  if (!hasRedisServer()) return;
  redis = await startRedis();
  const onError = (err: Error) => connectionErrors.push(err);
  a = await createRedisClient(redis.url, { onError, maxBackoffMs: 200 });
  b = await createRedisClient(redis.url, { onError, maxBackoffMs: 200 });
});

afterAll(async () => {
  for (const client of [a, b]) if (client?.isOpen) client.destroy();
  await redis?.dispose();
});

function entry(sid: string, deadline: number, sealedToken = 'v1.c2VhbGVk'): SessionIndexEntry {
  return { sid, deadline, maxDeadline: deadline + 60_000, sealedToken, userEmail: 'ada@example.com' };
}

function ticket(overrides: Partial<ScanTicket> = {}): ScanTicket {
  return {
    hash: randomBytes(32).toString('hex'),
    sid: 'sid-1',
    ownerKey: 'owner-1',
    userEmail: 'ada@example.com',
    folderId: 'folder-1',
    folderName: 'Scans',
    name: 'Scan 2026-11-22.pdf',
    pages: 'one',
    expiresAt: clock.now() + 600_000,
    parts: [],
    state: 'open',
    ...overrides,
  };
}

/** Every key under a prefix with its TTL and the text of its value, whatever its type. */
async function dump(
  client: RedisClient,
  prefix: string,
): Promise<Array<{ key: string; pttl: number; text: string }>> {
  const out: Array<{ key: string; pttl: number; text: string }> = [];
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) {
    for (const key of keys) {
      const type = await client.type(key);
      const value =
        type === 'string'
          ? await client.get(key)
          : type === 'hash'
            ? JSON.stringify(await client.hGetAll(key))
            : type === 'zset'
              ? (await client.zRange(key, 0, -1)).join(' ')
              : (await client.sMembers(key)).join(' ');
      out.push({ key, pttl: await client.pTTL(key), text: `${key} ${value ?? ''}` });
    }
  }
  return out;
}

describe.skipIf(!hasRedisServer())('RedisSessionIndex', () => {
  it('lets exactly one of two instances claim a session, 50 times over', async () => {
    const prefix = freshPrefix();
    const first = new RedisSessionIndex(a, { prefix, clock });
    const second = new RedisSessionIndex(b, { prefix, clock });
    for (let i = 0; i < 50; i++) {
      await first.upsert(entry(`sid-${i}`, clock.now() + 1000));
      const results = await Promise.all([first.claim(`sid-${i}`), second.claim(`sid-${i}`)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(results.find(Boolean)).toEqual(entry(`sid-${i}`, clock.now() + 1000));
    }
    expect(await first.all()).toEqual([]);
  });

  it('lists due sessions by deadline, at most `limit`, and moves an entry on upsert', async () => {
    const index = new RedisSessionIndex(a, { prefix: freshPrefix(), clock });
    const now = clock.now();
    await index.upsert(entry('late', now + 60_000));
    await index.upsert(entry('second', now - 1000));
    await index.upsert(entry('first', now - 5000));
    await index.upsert(entry('exact', now));
    expect((await index.due(now, 10)).map((e) => e.sid)).toEqual(['first', 'second', 'exact']);
    expect((await index.due(now, 2)).map((e) => e.sid)).toEqual(['first', 'second']);
    await index.upsert(entry('first', now + 120_000));
    expect((await index.due(now, 10)).map((e) => e.sid)).toEqual(['second', 'exact']);
    expect((await index.all()).map((e) => e.sid).sort()).toEqual(['exact', 'first', 'late', 'second']);
  });

  it('forgets a session whose entry key expired, and claims nothing for it', async () => {
    const prefix = freshPrefix();
    const index = new RedisSessionIndex(a, { prefix, clock });
    await index.upsert(entry('gone', clock.now() - 1000));
    await a.del(`${prefix}sessions:entry:gone`);
    expect(await index.due(clock.now(), 10)).toEqual([]);
    expect(await a.zRange(`${prefix}sessions:deadlines`, 0, -1)).toEqual([]);
    expect(await index.claim('gone')).toBeNull();
  });

  it('refuses to store a token that is not sealed', async () => {
    const index = new RedisSessionIndex(a, { prefix: freshPrefix(), clock });
    await expect(index.upsert(entry('s', clock.now(), `ya29.${'a'.repeat(40)}`))).rejects.toThrow(/unsealed/);
  });
});

const ticketStores: Array<[string, () => { one: ScanTicketStore; other: ScanTicketStore }]> = [
  [
    'InMemoryScanTicketStore',
    () => {
      const store = new InMemoryScanTicketStore();
      return { one: store, other: store };
    },
  ],
  [
    'RedisScanTicketStore',
    () => {
      const prefix = freshPrefix();
      return {
        one: new RedisScanTicketStore(a, { prefix, clock }),
        other: new RedisScanTicketStore(b, { prefix, clock }),
      };
    },
  ],
];

describe.skipIf(!hasRedisServer()).each(ticketStores)('%s', (_name, make) => {
  it('stores and returns a ticket', async () => {
    const { one } = make();
    const t = ticket({ pages: 'many' });
    await one.create(t);
    expect(await one.get(t.hash)).toEqual(t);
    expect(await one.get('unknown')).toBeNull();
  });

  it('gives a ticket to exactly one of many parallel takers', async () => {
    const { one, other } = make();
    const t = ticket();
    await one.create(t);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : other).take(t.hash, clock.now())),
    );
    const winners = results.filter(Boolean);
    expect(winners).toEqual([{ ...t, state: 'used' }]);
    expect(await one.take(t.hash, clock.now())).toBeNull();
    expect((await one.get(t.hash))?.state).toBe('used');
  });

  it('refuses a take from expiresAt on, and of an unknown ticket', async () => {
    const { one } = make();
    const t = ticket();
    await one.create(t);
    expect(await one.take(t.hash, t.expiresAt)).toBeNull();
    expect(await one.take('unknown', clock.now())).toBeNull();
    expect((await one.take(t.hash, t.expiresAt - 1))?.hash).toBe(t.hash);
  });

  it('appends pages to an open many-page ticket only', async () => {
    const { one, other } = make();
    const many = ticket({ pages: 'many' });
    const single = ticket({ pages: 'one' });
    await one.create(many);
    await one.create(single);
    expect(await one.addPart(many.hash, 'scan-1.tmp', clock.now())).toBe(true);
    expect(await other.addPart(many.hash, 'scan/2.tmp', clock.now())).toBe(true);
    expect(await one.addPart(many.hash, 'late.tmp', many.expiresAt)).toBe(false);
    expect(await one.addPart(single.hash, 'x.tmp', clock.now())).toBe(false);
    expect(await one.addPart('unknown', 'x.tmp', clock.now())).toBe(false);
    expect((await one.get(many.hash))?.parts).toEqual(['scan-1.tmp', 'scan/2.tmp']);
    const taken = await one.take(many.hash, clock.now());
    expect(taken?.parts).toEqual(['scan-1.tmp', 'scan/2.tmp']);
    expect(await other.addPart(many.hash, 'after.tmp', clock.now())).toBe(false);
    expect((await one.get(many.hash))?.parts).toEqual(['scan-1.tmp', 'scan/2.tmp']);
  });

  it('adds parallel pages without losing one', async () => {
    const { one, other } = make();
    const t = ticket({ pages: 'many' });
    await one.create(t);
    const names = Array.from({ length: 20 }, (_, i) => `page-${i}.tmp`);
    await Promise.all(names.map((n, i) => (i % 2 ? one : other).addPart(t.hash, n, clock.now())));
    expect([...((await one.get(t.hash))?.parts ?? [])].sort()).toEqual([...names].sort());
  });

  it('removes one ticket', async () => {
    const { one } = make();
    const t = ticket();
    await one.create(t);
    await one.remove(t.hash);
    await one.remove(t.hash);
    expect(await one.get(t.hash)).toBeNull();
    expect(await one.removeBySession(t.sid)).toEqual([]);
    expect(await one.removeExpired(t.expiresAt + 1)).toEqual([]);
  });

  it('removes and returns every ticket of a session, and no other', async () => {
    const { one, other } = make();
    const mine = [ticket({ sid: 'ending' }), ticket({ sid: 'ending', pages: 'many' })];
    const theirs = ticket({ sid: 'staying' });
    for (const t of [...mine, theirs]) await one.create(t);
    await one.addPart(mine[1]!.hash, 'p1.tmp', clock.now());
    const removed = await other.removeBySession('ending');
    const byHash = (x: ScanTicket, y: ScanTicket) => x.hash.localeCompare(y.hash);
    expect(removed.sort(byHash)).toEqual([mine[0]!, { ...mine[1]!, parts: ['p1.tmp'] }].sort(byHash));
    expect(await one.get(mine[0]!.hash)).toBeNull();
    expect(await one.get(theirs.hash)).toEqual(theirs);
    expect(await one.removeBySession('ending')).toEqual([]);
    expect(await one.removeExpired(theirs.expiresAt - 1)).toEqual([]);
  });

  it('removes and returns expired tickets only', async () => {
    const { one } = make();
    const now = clock.now();
    const old = ticket({ expiresAt: now - 1000 });
    const exact = ticket({ expiresAt: now, sid: 'other' });
    const fresh = ticket({ expiresAt: now + 1000 });
    for (const t of [old, exact, fresh]) await one.create(t);
    const removed = await one.removeExpired(now);
    expect(removed.map((t) => t.hash).sort()).toEqual([old.hash, exact.hash].sort());
    expect(await one.get(old.hash)).toBeNull();
    expect(await one.get(fresh.hash)).toEqual(fresh);
    expect(await one.removeBySession(old.sid)).toEqual([fresh]);
  });
});

describe.skipIf(!hasRedisServer())('RedisPrintJobStore', () => {
  it('stores a job and returns it from another instance, with a day to live', async () => {
    const prefix = freshPrefix();
    const job: PrintJob = {
      jobId: 'job-1',
      ownerKey: 'owner-1',
      state: 'failed',
      fileId: 'file-1',
      fileName: 'Report.pdf',
      printerId: 'floor2',
      ippJobId: null,
      error: { code: 'printer_unreachable', message: 'The printer did not answer.' },
      ticket: { copies: 2, pageRanges: [[2, 3]] },
      step: 'send',
      converts: false,
      pagesDone: null,
      createdAt: 1,
      updatedAt: 2,
    };
    await new RedisPrintJobStore(a, { prefix }).save(job);
    expect(await new RedisPrintJobStore(b, { prefix }).get('job-1')).toEqual(job);
    expect(await new RedisPrintJobStore(b, { prefix }).get('job-2')).toBeNull();
    const ttl = await a.pTTL(`${prefix}job:job-1`);
    expect(ttl).toBeGreaterThan(23 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
  });

  it('replaces a job only when it is still what the caller read (compare-and-set across instances)', async () => {
    const prefix = freshPrefix();
    const job: PrintJob = {
      jobId: 'job-cas',
      ownerKey: 'owner-1',
      state: 'downloading',
      fileId: 'file-1',
      fileName: 'Report.pdf',
      printerId: 'floor2',
      ippJobId: null,
      error: null,
      ticket: {},
      step: 'download',
      converts: false,
      pagesDone: null,
      instanceId: 'instance-a',
      createdAt: 1,
      updatedAt: 1,
    };
    const owner = new RedisPrintJobStore(a, { prefix });
    const other = new RedisPrintJobStore(b, { prefix });
    await owner.save(job);
    // Another instance records a cancel on what it read...
    const seen = (await other.get('job-cas')) as PrintJob;
    expect(await other.replace(seen, { ...seen, state: 'canceled', updatedAt: 2 })).toBe(true);
    // ...and the owner's update, made on its older copy, is refused.
    expect(await owner.replace(job, { ...job, state: 'sending', updatedAt: 3 })).toBe(false);
    expect((await owner.get('job-cas'))?.state).toBe('canceled');
    expect(await a.pTTL(`${prefix}job:job-cas`)).toBeGreaterThan(23 * 3600_000);
  });
});

describe.skipIf(!hasRedisServer())('RedisInstances', () => {
  it('an instance is alive while it renews its lease, and dead soon after it stops', async () => {
    const prefix = freshPrefix();
    const one = new RedisInstances(a, { prefix, leaseMs: 300 });
    const two = new RedisInstances(b, { prefix, leaseMs: 300 });
    await one.start(() => undefined);
    await two.start(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(await two.alive(one.id)).toBe(true);
    await one.stop();
    expect(await two.alive(one.id)).toBe(false);
    expect(await two.alive('never-started')).toBe(false);
    await two.stop();
  });
});

describe.skipIf(!hasRedisServer())('what the Redis adapters leave at rest', () => {
  it('gives every key a lifetime and never holds a token in the clear', async () => {
    const prefix = freshPrefix();
    const sealer = new AesGcmTokenSealer('s'.repeat(40));
    const token = `ya29.${randomBytes(90).toString('base64url')}`;
    const index = new RedisSessionIndex(a, { prefix, clock });
    await index.upsert(entry('sid-a', clock.now() + 300_000, sealer.seal(token)));
    await index.upsert(entry('sid-b', clock.now() - 300_000, sealer.seal(token)));
    const tickets = new RedisScanTicketStore(a, { prefix, clock });
    const t = ticket({ pages: 'many' });
    await tickets.create(t);
    await new RedisPrintJobStore(a, { prefix }).save({
      jobId: 'j',
      ownerKey: 'o',
      state: 'queued',
      fileId: 'f',
      fileName: 'n',
      printerId: 'p',
      ippJobId: null,
      error: null,
      ticket: {},
      step: null,
      converts: false,
      pagesDone: null,
      createdAt: 0,
      updatedAt: 0,
    });
    const store = createRedisSessionStore(a, { prefix, ttlSeconds: 300 });
    await new Promise<void>((resolve, reject) =>
      store.set(
        'sid-a',
        {
          cookie: { originalMaxAge: 300_000, expires: new Date(Date.now() + 300_000) },
          token: sealer.seal(token),
        } as never,
        (err) => (err ? reject(err) : resolve()),
      ),
    );

    const keys = await dump(a, prefix);
    expect(keys.map((k) => k.key.slice(prefix.length)).sort()).toEqual(
      [
        'job:j',
        'sess:sid-a',
        'sessions:deadlines',
        'sessions:entry:sid-a',
        'sessions:entry:sid-b',
        `ticket:${t.hash}`,
        'tickets:expiry',
        'tickets:session:sid-1',
      ].sort(),
    );
    for (const k of keys) expect(k.pttl, k.key).toBeGreaterThan(0);
    // The session key lives as long as the cookie: its idle time.
    expect(keys.find((k) => k.key.endsWith('sess:sid-a'))?.pttl).toBeLessThanOrEqual(300_000);
    // An entry whose deadline passed still lives for the grace time, so a late reaper can revoke it.
    expect(keys.find((k) => k.key.endsWith('entry:sid-b'))?.pttl).toBeGreaterThan(3000_000);
    for (const k of keys) expect(k.text).not.toContain('ya29.');
    expect(sealer.open((await index.claim('sid-a'))?.sealedToken ?? '')).toBe(token);
  });
});

describe.skipIf(!hasRedisServer())('a Redis outage', () => {
  it('fails commands at once while Redis is down and recovers after it restarts', async () => {
    const prefix = freshPrefix();
    const index = new RedisSessionIndex(a, { prefix, clock });
    await index.upsert(entry('before', clock.now()));
    await redis!.stop();
    await waitFor(() => !a.isReady);
    const started = Date.now();
    await expect(index.due(clock.now(), 10)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
    await redis!.restart();
    await waitFor(() => a.isReady && b.isReady);
    // The restarted Redis is empty and knows none of the scripts: EVALSHA falls back to EVAL.
    expect(await index.due(clock.now(), 10)).toEqual([]);
    await index.upsert(entry('after', clock.now()));
    expect((await index.claim('after'))?.sid).toBe('after');
    expect(connectionErrors.length).toBeGreaterThan(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
