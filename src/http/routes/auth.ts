import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Request, Router } from 'express';
import { pseudonymise } from '../../domain/audit.js';
import type { AuditLog, Clock, DriveConnector, GoogleSignIn } from '../../domain/ports.js';
import type { SessionLifecycle, TokenSealer } from '../../domain/sessions.js';
import { isLang } from '../i18n.js';
import { returnPath, startPage } from '../panel-paths.js';

export interface AuthDeps {
  signIn: GoogleSignIn;
  drives: DriveConnector;
  sealer: TokenSealer;
  lifecycle: SessionLifecycle;
  audit: AuditLog;
  clock: Clock;
  adminEmails: readonly string[];
  userKey: string;
  printerIds: readonly string[];
  /** Logs a sign-in failure without any secret in it. */
  onFailure: (reason: string, req: Request) => void;
}

/** A sign-in must come back within this long. */
const PENDING_MS = 10 * 60_000;

const randomToken = () => randomBytes(32).toString('base64url');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const regenerate = (req: Request) =>
  new Promise<void>((ok, fail) => req.session.regenerate((e) => (e ? fail(e) : ok())));
const save = (req: Request) => new Promise<void>((ok, fail) => req.session.save((e) => (e ? fail(e) : ok())));

export function authRoutes(deps: AuthDeps): Router {
  const router = Router();

  /** start: a GET link, because helmet's form-action CSP would block a POST that redirects to Google. */
  router.get('/auth/google', async (req, res) => {
    const pkce = await deps.signIn.createPkce();
    const state = randomToken();
    const printerId = typeof req.query.printer === 'string' ? req.query.printer : undefined;
    const returnTo = returnPath(req.query.next);
    req.session.pendingAuth = {
      state,
      verifier: pkce.verifier,
      startedAt: deps.clock.now(),
      ...(printerId && deps.printerIds.includes(printerId) ? { printerId } : {}),
      ...(isLang(req.query.lang) ? { lang: req.query.lang } : {}),
      ...(returnTo ? { returnTo } : {}),
    };
    await save(req);
    res.set('Cache-Control', 'no-store');
    res.redirect(302, deps.signIn.authorizationUrl({ state, codeChallenge: pkce.challenge }));
  });

  /** callback: state and verifier are read before the session is regenerated. */
  router.get('/auth/google/callback', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const pending = req.session.pendingAuth;
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const fail = (reason: string) => {
      deps.onFailure(reason, req);
      delete req.session.pendingAuth;
      res.redirect(302, startPage({ printerId: pending?.printerId, notice: 'failed' }));
    };
    // The person (or their organisation) said no at Google: a page that says so, with a way back.
    if (!code && typeof req.query.error === 'string') {
      const refused = req.query.error === 'access_denied';
      deps.onFailure(refused ? 'denied' : 'google_error', req);
      delete req.session.pendingAuth;
      res.status(403);
      res.locals.render('error/index', {
        status: 403,
        code: refused ? 'signin_refused' : 'signin_rejected',
        message: 'Google did not let you sign in.',
      });
      return;
    }
    if (!pending || !state || !same(state, pending.state)) return fail('state_mismatch');
    if (deps.clock.now() - pending.startedAt > PENDING_MS) return fail('too_slow');
    if (!code) return fail('no_code');

    let granted: Awaited<ReturnType<GoogleSignIn['exchangeCode']>>;
    try {
      granted = await deps.signIn.exchangeCode({ code, codeVerifier: pending.verifier });
    } catch {
      return fail('exchange_failed');
    }
    // Never kept: the connector works with online access only. (Google sends none for access_type=online.)
    if (granted.refreshToken) deps.onFailure('unexpected_refresh_token_discarded', req);
    let who: Awaited<ReturnType<ReturnType<DriveConnector['forToken']>['whoAmI']>>;
    try {
      who = await deps.drives.forToken(granted.accessToken).whoAmI();
    } catch {
      await deps.signIn.revoke(granted.accessToken).catch(() => undefined);
      return fail('identity_failed');
    }
    // Someone else's session on this panel ends (and its token is revoked) before the new one starts.
    if (req.session.user && req.session.token) {
      await deps.lifecycle.end(req.sessionID, 'signout', {
        sealedToken: req.session.token,
        userEmail: req.session.user.email,
      });
    }
    await regenerate(req);
    const now = deps.clock.now();
    const email = who.email.toLowerCase();
    req.session.user = {
      email,
      name: who.name,
      key: pseudonymise(deps.userKey, email),
      isAdmin: deps.adminEmails.includes(email),
    };
    req.session.token = deps.sealer.seal(granted.accessToken);
    req.session.csrfToken = randomToken();
    req.session.signedInAt = now;
    req.session.lastSeenAt = now;
    if (pending.printerId) req.session.printerId = pending.printerId;
    if (pending.lang) req.session.lang = pending.lang;
    await save(req);
    await deps.lifecycle.track(
      {
        sid: req.sessionID,
        signedInAt: now,
        lastSeenAt: now,
        sealedToken: req.session.token,
        userEmail: email,
      },
      { start: true },
    );
    await deps.audit.record({ event: 'signin', user: email });
    res.redirect(302, returnPath(pending.returnTo) ?? '/');
  });

  /**
   * signout: revoke at Google, destroy the session, clear the cookie and the panel's storage. The
   * answer names the start page of the panel's own printer, which the panel opens next.
   */
  router.post('/auth/signout', async (req, res) => {
    const notice = req.body?.reason === 'expired' ? 'expired' : 'signedout';
    const next = startPage({ printerId: res.locals.panelPrinter, notice, lang: res.locals.lang });
    if (req.session.user && req.session.token) {
      await deps.lifecycle.end(req.sessionID, 'signout', {
        sealedToken: req.session.token,
        userEmail: req.session.user.email,
      });
    }
    await new Promise<void>((ok) => req.session.destroy(() => ok()));
    res.clearCookie(res.locals.cookieName as string, { path: '/' });
    res.set('Clear-Site-Data', '"cache", "cookies", "storage"');
    res.set('Cache-Control', 'no-store');
    res.json({ status: 'signed_out', next });
  });

  return router;
}
