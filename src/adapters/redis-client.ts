import { createHash } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';

/** Namespace of every key the connector writes, unless an adapter is given another. */
export const DEFAULT_REDIS_PREFIX = 'dpc:';

/** The node-redis client every Redis adapter takes. */
export type RedisClient = RedisClientType;

export interface RedisClientOptions {
  /** Every connection error, including each failed reconnect; the client keeps trying. */
  onError: (err: Error) => void;
  /** How long the first connection may take before createRedisClient rejects (default 10 s). */
  firstConnectTimeoutMs?: number;
  /** Longest pause between reconnect attempts (default 2 s). */
  maxBackoffMs?: number;
}

/**
 * A connected client that reconnects forever with capped backoff. The offline queue is disabled so
 * that while Redis is down every command fails at once (ClientOfflineError) and the app can answer
 * 503 instead of holding requests until Redis returns.
 */
export async function createRedisClient(url: string, options: RedisClientOptions): Promise<RedisClient> {
  const maxBackoffMs = options.maxBackoffMs ?? 2000;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      // Never give up (a number, never false or an Error): a Redis restart must not need a connector restart.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), maxBackoffMs),
    },
  }) as unknown as RedisClient;
  // Without a listener an 'error' event would crash the process.
  client.on('error', (err: Error) => options.onError(err));

  const timeoutMs = options.firstConnectTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.connect(), timedOut]);
    return client;
  } catch (err) {
    // connect() keeps retrying in the background; stop it so the process can exit.
    if (client.isOpen) client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** A Lua script sent by its SHA1 once Redis knows it. */
export interface LuaScript {
  source: string;
  sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script atomically: EVALSHA, and EVAL when Redis does not know the script yet (first use,
 * or after a restart emptied its script cache).
 */
export async function runScript(
  client: RedisClient,
  script: LuaScript,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  const options = { keys, arguments: args.map(String) };
  try {
    return await client.evalSha(script.sha, options);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(script.source, options);
  }
}

/** The Redis client a configuration asks for (SESSION_STORE=redis), or null for the in-memory store. */
export async function redisForConfig(
  session: { store: 'memory' | 'redis'; redisUrl: string | null },
  logger: { warn: (obj: object, msg: string) => void },
): Promise<RedisClient | null> {
  if (session.store !== 'redis' || !session.redisUrl) return null;
  return createRedisClient(session.redisUrl, {
    onError: (e) => logger.warn({ err: { message: e.message } }, 'redis connection error'),
  });
}
