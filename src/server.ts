import type { Server } from 'node:http';
import { createLogger } from './adapters/logger.js';
import { redisForConfig } from './adapters/redis-client.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createServices } from './wiring.js';

/** Production entry: configuration from the environment, or a refusal naming every problem. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every setting.\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level, file: config.log.file });
  const redis = await redisForConfig(config.session, logger);
  const services = createServices(config, logger, { redis });
  await services.start();
  const app = createApp(services.deps);
  const server: Server = app.listen(config.port, config.host, () => {
    logger.info({ url: config.publicUrl, host: config.host, port: config.port }, 'connector listening');
  });
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    await services.close();
    await redis?.quit().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

void main();
