import type { RequestHandler } from 'express';
import type { Clock } from '../../domain/ports.js';
import type { SessionLifecycle } from '../../domain/sessions.js';

/**
 * Ends a signed-in session whose idle or maximum time has passed (revoking its token) before the
 * request goes on as signed out, and counts the request as activity otherwise. Requests that a
 * page makes by itself (status polling, marked X-Background: 1) are not activity.
 */
export function sessionLifetime(deps: { lifecycle: SessionLifecycle; clock: Clock }): RequestHandler {
  return async (req, res, next) => {
    const s = req.session;
    if (!s?.user || !s.signedInAt || !s.token) {
      next();
      return;
    }
    const now = deps.clock.now();
    const ended = deps.lifecycle.endedBy(s.signedInAt, s.lastSeenAt ?? s.signedInAt, now);
    if (ended) {
      await deps.lifecycle.end(req.sessionID, ended, { sealedToken: s.token, userEmail: s.user.email });
      res.locals.sessionEnded = ended;
      // The panel's printer outlives the session, so the start page it returns to is its own.
      res.locals.endedPrinterId = s.printerId;
      await new Promise<void>((resolve) => s.regenerate(() => resolve()));
      next();
      return;
    }
    if (req.get('x-background') !== '1') {
      s.lastSeenAt = now;
      await deps.lifecycle.track({
        sid: req.sessionID,
        signedInAt: s.signedInAt,
        lastSeenAt: now,
        sealedToken: s.token,
        userEmail: s.user.email,
      });
    }
    res.locals.sessionDeadline = deps.lifecycle.deadline(s.signedInAt, s.lastSeenAt ?? s.signedInAt);
    next();
  };
}
