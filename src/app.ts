import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { Store } from 'express-session';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { PairingService } from './domain/pairing.js';
import type { AuditLog, Clock, DocumentConverter, DriveConnector, GoogleSignIn } from './domain/ports.js';
import type { PrinterDirectory } from './domain/printers.js';
import type { PrintService } from './domain/printing.js';
import type { ScanJobService } from './domain/scan-jobs.js';
import type { ScanService } from './domain/scanning.js';
import type { SessionLifecycle, TokenSealer } from './domain/sessions.js';
import type { TempFiles } from './domain/temp-files.js';
import { loadCatalogs } from './http/i18n.js';
import { errorHandler, notFound, refuseWhileDraining } from './http/middleware/errors.js';
import { noStore } from './http/middleware/no-store.js';
import { panelPrinter } from './http/middleware/panel-printer.js';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions, rateLimits } from './http/middleware/rate-limits.js';
import { requestLog } from './http/middleware/request-log.js';
import { serverTiming } from './http/middleware/server-timing.js';
import { sessionLifetime } from './http/middleware/session-lifetime.js';
import { headerPrinter, renderer } from './http/render.js';
import { type AdminSources, adminRoutes } from './http/routes/admin.js';
import { fileRoutes } from './http/routes/api-files.js';
import { printRoutes } from './http/routes/api-print.js';
import { printerRoutes } from './http/routes/api-printers.js';
import { scanJobRoutes } from './http/routes/api-scan-jobs.js';
import { scanRoutes } from './http/routes/api-scans.js';
import { sessionRoutes } from './http/routes/api-session.js';
import { authRoutes } from './http/routes/auth.js';
import { pageRoutes } from './http/routes/pages.js';
import { scanPageRoutes } from './http/routes/pages-scan.js';
import { pairingRoutes } from './http/routes/pairing.js';
import { pullRoutes } from './http/routes/pull.js';
import { thumbnailRoutes } from './http/routes/thumbnails.js';
import { cookieName, csrfProtection, requireSessionStore, sessionMiddleware } from './http/session.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  signIn: GoogleSignIn;
  drives: DriveConnector;
  printers: PrinterDirectory;
  printing: PrintService;
  /** For the print page: which files can be printed with the tools installed. */
  converter: DocumentConverter;
  scanning: ScanService;
  scanJobs: ScanJobService;
  temp: TempFiles;
  audit: AuditLog;
  sessionStore: Store;
  lifecycle: SessionLifecycle;
  sealer: TokenSealer;
  /** Phone sign-in: pairings of a panel session with a phone. */
  pairing: PairingService;
  /** Requests per minute before 429 (defaults in http/middleware/rate-limits.ts). */
  rateLimits?: RateLimitOptions;
  /** What the admin page reads. */
  admin: AdminSources;
  /** True once the service is shutting down: every request but a running job's gets 503. */
  draining?: () => boolean;
}

/** views/ at the project root, from src/ (tsx) or dist/src/ (compiled). */
export const VIEWS_DIR = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.resolve(here, '..', 'views');
  return existsSync(beside) ? beside : path.resolve(here, '..', '..', 'views');
})();

