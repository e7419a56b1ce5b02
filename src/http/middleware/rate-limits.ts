import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { RateLimitedError } from '../../domain/errors.js';

export interface RateLimitOptions {
  /** Sign-in starts and callbacks per address per minute. */
  signInPerMinute: number;
  /** API calls per signed-in person (or address) per minute. */
  apiPerMinute: number;
  /** Device uploads per address per minute; also device document fetches (pull links), counted apart. */
  uploadsPerMinute: number;
  /** Phone sign-in starts and phone pairing pages per address per minute (default 30). */
  pairingPerMinute?: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  signInPerMinute: 60,
  apiPerMinute: 600,
  uploadsPerMinute: 240,
};

const perPersonOrAddress = (req: Request) => req.session?.user?.key ?? ipKeyGenerator(req.ip ?? '');

function limiter(limit: number, key: (req: Request) => string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    // Also what sends Retry-After (seconds until the window resets) with every 429, so a device or
    // the panel knows when to try again (RFC 9110 section 10.2.3); test/http/bad-input-auth checks it.
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: key,
    // The contract's error shape, through the one error handler.
    handler: (_req, _res, next) => next(new RateLimitedError()),
  });
}

/**
 * Per-instance limits (each instance counts on its own; with N instances the effective limit is
 * up to N times higher, which is still far below anything that would harm Google or a printer).
 */
export function rateLimits(options: RateLimitOptions): {
  signIn: RequestHandler;
  api: RequestHandler;
  uploads: RequestHandler;
  pulls: RequestHandler;
  pairing: RequestHandler;
} {
  return {
    signIn: limiter(options.signInPerMinute, (req) => ipKeyGenerator(req.ip ?? '')),
    api: limiter(options.apiPerMinute, perPersonOrAddress),
    uploads: limiter(options.uploadsPerMinute, (req) => ipKeyGenerator(req.ip ?? '')),
    pulls: limiter(options.uploadsPerMinute, (req) => ipKeyGenerator(req.ip ?? '')),
    pairing: limiter(options.pairingPerMinute ?? 30, (req) => ipKeyGenerator(req.ip ?? '')),
  };
}
