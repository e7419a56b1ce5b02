import { randomBytes } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { SessionData, Store } from 'express-session';
import QRCode from 'qrcode';
import { AppError, ForbiddenError, NotFoundError } from '../../domain/errors.js';
import {
  type PairingGrant,
  PairingRefusedError,
  type PairingService,
  type PanelSessions,
  type RefusalReason,
} from '../../domain/pairing.js';
import type { Clock } from '../../domain/ports.js';
import type { SessionLifecycle } from '../../domain/sessions.js';
import { noStore } from '../middleware/no-store.js';
import { currentUser } from '../session.js';

declare module 'express-session' {
  interface SessionData {
    /** The pairing this (signed-out) panel session shows as a QR code; only it may sign the panel in. */
    pairingId?: string;
  }
}

export interface PairingDeps {
  pairing: PairingService;
  lifecycle: SessionLifecycle;
  publicUrl: string;
  printers: ReadonlyArray<{ id: string; name: string }>;
}

/** A capability as PairingService makes it: 32 random bytes, base64url. */
const CAPABILITY = /^[A-Za-z0-9_-]{43}$/;

const STATUS: Record<RefusalReason, number> = {
  unknown: 404,
  expired: 410,
  used: 410,
  code_mismatch: 409,
  panel_gone: 410,
  same_session: 409,
  not_me: 409,
  phone_session_ended: 401,
};

const save = (req: Request) => new Promise<void>((ok, fail) => req.session.save((e) => (e ? fail(e) : ok())));
const destroy = (req: Request) => new Promise<void>((ok) => req.session.destroy(() => ok()));

/** The phone keeps nothing: its session ends, and its cookie with it. */
async function forgetPhone(req: Request, res: Response): Promise<void> {
  await destroy(req);
  res.clearCookie(res.locals.cookieName as string, { path: '/' });
  res.set('Clear-Site-Data', '"cache", "cookies", "storage"');
}

/** Ends the phone's own sign-in the normal way (revoking its token) after a refusal or "Not me". */
async function endPhoneSignIn(req: Request, res: Response, lifecycle: SessionLifecycle): Promise<void> {
  if (req.session.user && req.session.token) {
    await lifecycle.end(req.sessionID, 'signout', {
      sealedToken: req.session.token,
      userEmail: req.session.user.email,
    });
  }
  await forgetPhone(req, res);
}

const refusal = (reason: RefusalReason) =>
  new AppError(
    `pairing_${reason}`,
    STATUS[reason],
    'This sign-in code cannot be used. Start again at the printer.',
  );

