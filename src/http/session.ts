import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import session, { type Store } from 'express-session';
import { ForbiddenError, NotReadyError, NotSignedInError } from '../domain/errors.js';
import type { Drive, DriveConnector } from '../domain/ports.js';
import type { TokenSealer } from '../domain/sessions.js';
import type { Lang } from './i18n.js';
import { returnPath, startPage } from './panel-paths.js';

export interface SignedInUser {
  email: string;
  name: string;
  /** Pseudonymous key (HMAC of the email): owner of jobs and tickets. */
  key: string;
  isAdmin: boolean;
}

declare module 'express-session' {
  interface SessionData {
    /** A sign-in in progress: read before the session is regenerated at the callback. */
    pendingAuth?: {
      state: string;
      verifier: string;
      startedAt: number;
      printerId?: string;
      lang?: Lang;
      /** One of the connector's own paths to land on after sign-in (panel-paths.ts returnPath). */
      returnTo?: string;
    };
    user?: SignedInUser;
    /** The Google access token, sealed (AES-256-GCM); never stored or sent in the clear. */
    token?: string;
    csrfToken?: string;
    signedInAt?: number;
    lastSeenAt?: number;
    lang?: Lang;
    /** The panel's own printer, from /?printer=ID. */
    printerId?: string;
    /** Navigation trail per Drive view, for breadcrumbs. */
    trail?: Array<{ id: string; name: string }>;
    /** The same for the scan screen's folder picker. */
    scanTrail?: Array<{ id: string; name: string }>;
    /** Folders recently scanned to; kept in the session only. */
    recentFolders?: Array<{ id: string; name: string }>;
  }
}

export function cookieName(secure: boolean): string {
  // __Host- binds the cookie to this exact origin, over TLS, with path / and no Domain.
  return secure ? '__Host-drive-connector' : 'drive-connector';
}

export function sessionMiddleware(options: {
  store: Store;
  secret: string;
  secure: boolean;
  idleSeconds: number;
}): RequestHandler {
  return session({
    name: cookieName(options.secure),
    secret: options.secret,
    store: options.store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    // 'keep': a failed store read must not turn into a delete of the session when Redis wakes up.
    unset: 'keep',
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      path: '/',
      // The server ends idle sessions itself; the grace minute lets the panel's own sign-out at the
      // deadline still carry the cookie, so the token is revoked at once rather than by the reaper.
      maxAge: options.idleSeconds * 1000 + 60_000,
    },
  });
}

/**
 * express-session calls next() without req.session when its store is unreachable: answer 503
 * rather than run anything without a session.
 */
export const requireSessionStore: RequestHandler = (req, _res, next) => {
  if (!req.session) {
    next(
      new NotReadyError(
        'The service cannot reach its session store. Try again in a moment.',
        'session_unavailable',
      ),
    );
    return;
  }
  next();
};

export function currentUser(req: Request): SignedInUser {
  const user = req.session?.user;
  if (!user || !req.session.token) throw new NotSignedInError();
  return user;
}

export const requireUser: RequestHandler = (req, _res, next) => {
  currentUser(req);
  next();
};

export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (!currentUser(req).isAdmin)
    throw new ForbiddenError('Only administrators can open this page.', 'not_admin');
  next();
};

/** The signed-in user's Drive. */
export function driveFor(req: Request, deps: { drives: DriveConnector; sealer: TokenSealer }): Drive {
  currentUser(req);
  // The time spent waiting for Google adds up in res.locals, for the Server-Timing header.
  const res = req.res;
  return deps.drives.forToken(deps.sealer.open(req.session.token as string), {
    onCall: (ms) => {
      if (res) res.locals.driveMs = ((res.locals.driveMs as number | undefined) ?? 0) + ms;
    },
  });
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A state-changing call from a signed-in session must carry X-CSRF-Token. */
export const csrfProtection: RequestHandler = (req, _res, next) => {
  // Device uploads are authorised by their single-use link, not by a cookie.
  if (!STATE_CHANGING.has(req.method) || !req.session?.user || req.path.startsWith('/scan-upload/')) {
    next();
    return;
  }
  const sent = req.get('x-csrf-token');
  const expected = req.session.csrfToken;
  if (!sent || !expected || !sameSecret(sent, expected)) {
    throw new ForbiddenError('This page expired. Reload it and try again.', 'csrf');
  }
  next();
};

/**
 * For signed-in pages: true when signed in; otherwise redirects to the start page of the panel's
 * printer (which says when the session had just ended) and returns false. With `thenBack`, a
 * signed-out visit goes through sign-in and comes back to this page.
 */
export function signedInOrRedirect(
  req: Request,
  res: Response,
  options: { thenBack?: boolean } = {},
): boolean {
  if (req.session?.user) return true;
  const printerId = res.locals.panelPrinter as string | undefined;
  const back = options.thenBack && !res.locals.sessionEnded ? returnPath(req.path) : undefined;
  if (back) {
    const q = new URLSearchParams({ next: back, ...(printerId ? { printer: printerId } : {}) });
    res.redirect(302, `/auth/google?${q}`);
    return false;
  }
  res.redirect(302, startPage({ printerId, ...(res.locals.sessionEnded ? { notice: 'expired' } : {}) }));
  return false;
}
