import session, { type SessionData } from 'express-session';
import type { Logger } from 'pino';
import { AuditLogFile } from './adapters/audit-log-file.js';
import { scanEverything, scanTargets } from './adapters/credential-scanner.js';
import { ToolDocumentConverter } from './adapters/document-converter.js';
import { EsclScannerDevice } from './adapters/escl-scanner.js';
import { GoogleDriveConnector } from './adapters/google-drive.js';
import { googleEndpoints } from './adapters/google-endpoints.js';
import { GoogleOAuthSignIn } from './adapters/google-sign-in.js';
import { IppPrintSystem } from './adapters/ipp-printer.js';
import { stopToolsLeftIn } from './adapters/leftover-tools.js';
import { SingleInstance } from './adapters/memory-instances.js';
import { InMemoryPrintJobStore, InMemoryScanJobStore } from './adapters/memory-job-store.js';
import { InMemoryScanOutcomeStore } from './adapters/memory-outcome-store.js';
import { InMemoryPairingStore } from './adapters/memory-pairing-store.js';
import { InMemoryPulledDocumentStore } from './adapters/memory-pull-store.js';
import { InMemorySessionIndex } from './adapters/memory-session-index.js';
import { InMemoryScanTicketStore } from './adapters/memory-ticket-store.js';
import { OcrMyPdfEngine } from './adapters/ocrmypdf.js';
import { StreamingPdfCombiner } from './adapters/pdf-combiner.js';
import { DEFAULT_REDIS_PREFIX, type RedisClient } from './adapters/redis-client.js';
import { RedisInstances } from './adapters/redis-instances.js';
import { RedisPrintJobStore, RedisScanJobStore } from './adapters/redis-job-store.js';
import { RedisScanOutcomeStore } from './adapters/redis-outcome-store.js';
import { RedisPairingStore } from './adapters/redis-pairing-store.js';
import { RedisPulledDocumentStore } from './adapters/redis-pull-store.js';
import { RedisSessionIndex } from './adapters/redis-session-index.js';
import { createRedisSessionStore } from './adapters/redis-session-store.js';
import { RedisScanTicketStore } from './adapters/redis-ticket-store.js';
import { GhostscriptPageTools } from './adapters/scan-page-tools.js';
import { AesGcmTokenSealer } from './adapters/token-sealer.js';
import type { AppDeps } from './app.js';
import type { Config } from './config.js';
import { BackgroundWork } from './domain/background.js';
import { systemClock } from './domain/clock.js';
import { PairingService } from './domain/pairing.js';
import type {
  Clock,
  DocumentConverter,
  DriveConnector,
  GoogleSignIn,
  PrintJobStore,
  PrintSystem,
  ScanJobStore,
  ScannerDevice,
} from './domain/ports.js';
import { PrinterDirectory } from './domain/printers.js';
import { PrintService } from './domain/printing.js';
import { PullDocuments } from './domain/pull-documents.js';
import { ScanFinisher } from './domain/scan-finishing.js';
import { ScanJobService } from './domain/scan-jobs.js';
import { ScanService } from './domain/scanning.js';
import { SessionLifecycle } from './domain/sessions.js';
import { TempFiles } from './domain/temp-files.js';
import type { RateLimitOptions } from './http/middleware/rate-limits.js';
import { storePanelSessions } from './http/routes/pairing.js';

export interface Services {
  deps: AppDeps;
  temp: TempFiles;
  audit: AuditLogFile;
  /** Starts background work (session reaper); returns nothing to await. */
  start(): Promise<void>;
  /** Stops background work and ends running jobs, deleting their temporary files. */
  close(): Promise<void>;
  /**
   * A clean stop (SIGTERM): new requests get 503 from now on; running jobs may finish within
   * `graceMs`, the rest are failed ("print it again") and their files deleted; sessions held only in
   * this process's memory are ended (tokens revoked), sessions in Redis are left to live on.
   */
  shutdown(graceMs: number): Promise<{ finished: boolean }>;
}

