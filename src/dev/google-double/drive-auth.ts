// Bearer-token check in front of every Drive route.

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { DoubleContext, Viewer } from './context.js';
import { driveErrors, sendUnauthenticated } from './errors.js';

const DRIVE_SCOPE_PREFIX = 'https://www.googleapis.com/auth/drive';
const WRITE_SCOPES = new Set([DRIVE_SCOPE_PREFIX, `${DRIVE_SCOPE_PREFIX}.file`]);

export function requireViewer(ctx: DoubleContext): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const grant = match?.[1] ? ctx.tokens.validate(match[1]) : undefined;
    const user = grant ? ctx.store.userByEmail(grant.email) : undefined;
    if (!grant || !user) {
      sendUnauthenticated(res);
      return;
    }
    // A token without any Drive scope (say, only openid email) is refused like Google refuses it.
    if (!grant.scope.split(' ').some((s) => s.startsWith(DRIVE_SCOPE_PREFIX))) {
      next(driveErrors.insufficientScopes());
      return;
    }
    const viewer: Viewer = { user, email: user.email.toLowerCase(), scope: grant.scope };
    res.locals.viewer = viewer;
    next();
  };
}

export function viewerOf(res: Response): Viewer {
  const viewer = res.locals.viewer as Viewer | undefined;
  if (!viewer) throw driveErrors.unauthenticated();
  return viewer;
}

/** Creating files needs the full drive scope or drive.file. */
export function assertCanWrite(viewer: Viewer): void {
  if (!viewer.scope.split(' ').some((s) => WRITE_SCOPES.has(s))) throw driveErrors.insufficientScopes();
}
