// express-session's Store on Redis (connect-redis), shaped so that a Redis outage answers 503.
//
// What express-session 1.19 does when its store fails (observed in
// test/integration/redis-session-store.test.ts with redis-server stopped and paused):
// - store.get fails: it calls next(err) with that error (only an error with code ENOENT counts as
//   "no session"). A raw ClientOfflineError would reach the error handler as an unknown error (500),
//   so this store turns every failure, and a call not answered in time, into a NotReadyError (503,
//   code session_unavailable). With `unset: 'destroy'` express-session then also calls
//   store.destroy(sid) as that error answer ends (req.session was never set): a Redis that was only
//   slow deletes the session when it catches up, and the user signs in again.
// - the store has emitted 'disconnect' (and no 'connect' since): it calls next() WITHOUT
//   req.session and never asks the store. This store emits 'disconnect' when the Redis client loses
//   its connection and 'connect' when it is ready again, so during an outage requests skip the
//   store at once and `requireSessionStore` (src/http/session.ts) answers 503.
// - store.set/touch fail as the response ends: the handler's answer has already been written (a
//   200 or 302 reaches the client), then the error goes to next(err) and the error handler can only
//   drop the connection. The session change is lost.

import { RedisStore } from 'connect-redis';
import type { SessionData, Store } from 'express-session';
import { NotReadyError } from '../domain/errors.js';
import { DEFAULT_REDIS_PREFIX, type RedisClient } from './redis-client.js';

export interface RedisSessionStoreOptions {
  /** Namespace of every key (default `dpc:`); sessions live under `<prefix>sess:`. */
  prefix?: string;
  /**
   * Key lifetime when a session has no cookie expiry. Normally the key lives exactly as long as the
   * cookie (maxAge = idle time, renewed on every request), so it expires with the session.
   */
  ttlSeconds: number;
  /** A store call that has not answered by then fails with 503 (a hung Redis, not a stopped one). */
  operationTimeoutMs?: number;
}

type Callback<T> = (err: unknown, data?: T | null) => void;

function unavailable(cause: unknown): NotReadyError {
  const err = new NotReadyError(
    'The service cannot reach its session store. Try again in a moment.',
    'session_unavailable',
  );
  err.cause = cause;
  return err;
}

class ResilientRedisStore extends RedisStore {
  constructor(
    redis: RedisClient,
    options: { prefix: string; ttl: number },
    private readonly timeoutMs: number,
  ) {
    super({ client: redis, prefix: options.prefix, ttl: options.ttl });
    let ready = redis.isReady;
    const update = () => {
      if (redis.isReady === ready) return;
      ready = redis.isReady;
      this.emit(ready ? 'connect' : 'disconnect');
    };
    redis.on('ready', update);
    redis.on('error', update);
    redis.on('reconnecting', update);
    redis.on('end', update);
  }

  /** Calls `cb` once: with the result, or with a 503 on failure or after the timeout. */
  private guard<T>(
    cb: Callback<T> | undefined,
    work: (done: Callback<T>) => Promise<unknown>,
  ): Promise<unknown> {
    let settled = false;
    const finish: Callback<T> = (err, data) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cb?.(err ? unavailable(err) : null, data);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from Redis within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    return work(finish).catch((err: unknown) => finish(err));
  }

  override get(sid: string, cb?: Callback<SessionData>): Promise<unknown> {
    return this.guard(cb, (done) => super.get(sid, done));
  }

  override set(sid: string, sess: SessionData, cb?: Callback<never>): Promise<unknown> {
    return this.guard(cb, (done) => super.set(sid, sess, done));
  }

  override touch(sid: string, sess: SessionData, cb?: Callback<never>): Promise<unknown> {
    return this.guard(cb, (done) => super.touch(sid, sess, done));
  }

  override destroy(sid: string, cb?: Callback<never>): Promise<unknown> {
    return this.guard(cb, (done) => super.destroy(sid, done));
  }
}

/** A session store on Redis whose keys expire with their sessions and whose failures are 503s. */
export function createRedisSessionStore(client: RedisClient, options: RedisSessionStoreOptions): Store {
  // connect-redis sets each key's TTL from the cookie's expiry (now + maxAge), falling back to `ttl`.
  return new ResilientRedisStore(
    client,
    { prefix: `${options.prefix ?? DEFAULT_REDIS_PREFIX}sess:`, ttl: options.ttlSeconds },
    options.operationTimeoutMs ?? 2000,
  );
}
