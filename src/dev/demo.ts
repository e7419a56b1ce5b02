import os from 'node:os';
import path from 'node:path';
import { startStack } from './stack.js';

/**
 * `npm run demo`: the whole connector on one machine with nothing else installed: a Google test
 * double with sample data, two printers (a full office MFP and a raster-only IPP Everywhere printer;
 * ippeveprinter when installed, otherwise in-process IPP printers) and the connector, all on loopback.
 */
async function main(): Promise<void> {
  const dir = path.resolve(process.env.DEMO_DIR ?? path.join(os.tmpdir(), 'drive-connector-demo'));
  const stack = await startStack({
    dir,
    port: Number(process.env.PORT ?? 3000),
    logLevel: process.env.LOG_LEVEL ?? 'warn',
    env: {
      ...(process.env.SESSION_IDLE_SECONDS ? { SESSION_IDLE_SECONDS: process.env.SESSION_IDLE_SECONDS } : {}),
      ...(process.env.SESSION_STORE ? { SESSION_STORE: process.env.SESSION_STORE } : {}),
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    },
  });
  const { config } = stack;
  process.stdout.write(
    [
      '',
      'Drive Print & Scan connector - demo',
      '',
      `  Open ${stack.url}/?printer=demo`,
      '',
      '  Sign in on the Google test double as alice@example.com (or admin@example.com for /admin).',
      ...stack.printers.map(
        (p) => `  Printer "${p.id}": ${p.name}, start page ${stack.url}/?printer=${encodeURIComponent(p.id)}`,
      ),
      `  Printed documents land in ${stack.printedDir} (the raster printer's in ${stack.printedDir}-raster)`,
      ...(stack.scanner
        ? [`  Scanner of "demo" (AirScan/eSCL double, 3 pages in the feeder): ${stack.scanner.url}`]
        : []),
      `  Temporary files (empty when no job runs): ${config.tempDir}`,
      `  Audit log: ${config.audit.logPath}`,
      `  Google test double: ${stack.google.baseUrl}`,
      '',
      '  Ctrl+C stops everything.',
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`The demo could not start: ${(err as Error).message}\n`);
  process.exit(1);
});
