// `npm run audit`: the operator's credential scan (promise 6), with the server's own configuration.
// Exit 0: nothing found; 1: something found; 2: could not scan (bad configuration, Redis
// unreachable, a file that cannot be read). `--json` prints the ScanReport as JSON.

import { type SessionStoreSource, scanEverything, scanTargets } from '../adapters/credential-scanner.js';
import { createRedisClient, DEFAULT_REDIS_PREFIX, type RedisClient } from '../adapters/redis-client.js';
import { RedisSessionIndex } from '../adapters/redis-session-index.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { systemClock } from '../domain/clock.js';
import { formatScanReport, verdict } from './audit-report.js';

function load(): Config | null {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error('Cannot scan: the configuration is incomplete or invalid:');
    for (const problem of err.problems) console.error(`  - ${problem}`);
    return null;
  }
}

async function main(): Promise<number> {
  const json = process.argv.includes('--json');
  const config = load();
  if (!config) return 2;

  let client: RedisClient | null = null;
  try {
    let sessionStore: SessionStoreSource = {
      kind: 'unavailable',
      note: 'session store: in memory of the running server; see /admin',
    };
    let index: RedisSessionIndex | undefined;
    if (config.session.store === 'redis' && config.session.redisUrl) {
      try {
        client = await createRedisClient(config.session.redisUrl, {
          onError: () => {},
          firstConnectTimeoutMs: 3000,
          maxBackoffMs: 250,
        });
      } catch (err) {
        // The URL may carry a password: name the setting, not its value.
        console.error(`Cannot scan: Redis at REDIS_URL is unreachable (${(err as Error).message}).`);
        return 2;
      }
      sessionStore = { kind: 'redis', client, prefix: DEFAULT_REDIS_PREFIX };
      index = new RedisSessionIndex(client, { prefix: DEFAULT_REDIS_PREFIX, clock: systemClock });
    }
    const report = await scanEverything({
      ...scanTargets(config),
      sessionStore,
      ...(index ? { index } : {}),
    });
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatScanReport(report));
    return verdict(report).code;
  } finally {
    if (client?.isOpen) client.destroy();
  }
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(`Cannot scan: ${(err as Error).message}`);
  return 2;
});
