// Drive's JSON error envelope. Handlers throw DriveError; the error middleware renders it, so every
// failure path answers with the same shape Google uses and the double never crashes on bad input.

import type { NextFunction, Request, Response } from 'express';

export interface GoogleErrorItem {
  domain: string;
  reason: string;
  message: string;
  location?: string;
  locationType?: string;
}

export class DriveError extends Error {
  readonly status: number;
  readonly item: GoogleErrorItem;
  readonly statusText?: string;
  /** Extra response headers, such as Retry-After on a rate limit. */
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    item: Partial<GoogleErrorItem> & { reason: string; message: string },
    headers: Record<string, string> = {},
  ) {
    super(item.message);
    this.status = status;
    this.item = { domain: 'global', ...item };
    this.headers = headers;
    // Google adds the RPC status name to some errors; these two are the ones clients look at.
    if (status === 401) this.statusText = 'UNAUTHENTICATED';
    if (status === 429) this.statusText = 'RESOURCE_EXHAUSTED';
  }

  body(): object {
    const error: Record<string, unknown> = {
      code: this.status,
      message: this.item.message,
      errors: [this.item],
    };
    if (this.statusText) error.status = this.statusText;
    return { error };
  }
}

export const driveErrors = {
  notFound: (id: string) =>
    new DriveError(404, {
      reason: 'notFound',
      message: `File not found: ${id}.`,
      location: 'fileId',
      locationType: 'parameter',
    }),
  invalidParam: (location: string, message = 'Invalid Value') =>
    new DriveError(400, { reason: 'invalid', message, location, locationType: 'parameter' }),
  required: (location: string, message: string) =>
    new DriveError(400, { reason: 'required', message, location, locationType: 'parameter' }),
  badRequest: (message: string, location?: string) =>
    new DriveError(400, {
      reason: 'badRequest',
      message,
      ...(location ? { location, locationType: 'parameter' } : {}),
    }),
  unauthenticated: () =>
    new DriveError(401, {
      reason: 'authError',
      message: 'Invalid Credentials',
      location: 'Authorization',
      locationType: 'header',
    }),
  insufficientScopes: () =>
    new DriveError(403, {
      reason: 'insufficientPermissions',
      message: 'Request had insufficient authentication scopes.',
    }),
  insufficientFilePermissions: () =>
    new DriveError(403, {
      reason: 'insufficientFilePermissions',
      message: 'The user does not have sufficient permissions for this file.',
    }),
  notDownloadable: () =>
    new DriveError(403, {
      reason: 'fileNotDownloadable',
      message: 'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
      location: 'alt',
      locationType: 'parameter',
    }),
  exportTooLarge: () =>
    new DriveError(403, {
      reason: 'exportSizeLimitExceeded',
      message: 'This file is too large to be exported.',
    }),
  userRateLimit: () =>
    new DriveError(403, {
      domain: 'usageLimits',
      reason: 'userRateLimitExceeded',
      message: 'User Rate Limit Exceeded',
    }),
  rateLimit: () =>
    new DriveError(429, {
      domain: 'usageLimits',
      reason: 'rateLimitExceeded',
      message: 'Rate Limit Exceeded',
    }),
  backend: (status = 500) =>
    new DriveError(status, {
      reason: status >= 500 ? 'backendError' : reasonForStatus(status),
      message: status >= 500 ? 'Backend Error' : 'Request failed',
    }),
};

/**
 * Drive's two rate-limit answers: 403 userRateLimitExceeded or 429 rateLimitExceeded, optionally with
 * Retry-After in seconds (Google sends it on some 429s and 503s; clients must wait at least that long).
 */
export function rateLimitError(kind: '403' | '429', retryAfterSeconds?: number): DriveError {
  const base = kind === '429' ? driveErrors.rateLimit() : driveErrors.userRateLimit();
  if (retryAfterSeconds === undefined) return base;
  return new DriveError(base.status, base.item, { 'Retry-After': String(retryAfterSeconds) });
}

function reasonForStatus(status: number): string {
  if (status === 401) return 'authError';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 429) return 'rateLimitExceeded';
  return 'badRequest';
}

/** The 401 body Google sends for a missing, invalid, expired or revoked bearer token. */
export function sendUnauthenticated(res: Response): void {
  const err = driveErrors.unauthenticated();
  const body = {
    error: {
      code: 401,
      message:
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other ' +
        'valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      errors: [err.item],
      status: 'UNAUTHENTICATED',
    },
  };
  res.setHeader('WWW-Authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
  res.status(401).json(body);
}

/** Last middleware: DriveErrors as Google bodies, parser errors as 400, anything else as 500 backendError. */
export function errorMiddleware(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof DriveError) {
    for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
    res.status(err.status).json(err.body());
    return;
  }
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(400).json(new DriveError(400, { reason: 'parseError', message: 'Parse Error' }).body());
    return;
  }
  res.status(500).json(driveErrors.backend(500).body());
}
