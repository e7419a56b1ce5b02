import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySessionIndex } from '../../src/adapters/memory-session-index.js';
import { createRedisClient, type RedisClient } from '../../src/adapters/redis-client.js';
import { RedisSessionIndex } from '../../src/adapters/redis-session-index.js';
import { AesGcmTokenSealer } from '../../src/adapters/token-sealer.js';
import type { SessionIndex } from '../../src/domain/sessions.js';
import { InstantClock } from '../fakes/manual-clock.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';

// A request that touches its session while another instance claims (ends) it must not bring the
// entry back, or the token would be revoked a second time.
let redis: TestRedis | undefined;
let client: RedisClient | undefined;
const clock = new InstantClock();
const sealed = new AesGcmTokenSealer('k'.repeat(40)).seal('ya29.example-token-for-the-index-test');

beforeAll(async () => {
  if (!hasRedisServer()) return;
  redis = await startRedis();
  client = await createRedisClient(redis.url, { onError: () => undefined });
});
afterAll(async () => {
  client?.destroy();
  await redis?.dispose();
});

const indexes: Array<[string, () => SessionIndex]> = [
  ['in memory', () => new InMemorySessionIndex()],
  ...(hasRedisServer()
    ? ([
        [
          'redis',
          () => new RedisSessionIndex(client as RedisClient, { clock, prefix: `refresh-${Math.random()}:` }),
        ],
      ] as Array<[string, () => SessionIndex]>)
    : []),
];

describe.each(indexes)('session index refresh (%s)', (_name, make) => {
  const entry = (deadline: number) => ({
    sid: 's1',
    deadline,
    maxDeadline: deadline + 1000,
    sealedToken: sealed,
    userEmail: 'a@x',
  });

  it('moves a live entry but never recreates a claimed one', async () => {
    const index = make();
    await index.upsert(entry(clock.now() + 1000));
    await index.upsert(entry(clock.now() + 5000), { mustExist: true });
    expect((await index.all()).map((e) => e.deadline)).toEqual([clock.now() + 5000]);
    expect(await index.claim('s1')).not.toBeNull();
    await index.upsert(entry(clock.now() + 9000), { mustExist: true });
    expect(await index.all()).toEqual([]);
    expect(await index.claim('s1')).toBeNull();
  });
});
