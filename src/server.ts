import type { Server } from 'node:http';
import { createLogger } from './adapters/logger.js';
import { redisForConfig } from './adapters/redis-client.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { answerClientErrors } from './http/client-errors.js';
import { exitOnCrash } from './process-guards.js';
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
  exitOnCrash(logger);
  const redis = await redisForConfig(config.session, logger);
  const services = createServices(config, logger, { redis });
  await services.start();
  const app = createApp(services.deps);
  const server: Server = app.listen(config.port, config.host, () => {
    logger.info({ url: config.publicUrl, host: config.host, port: config.port }, 'connector listening');
  });
  answerClientErrors(server);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
    // Still listening, but every request gets 503 (the load balancer's health check sees it and
    // sends people elsewhere) while running jobs may finish within the grace period.
    const { finished } = await services.shutdown(config.shutdownGraceSeconds * 1000);
    logger.info({ finished }, finished ? 'every job ended' : 'jobs still running were failed');
    server.close();
    server.closeAllConnections();
    await redis?.quit().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
