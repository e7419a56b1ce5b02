import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createLogger } from '../adapters/logger.js';
import { redisForConfig } from '../adapters/redis-client.js';
import { createApp } from '../app.js';
import { type Config, loadConfig } from '../config.js';
import { answerClientErrors } from '../http/client-errors.js';
import { createServices, type ServiceOverrides, type Services } from '../wiring.js';
import {
  type DemoPrinter,
  type DemoPrinterEntry,
  startDemoPrinters,
  startDemoScanner,
} from './demo-printer.js';
import type { EsclScanner } from './escl-scanner.js';
import { type GoogleDouble, startGoogleDouble } from './google-double/index.js';

export interface StackOptions {
  /** Folder for printers.json, printed documents, temp files, audit and logs. */
  dir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Email the Google double approves without a consent page; false shows the consent page. */
  autoApprove?: string | false;
  preferVirtualPrinter?: boolean;
  /** Extra or overriding environment (SESSION_IDLE_SECONDS, SESSION_STORE, ...). */
  env?: Record<string, string>;
  /** Reuse an already running Google double (several instances in one test). */
  google?: GoogleDouble;
  /** Reuse an already running printer, as "demo"; the demo's own printers are then not started. */
  printer?: DemoPrinter;
  overrides?: ServiceOverrides;
  /** The "demo" printer's scanner: true (the default) starts an eSCL scanner double, false none; or this one. */
  scanner?: boolean | EsclScanner;
  /** More printers after the demo printers (e.g. one that is unreachable, for tests). */
  extraPrinters?: Array<{ id: string; name: string; uri: string }>;
  /** The OAuth client secret; instances sharing one Google double must share it. */
  clientSecret?: string;
  logLevel?: string;
}

export interface Stack {
  url: string;
  /** The environment the connector was configured from (for running the CLIs against it). */
  env: Record<string, string>;
  config: Config;
  google: GoogleDouble;
  /** The "demo" printer, the first of `printers`. */
  printer: DemoPrinter;
  /** The "demo" printer's eSCL scanner (its `escl` in printers.json), or null without one. */
  scanner: EsclScanner | null;
  /** The printers this stack put in printers.json before extraPrinters: demo and demo-raster, or the given one. */
  printers: DemoPrinterEntry[];
  services: Services;
  server: Server;
  /** Where the "demo" printer keeps what it receives (demo-raster uses printed-raster beside it). */
  printedDir: string;
  close(): Promise<void>;
}

/**
 * The whole connector on loopback: a Google test double, a printer and the connector itself.
 * The demo runs it; integration and browser tests start one (or several sharing Redis).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const printedDir = path.join(options.dir, 'printed');
  mkdirSync(printedDir, { recursive: true });
  // The port must be known before the config (it is in the redirect URI): bind first.
  const server = await listen(options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const publicUrl = `http://127.0.0.1:${port}`;

  const clientId = 'demo-connector.apps.googleusercontent.com';
  const clientSecret = options.clientSecret ?? `demo-secret-${randomBytes(18).toString('base64url')}`;
  const ownGoogle = !options.google;
  const google =
    options.google ?? (await startGoogleDouble({ clients: [], autoApprove: options.autoApprove ?? false }));
  google.addClient({ clientId, clientSecret, redirectUris: [`${publicUrl}/auth/google/callback`] });
  const ownPrinters = !options.printer;
  const printers: DemoPrinterEntry[] = options.printer
    ? [{ ...options.printer, id: 'demo' }]
    : await startDemoPrinters({
        spoolDir: printedDir,
        rasterSpoolDir: path.join(options.dir, 'printed-raster'),
        preferVirtual: options.preferVirtualPrinter,
      });
  const ownScanner = options.scanner === undefined || options.scanner === true;
  const scanner =
    typeof options.scanner === 'object' ? options.scanner : ownScanner ? await startDemoScanner() : null;
  const printer = options.printer ?? printers[0]!;
  const printersFile = path.join(options.dir, 'printers.json');
  writeFileSync(
    printersFile,
    JSON.stringify(
      [
        // The scanner belongs to the first printer, "demo" (the MFP).
        ...printers.map(({ id, name, uri }, i) => ({
          id,
          name,
          uri,
          ...(i === 0 && scanner ? { escl: scanner.url } : {}),
        })),
        ...(options.extraPrinters ?? []),
      ],
      null,
      2,
    ),
  );

  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    GOOGLE_CLIENT_ID: clientId,
    GOOGLE_CLIENT_SECRET: clientSecret,
    GOOGLE_BASE_URL: google.baseUrl,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    PRINTERS: printersFile,
    TEMP_DIR: path.join(options.dir, 'tmp'),
    AUDIT_LOG: path.join(options.dir, 'audit', 'audit.log'),
    LOG_FILE: path.join(options.dir, 'logs', 'connector.log'),
    ADMIN_EMAILS: 'admin@example.com',
    LOG_LEVEL: options.logLevel ?? 'warn',
    ...options.env,
  };
  const config = loadConfig(env, { demo: true });
  const logger = createLogger({ level: config.log.level, file: config.log.file });
  const redis = await redisForConfig(config.session, logger);
  const services = createServices(config, logger, { redis, ...options.overrides });
  await services.start();
  server.on('request', createApp(services.deps));

  return {
    url: publicUrl,
    env,
    config,
    google,
    printer,
    printers,
    scanner,
    services,
    server,
    printedDir,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await services.close();
      await redis?.destroy();
      if (ownPrinters) for (const p of printers) await p.close();
      if (ownScanner) await scanner?.close();
      if (ownGoogle) await google.close();
    },
  };
}

async function listen(port: number): Promise<Server> {
  const { createServer } = await import('node:http');
  const server = createServer();
  // As in production (server.ts): requests Node rejects get the contract's error shape.
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
