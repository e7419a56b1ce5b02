import session, { type SessionData } from 'express-session';
import type { Logger } from 'pino';
import { AuditLogFile } from './adapters/audit-log-file.js';
import { GoogleDriveConnector } from './adapters/google-drive.js';
import { googleEndpoints } from './adapters/google-endpoints.js';
import { GoogleOAuthSignIn } from './adapters/google-sign-in.js';
import { IppPrintSystem } from './adapters/ipp-printer.js';
import { InMemoryPrintJobStore } from './adapters/memory-job-store.js';
import { InMemoryScanOutcomeStore } from './adapters/memory-outcome-store.js';
import { InMemorySessionIndex } from './adapters/memory-session-index.js';
import { InMemoryScanTicketStore } from './adapters/memory-ticket-store.js';
import { PdfLibCombiner } from './adapters/pdf-combiner.js';
import { AesGcmTokenSealer } from './adapters/token-sealer.js';
import type { AppDeps } from './app.js';
import type { Config } from './config.js';
import { systemClock } from './domain/clock.js';
import type { Clock, DriveConnector, GoogleSignIn, PrintSystem } from './domain/ports.js';
import { PrintService } from './domain/printing.js';
import { ScanService } from './domain/scanning.js';
import { SessionLifecycle } from './domain/sessions.js';
import { TempFiles } from './domain/temp-files.js';

export interface Services {
  deps: AppDeps;
  temp: TempFiles;
  audit: AuditLogFile;
  /** Starts background work (session reaper); returns nothing to await. */
  start(): Promise<void>;
  /** Stops background work and ends running jobs, deleting their temporary files. */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  clock?: Clock;
  printSystem?: PrintSystem;
  signIn?: GoogleSignIn;
  drives?: DriveConnector;
  /** How often expired sessions are looked for. */
  reapIntervalMs?: number;
  pollIntervalMs?: number;
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
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
    clock,
    onError: (err) => logger.error({ err: { message: (err as Error).message } }, 'audit record not written'),
  });
  const temp = new TempFiles({ dir: config.tempDir });
  const sessionStore = new session.MemoryStore();
  const sealer = new AesGcmTokenSealer(config.session.secret);
  const lifecycle = new SessionLifecycle({
    index: new InMemorySessionIndex(),
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
  const scanning: ScanService = new ScanService({
    temp,
    audit,
    clock,
    tickets: new InMemoryScanTicketStore(),
    outcomes: new InMemoryScanOutcomeStore(),
    combiner: new PdfLibCombiner(),
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
  const printing = new PrintService({
    printers: config.printers,
    printSystem,
    jobs: new InMemoryPrintJobStore(),
    temp,
    audit,
    clock,
    ...(overrides.pollIntervalMs ? { pollIntervalMs: overrides.pollIntervalMs } : {}),
    ...(overrides.retry ? { retry: overrides.retry } : {}),
    onJobEnded: (job) =>
      logger.info({ jobId: job.jobId, state: job.state, code: job.error?.code }, 'print job ended'),
  });

  let reaper: NodeJS.Timeout | null = null;
  return {
    deps: {
      config,
      logger,
      clock,
      signIn,
      drives,
      printSystem,
      printing,
      scanning,
      temp,
      audit,
      sessionStore,
      lifecycle,
      sealer,
    },
    temp,
    audit,
    async start() {
      const leftovers = await temp.init();
      for (const name of leftovers) {
        logger.warn({ file: name }, 'deleted a temporary file left by an earlier run');
        await audit.record({ event: 'temp.deleted', detail: { reason: 'startup', file: name } });
      }
      reaper = setInterval(() => {
        lifecycle
          .reap()
          .catch((err) => logger.warn({ err: { message: (err as Error).message } }, 'session reaper failed'));
        scanning
          .sweep()
          .catch((err) => logger.warn({ err: { message: (err as Error).message } }, 'ticket sweep failed'));
      }, overrides.reapIntervalMs ?? 5000);
      reaper.unref();
    },
    async close() {
      if (reaper) clearInterval(reaper);
      await printing.abortAll();
    },
  };
}