export interface ServiceOverrides {
  clock?: Clock;
  printSystem?: PrintSystem;
  converter?: DocumentConverter;
  /** The AirScan (eSCL) client; tests pass a fake. */
  scannerDevice?: ScannerDevice;
  /** How often every printer is asked for its state and options. */
  printerRefreshMs?: number;
  signIn?: GoogleSignIn;
  drives?: DriveConnector;
  /** How often expired sessions are looked for. */
  reapIntervalMs?: number;
  pollIntervalMs?: number;
  /** A print job that has not ended after this long is stopped. */
  jobTimeoutMs?: number;
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** A connected Redis client when SESSION_STORE=redis (created by the entry point). */
  redis?: RedisClient | null;
  /** Requests per minute before 429. */
  rateLimits?: RateLimitOptions;
  /** Key prefix in Redis (tests isolate instances' data with it; instances that share sessions share it). */
  redisPrefix?: string;
  /** How long an instance's lease in Redis lasts without renewal (default 15 s). */
  instanceLeaseMs?: number;
  /** Waits before trying again to record a job that failed outside its own handling (store down). */
  recordRetryMs?: readonly number[];
  /** The temporary-file layer (tests pass one on a failing disk); default TEMP_DIR as configured. */
  temp?: TempFiles;
  /** Job stores (tests pass failing ones); default in memory, or Redis when a client is given. */
  printJobs?: PrintJobStore;
  scanJobs?: ScanJobStore;
  /** Where OCRmyPDF, Ghostscript and LibreOffice are looked for (a PATH); default the system's. */
  toolsPath?: string;
}