export function pairingRoutes(deps: PairingDeps): Router {
  const router = Router();
  const printerName = (id: string | null) => deps.printers.find((p) => p.id === id)?.name ?? null;

  /** start (panel): a pairing for this signed-out panel session, with its QR code and short code. */
  router.post('/api/pairing', async (req, res) => {
    if (req.session.user) throw new ForbiddenError('This panel is already signed in.', 'signed_in');
    const asked = typeof req.body?.printer === 'string' ? req.body.printer : req.session.printerId;
    const printerId = deps.printers.some((p) => p.id === asked) ? (asked as string) : null;
    const { pairing, capability } = await deps.pairing.start(req.sessionID, printerId);
    // Writing the pairing id creates the panel's session (and its cookie) when it had none; a
    // newer pairing replaces the older one, which then can no longer sign this panel in.
    req.session.pairingId = pairing.id;
    if (printerId) req.session.printerId = printerId;
    await save(req);
    const url = `${deps.publicUrl.replace(/\/$/, '')}/pair/${capability}`;
    const svg = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    res.json({ id: pairing.id, code: pairing.code, url, svg, expiresAt: pairing.expiresAt });
  });

  /** show (panel): whether the phone confirmed; only the panel session that started it may ask. */
  router.get('/api/pairing/:id', async (req, res) => {
    const id = String(req.params.id);
    const status = await deps.pairing.status(id, req.sessionID);
    if (!status) throw new NotFoundError('There is no such sign-in code on this panel.', 'pairing_unknown');
    const signedIn = Boolean(req.session.user) && status.state === 'confirmed';
    res.json({ state: signedIn ? 'signed_in' : status.state, expiresAt: status.expiresAt });
  });

  /** refused / done (phone): plain pages after the exchange; the phone has no session any more. */
  router.get('/pair/refused', noStore, (req, res) => {
    const reason = String(req.query.reason ?? '');
    const known = reason in STATUS ? (reason as RefusalReason) : 'unknown';
    res.status(STATUS[known]);
    res.locals.render('pair/refused', { reason: known });
  });
  router.get('/pair/done', noStore, (req, res) => {
    res.locals.render('pair/done', { printerName: printerName(String(req.query.at ?? '')) });
  });

  /** show (phone): sign in with Google first, then "Sign in at <printer>?" with the short code. */
  router.get('/pair/:capability', noStore, async (req, res) => {
    const capability = String(req.params.capability);
    try {
      if (!CAPABILITY.test(capability)) throw new PairingRefusedError('unknown');
      const p = await deps.pairing.open(capability, req.sessionID);
      res.locals.render('pair/index', {
        capability,
        code: p.code,
        printerName: printerName(p.printerId),
        expiresAt: p.expiresAt,
      });
    } catch (err) {
      if (!(err instanceof PairingRefusedError)) throw err;
      res.status(STATUS[err.reason]);
      res.locals.render('pair/refused', { reason: err.reason });
    }
  });

  /** confirm (phone): the code shown must match; the token moves to the panel; the phone forgets all. */
  router.post('/pair/:capability/confirm', async (req, res) => {
    const user = currentUser(req);
    const capability = String(req.params.capability);
    const code = typeof req.body?.code === 'string' ? req.body.code.slice(0, 32) : '';
    const grant: PairingGrant = { user: { ...user }, sealedToken: req.session.token as string };
    try {
      if (!CAPABILITY.test(capability)) throw new PairingRefusedError('unknown');
      const p = await deps.pairing.confirm({ capability, code, phoneSid: req.sessionID, grant });
      await forgetPhone(req, res);
      // Not ?printer=: that would make the phone's page look like that printer's panel.
      // The phone's session is gone by the time it loads the page: carry its language along.
      const query = new URLSearchParams({
        ...(p.printerId ? { at: p.printerId } : {}),
        lang: res.locals.lang,
      });
      const next = `/pair/done?${query}`;
      res.json({ status: 'paired', next });
    } catch (err) {
      if (!(err instanceof PairingRefusedError)) throw err;
      await endPhoneSignIn(req, res, deps.lifecycle);
      throw refusal(err.reason);
    }
  });

  /** decline (phone): "Not me": the pairing is refused and the phone's own sign-in ends. */
  router.post('/pair/:capability/decline', async (req, res) => {
    const capability = String(req.params.capability);
    try {
      if (!CAPABILITY.test(capability)) throw new PairingRefusedError('unknown');
      await deps.pairing.decline(capability, req.sessionID, req.session.user?.email);
    } catch (err) {
      if (!(err instanceof PairingRefusedError)) throw err;
    }
    await endPhoneSignIn(req, res, deps.lifecycle);
    res.json({ status: 'declined', next: '/pair/refused?reason=not_me' });
  });

  return router;
}

/** The panel sessions in the express-session store, as PairingService needs them. */
export function storePanelSessions(store: Store, clock: Clock): PanelSessions {
  const get = (sid: string) =>
    new Promise<SessionData | null>((ok, fail) =>
      store.get(sid, (err, data) => (err ? fail(err) : ok((data as SessionData | null | undefined) ?? null))),
    );
  const set = (sid: string, data: SessionData) =>
    new Promise<void>((ok, fail) => store.set(sid, data, (err) => (err ? fail(err) : ok())));
  const waits = (data: SessionData | null, pairingId: string): data is SessionData =>
    Boolean(data && !data.user && !data.token && data.pairingId === pairingId);
  return {
    async waiting(sid, pairingId) {
      return waits(await get(sid), pairingId);
    },
    async signIn(sid, pairingId, grant) {
      const data = await get(sid);
      if (!waits(data, pairingId)) return null;
      const now = clock.now();
      delete data.pairingId;
      data.user = { ...grant.user };
      // The token moves sealed, exactly as the phone's session held it.
      data.token = grant.sealedToken;
      data.csrfToken = randomBytes(32).toString('base64url');
      data.signedInAt = now;
      data.lastSeenAt = now;
      await set(sid, data);
      return now;
    },
  };
}
