// How express-session behaves on a Redis session store when Redis stops, hangs and comes back.

import { RedisStore } from 'connect-redis';
import express, { type Express } from 'express';
import type { Store } from 'express-session';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../src/adapters/redis-client.js';
import { createRedisSessionStore } from '../../src/adapters/redis-session-store.js';
import { errorHandler } from '../../src/http/middleware/errors.js';
import { requireSessionStore, sessionMiddleware } from '../../src/http/session.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';

const IDLE_SECONDS = 300;
let redis: TestRedis | undefined;
let client: RedisClient;
let store: Store;

beforeAll(async () => {
  if (!hasRedisServer()) return;
  redis = await startRedis();
  client = await createRedisClient(redis.url, { onError: () => {}, maxBackoffMs: 200 });
  store = createRedisSessionStore(client, {
    prefix: 'dpc:',
    ttlSeconds: IDLE_SECONDS,
    operationTimeoutMs: 500,
  });
});

afterAll(async () => {
  if (client?.isOpen) client.destroy();
  await redis?.dispose();
});

interface Observed {
  hadSession: boolean[];
  unexpected: unknown[];
}

/** A minimal app with the real session middleware, requireSessionStore and error handler. */
function appWith(sessionStore: Store): { app: Express; seen: Observed } {
  const seen: Observed = { hadSession: [], unexpected: [] };
  const app = express();
  app.use(
    sessionMiddleware({
      store: sessionStore,
      secret: 'k'.repeat(40),
      secure: false,
      idleSeconds: IDLE_SECONDS,
    }),
  );
  app.use((req, _res, next) => {
    seen.hadSession.push(req.session !== undefined);
    next();
  });
  app.use(requireSessionStore);
  app.post('/api/remember', (req, res) => {
    req.session.csrfToken = 'remembered';
    res.json({ ok: true });
  });
  app.get('/api/recall', (req, res) => {
    res.json({ value: req.session.csrfToken ?? null });
  });
  app.use(errorHandler({ onUnexpected: (err) => seen.unexpected.push(err) }));
  return { app, seen };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function signedCookie(app: Express): Promise<string> {
  const res = await request(app).post('/api/remember').expect(200);
  const cookie = res.headers['set-cookie']?.[0];
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0] ?? '';
}

describe.skipIf(!hasRedisServer())('Redis session store', () => {
  it('keeps a session in a key that expires with its cookie', async () => {
    const { app } = appWith(store);
    const cookie = await signedCookie(app);
    expect((await request(app).get('/api/recall').set('Cookie', cookie)).body).toEqual({
      value: 'remembered',
    });
    const keys = await client.keys('dpc:sess:*');
    expect(keys).toHaveLength(1);
    const ttl = await client.pTTL(keys[0]!);
    // The cookie (and so the key) lives a grace minute past the idle time; the server ends the
    // session itself at the idle deadline and revokes its token.
    expect(ttl).toBeGreaterThan((IDLE_SECONDS + 55) * 1000);
    expect(ttl).toBeLessThanOrEqual((IDLE_SECONDS + 60) * 1000);
  });

  it('answers 503 while Redis is stopped, by either path express-session takes, and recovers', async () => {
    const running = appWith(store);
    const cookie = await signedCookie(running.app);
    await redis!.stop();
    await waitFor(() => !client.isReady);

    // Path 1: the store emitted 'disconnect', so express-session calls next() without req.session.
    const skipped = await request(running.app).get('/api/recall').set('Cookie', cookie);
    expect(skipped.status).toBe(503);
    expect(skipped.body.error.code).toBe('session_unavailable');
    expect(running.seen.hadSession.at(-1)).toBe(false);

    // Path 2: a middleware that never saw 'disconnect' asks the store; get fails and express-session
    // calls next(err). The store's error is a NotReadyError, so the answer is 503, not 500.
    const fresh = appWith(store);
    const failed = await request(fresh.app).get('/api/recall').set('Cookie', cookie);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('session_unavailable');
    expect(fresh.seen.hadSession).toEqual([]);
    expect(fresh.seen.unexpected).toEqual([]);

    // Without a cookie nothing is read: the handler runs on a new session and its answer is written
    // before the failed save is known, so the client sees 200 although nothing was stored.
    expect((await request(fresh.app).post('/api/remember')).status).toBe(200);

    await redis!.restart();
    await waitFor(() => client.isReady);
    // The restarted Redis is empty: the old session is gone and a new one works.
    expect((await request(running.app).get('/api/recall').set('Cookie', cookie)).body).toEqual({
      value: null,
    });
    const again = await signedCookie(running.app);
    expect((await request(running.app).get('/api/recall').set('Cookie', again)).body).toEqual({
      value: 'remembered',
    });
  });

  it('shows why the store wraps errors: plain connect-redis gives a 500 through next(err)', async () => {
    const plain = new RedisStore({ client, prefix: 'plain:', ttl: IDLE_SECONDS });
    const { app, seen } = appWith(plain);
    const cookie = await signedCookie(app);
    await redis!.stop();
    await waitFor(() => !client.isReady);
    const res = await request(app).get('/api/recall').set('Cookie', cookie);
    expect(res.status).toBe(500);
    expect(seen.hadSession).toEqual([true]);
    expect(String(seen.unexpected[0])).toMatch(/offline/i);
    await redis!.restart();
    await waitFor(() => client.isReady);
  });

  it('answers 503 instead of hanging when Redis stops answering', async () => {
    const { app } = appWith(store);
    const cookie = await signedCookie(app);
    redis!.pause();
    try {
      const started = Date.now();
      const res = await request(app).get('/api/recall').set('Cookie', cookie);
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      redis!.resume();
    }
    await waitFor(() => client.isReady);
    // The failed get left req.session unset; with `unset: 'keep'` express-session does not delete the
    // session then, so a Redis that was only slow keeps the person signed in.
    expect(await client.keys('dpc:sess:*')).not.toEqual([]);
    expect((await request(app).get('/api/recall').set('Cookie', cookie)).body).toEqual({
      value: 'remembered',
    });
  });
});