/** Wires real adapters to the domain for one configuration. */
export function createServices(config: Config, logger: Logger, overrides: ServiceOverrides = {}): Services {
  const clock = overrides.clock ?? systemClock;
  const endpoints = googleEndpoints(config.google.baseUrl);
  const signIn =
    overrides.signIn ??
    new GoogleOAuthSignIn({
      clientId: config.google.clientId,
      clientSecret: config.google.clientSecret,
      redirectUri: config.google.redirectUri,
      endpoints,
    });
  const drives = overrides.drives ?? new GoogleDriveConnector({ apiRoot: endpoints.apiRoot });
  const printSystem = overrides.printSystem ?? new IppPrintSystem({});
  const audit = new AuditLogFile({
    file: config.audit.logPath,
    userKey: config.audit.userKey,
    retentionDays: config.audit.retentionDays,
    clock,
    onError: (err) => logger.error({ err: { message: (err as Error).message } }, 'audit record not written'),
  });
  const temp = overrides.temp ?? new TempFiles({ dir: config.tempDir });
  const redis = overrides.redis ?? null;
  const prefix = overrides.redisPrefix ?? DEFAULT_REDIS_PREFIX;
  const logFailure = (err: unknown, context: { task: string; id?: string }) =>
    logger.error(
      { ...context, err: { name: (err as Error)?.name, message: (err as Error)?.message } },
      'background task failed',
    );
  const redisInstances = redis
    ? new RedisInstances(redis, {
        prefix,
        leaseMs: overrides.instanceLeaseMs ?? config.instanceLeaseSeconds * 1000,
      })
    : null;
  const instances = redisInstances ?? new SingleInstance();
  const rounds = new BackgroundWork('rounds', { onError: logFailure });
  let draining = false;
  if (config.session.store === 'redis' && !redis) throw new Error('SESSION_STORE=redis needs a Redis client');
  const sessionStore = redis
    ? createRedisSessionStore(redis, { prefix, ttlSeconds: config.session.idleSeconds })
    : new session.MemoryStore();
  const sessionIndex = redis ? new RedisSessionIndex(redis, { prefix, clock }) : new InMemorySessionIndex();
  const sealer = new AesGcmTokenSealer(config.session.secret);
  const lifecycle = new SessionLifecycle({
    index: sessionIndex,
    sealer,
    signIn,
    audit,
    clock,
    destroySession: (sid) =>
      new Promise((ok, fail) => sessionStore.destroy(sid, (e) => (e ? fail(e) : ok()))),
    idleMs: config.session.idleSeconds * 1000,
    maxMs: config.session.maxSeconds * 1000,
    onError: (err, context) =>
      logger.warn({ context, err: { message: (err as Error).message } }, 'session end step failed'),
    onEnded: (sid) => scanning.endSession(sid),
  });
  const converter =
    overrides.converter ??
    new ToolDocumentConverter(overrides.toolsPath ? { path: overrides.toolsPath } : {});
  const pageTools = new GhostscriptPageTools(overrides.toolsPath ? { path: overrides.toolsPath } : {});
  const combiner = new StreamingPdfCombiner();
  const finisher = new ScanFinisher({
    ocr: new OcrMyPdfEngine({
      ...(overrides.toolsPath ? { path: overrides.toolsPath } : {}),
      timeoutMs: config.scan.ocrTimeoutSeconds * 1000,
    }),
    pages: pageTools,
    imageToPdf: async (image, output, dpi) => {
      // A TIFF may hold many pages (a fax-like multi-page scan): the converter takes them all.
      if (image.type === 'image/tiff') await converter.imageToPdf(image.path, image.type, output);
      else await combiner.combine([{ path: image.path, type: image.type }], output, dpi ? { dpi } : {});
    },
    ocrAtOnce: config.scan.ocrAtOnce,
  });
  const scanning: ScanService = new ScanService({
    temp,
    audit,
    clock,
    tickets: redis ? new RedisScanTicketStore(redis, { prefix, clock }) : new InMemoryScanTicketStore(),
    outcomes: redis ? new RedisScanOutcomeStore(redis, { prefix }) : new InMemoryScanOutcomeStore(),
    combiner,
    finisher,
    ticketSeconds: config.scan.ticketSeconds,
    driveForSession: async (sid) => {
      const data = await new Promise<SessionData | null>((ok) =>
        sessionStore.get(sid, (err, s) => ok(err ? null : ((s as SessionData | null | undefined) ?? null))),
      );
      if (!data?.user || !data.token || !data.signedInAt) return null;
      if (lifecycle.endedBy(data.signedInAt, data.lastSeenAt ?? data.signedInAt)) return null;
      return drives.forToken(sealer.open(data.token));
    },
  });
  const scanJobs = new ScanJobService({
    printerIds: config.printers.map((p) => p.id),
    scanners: config.printers.flatMap((p) => (p.escl ? [{ id: p.id, name: p.name, escl: p.escl }] : [])),
    device: overrides.scannerDevice ?? new EsclScannerDevice(),
    jobs:
      overrides.scanJobs ?? (redis ? new RedisScanJobStore(redis, { prefix }) : new InMemoryScanJobStore()),
    temp,
    audit,
    clock,
    combiner,
    finisher,
    ...(overrides.retry ? { retry: overrides.retry } : {}),
    instances,
    onError: logFailure,
    ...(overrides.recordRetryMs ? { recordRetryMs: overrides.recordRetryMs } : {}),
    onJobEnded: (job) =>
      logger.info({ scanJobId: job.scanJobId, state: job.state, code: job.error?.code }, 'scan job ended'),
  });
  const printers = new PrinterDirectory({
    printers: config.printers,
    printSystem,
    clock,
    ...(overrides.printerRefreshMs ? { refreshMs: overrides.printerRefreshMs } : {}),
    onError: (err, printerId) =>
      logger.debug({ printerId, err: { message: (err as Error).message } }, 'printer did not answer'),
  });
  const printing = new PrintService({
    printers,
    printSystem,
    converter,
    jobs:
      overrides.printJobs ??
      (redis ? new RedisPrintJobStore(redis, { prefix }) : new InMemoryPrintJobStore()),
    temp,
    audit,
    clock,
    pulls: new PullDocuments({
      store: redis
        ? new RedisPulledDocumentStore(redis, { prefix, clock })
        : new InMemoryPulledDocumentStore(),
      temp,
      audit,
      clock,
      secret: config.session.secret,
      seconds: config.pullSeconds,
      publicUrl: config.publicUrl,
    }),
    ...(overrides.pollIntervalMs ? { pollIntervalMs: overrides.pollIntervalMs } : {}),
    ...(overrides.jobTimeoutMs ? { jobTimeoutMs: overrides.jobTimeoutMs } : {}),
    ...(overrides.retry ? { retry: overrides.retry } : {}),
    instances,
    onError: logFailure,
    ...(overrides.recordRetryMs ? { recordRetryMs: overrides.recordRetryMs } : {}),
    onSignedOut: async (sid) => {
      await lifecycle
        .end(sid, 'token_rejected')
        .catch((err) => logFailure(err, { task: 'session end', id: sid }));
    },
    onJobEnded: (job) =>
      logger.info({ jobId: job.jobId, state: job.state, code: job.error?.code }, 'print job ended'),
  });

  const pairing = new PairingService({
    store: redis ? new RedisPairingStore(redis, { prefix, clock }) : new InMemoryPairingStore(),
    panels: storePanelSessions(sessionStore, clock),
    lifecycle,
    audit,
    clock,
  });

  return {
    deps: {
      draining: () => draining,
      ...(overrides.rateLimits ? { rateLimits: overrides.rateLimits } : {}),
      admin: {
        scan: () =>
          scanEverything({
            ...scanTargets(config),
            index: sessionIndex,
            sessionStore: redis
              ? { kind: 'redis', client: redis, prefix }
              : {
                  kind: 'memory',
                  sessions: () =>
                    new Promise((ok, fail) =>
                      (sessionStore as session.MemoryStore).all((e, all) =>
                        e ? fail(e) : ok(Object.values(all ?? {}) as unknown as Record<string, unknown>[]),
                      ),
                    ),
                },
          }),
        events: (filter) => audit.readAll(filter),
        sessions: () => sessionIndex.all(),
      },
      config,
      logger,
      clock,
      signIn,
      drives,
      printers,
      printing,
      converter,
      scanning,
      scanJobs,
      temp,
      audit,
      sessionStore,
      lifecycle,
      sealer,
      pairing,
    },
    temp,
    audit,
    async start() {
      for (const pid of await stopToolsLeftIn(config.tempDir)) {
        logger.warn({ pid }, 'stopped a converter left running by an earlier run');
      }
      const leftovers = await temp.init();
      for (const name of leftovers) {
        logger.warn({ file: name }, 'deleted a temporary file left by an earlier run');
        await audit.record({ event: 'temp.deleted', detail: { reason: 'startup', file: name } });
      }
      await audit.enforceRetention();
      // The first round of printer questions runs in the background: start-up never waits on a printer.
      void printers.start();
      await redisInstances?.start((err) => logFailure(err, { task: 'instance lease' }));
      const reapMs = overrides.reapIntervalMs ?? 5000;
      rounds.every('session reaper', reapMs, () => lifecycle.reap());
      rounds.every('ticket sweep', reapMs, () => scanning.sweep());
      rounds.every('pull sweep', reapMs, () => printing.sweepPulled());
      rounds.every('audit retention', 3600_000, () => audit.enforceRetention());
    },
    async close() {
      rounds.stopRounds();
      printers.stop();
      await Promise.all([printing.abortAll(), scanJobs.abortAll()]);
      await redisInstances?.stop().catch((err) => logFailure(err, { task: 'instance lease' }));
    },
    async shutdown(graceMs) {
      draining = true;
      rounds.stopRounds();
      printers.stop();
      const [printsDone, scansDone] = await Promise.all([
        printing.drainWithin(graceMs),
        scanJobs.drainWithin(graceMs),
      ]);
      await Promise.all([printing.abortAll(), scanJobs.abortAll()]);
      // Sessions in this process's memory die with it: end them now so their tokens are revoked.
      // Sessions in Redis live on for the other instances and are not touched.
      if (!redis) {
        await lifecycle.endAll('shutdown').catch((err) => logFailure(err, { task: 'session end' }));
      }
      await redisInstances?.stop().catch((err) => logFailure(err, { task: 'instance lease' }));
      return { finished: printsDone && scansDone };
    },
  };
}