/** Builds the Express app; binds no port and reads no environment. */
export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (config.trustProxy) app.set('trust proxy', config.trustProxy);

  app.use(requestLog(logger));
  app.use(serverTiming);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': config.secure ? [] : null,
        },
      },
      strictTransportSecurity: config.secure,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );

  app.use(refuseWhileDraining(deps.draining ?? (() => false)));
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  app.use('/static', express.static(path.join(VIEWS_DIR, 'static'), { maxAge: '1h', index: false }));

  app.use(
    sessionMiddleware({
      store: deps.sessionStore,
      secret: config.session.secret,
      secure: config.secure,
      idleSeconds: config.session.idleSeconds,
    }),
  );
  app.use(requireSessionStore);
  app.use((_req, res, next) => {
    res.locals.cookieName = cookieName(config.secure);
    next();
  });
  app.use(sessionLifetime({ lifecycle: deps.lifecycle, clock: deps.clock }));
  app.use(
    renderer({
      viewsDir: VIEWS_DIR,
      catalogs: loadCatalogs(VIEWS_DIR),
      idleSeconds: config.session.idleSeconds,
      retentionDays: config.audit.retentionDays,
    }),
  );
  app.use(
    panelPrinter({
      printerIds: config.printers.map((p) => p.id),
      signOutAfterJobSeconds: config.session.signOutAfterJobSeconds,
    }),
  );
  app.use(headerPrinter(deps.printers));
  const limits = rateLimits(deps.rateLimits ?? DEFAULT_RATE_LIMITS);
  app.use('/auth/google', limits.signIn);
  app.use('/api', limits.api);
  app.use('/scan-upload', limits.uploads);
  app.use('/pull', limits.pulls);
  app.use('/pair', limits.pairing);
  app.post('/api/pairing', limits.pairing);
  app.use(express.json({ limit: '32kb' }));
  app.use(csrfProtection);
  app.use('/api', noStore);

  app.use(
    authRoutes({
      signIn: deps.signIn,
      drives: deps.drives,
      sealer: deps.sealer,
      lifecycle: deps.lifecycle,
      audit: deps.audit,
      clock: deps.clock,
      adminEmails: config.adminEmails,
      userKey: config.audit.userKey,
      printerIds: config.printers.map((p) => p.id),
      onFailure: (reason, req) => logger.warn({ reason, path: req.path }, 'sign-in did not complete'),
    }),
  );
  app.use(sessionRoutes());
  app.use(
    pairingRoutes({
      pairing: deps.pairing,
      lifecycle: deps.lifecycle,
      publicUrl: config.publicUrl,
      printers: config.printers,
    }),
  );
  app.use(printerRoutes({ printers: deps.printers, scanJobs: deps.scanJobs }));
  const printerNames = new Map(config.printers.map((p) => [p.id, p.name]));
  app.use(
    scanJobRoutes({
      drives: deps.drives,
      sealer: deps.sealer,
      scanJobs: deps.scanJobs,
      nameTemplate: config.scan.nameTemplate,
      printerNames,
    }),
  );
  app.use(fileRoutes({ drives: deps.drives, sealer: deps.sealer }));
  app.use(thumbnailRoutes({ drives: deps.drives, sealer: deps.sealer }));
  app.use(
    printRoutes({
      drives: deps.drives,
      sealer: deps.sealer,
      printing: deps.printing,
      printers: deps.printers,
    }),
  );
  app.use(pullRoutes({ printing: deps.printing }));
  app.use(
    scanRoutes({
      drives: deps.drives,
      sealer: deps.sealer,
      scanning: deps.scanning,
      temp: deps.temp,
      maxBytes: config.scan.maxBytes,
      publicUrl: config.publicUrl,
      nameTemplate: config.scan.nameTemplate,
      printerNames,
    }),
  );
  app.use(
    scanPageRoutes({
      drives: deps.drives,
      sealer: deps.sealer,
      maxBytes: config.scan.maxBytes,
      ticketSeconds: config.scan.ticketSeconds,
      scanJobs: deps.scanJobs,
      printerNames,
      nameTemplate: config.scan.nameTemplate,
      ocrAvailable: () => deps.scanning.ocrAvailable(),
    }),
  );
  app.use(adminRoutes({ sources: deps.admin, lifecycle: deps.lifecycle, userKey: config.audit.userKey }));
  app.use(
    pageRoutes({
      drives: deps.drives,
      sealer: deps.sealer,
      printers: deps.printers,
      printing: deps.printing,
      converter: deps.converter,
      publicUrl: config.publicUrl,
    }),
  );

  app.use(notFound);
  app.use(
    errorHandler({
      // Google refused the session's token (expired or revoked): the session ends now, token revoked.
      onSignedOut: async (req) => {
        const { user, token } = req.session ?? {};
        if (!user || !token) return;
        await deps.lifecycle.end(req.sessionID, 'token_rejected', {
          sealedToken: token,
          userEmail: user.email,
        });
        // A fresh, empty session: the old one's data must not be saved back at the response's end.
        await new Promise<void>((resolve) => req.session.regenerate(() => resolve()));
      },
      onUnexpected: (err, req) =>
        logger.error(
          { err: { name: (err as Error)?.name, message: (err as Error)?.message }, path: req.path },
          'unexpected error',
        ),
    }),
  );
  return app;
}
