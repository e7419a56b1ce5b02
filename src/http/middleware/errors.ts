import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, NotReadyError, SignedOutError } from '../../domain/errors.js';

/** Body of every error answer, as the contract says. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** Whether the client wants JSON (API calls) rather than a page. */
function wantsJson(req: Parameters<RequestHandler>[0]): boolean {
  return req.path.startsWith('/api/') || req.path.startsWith('/scan-upload/') || req.method !== 'GET';
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError('There is nothing at this address.'));
};

/** While the service shuts down, every new request gets 503 (the load balancer retries elsewhere). */
export function refuseWhileDraining(draining: () => boolean): RequestHandler {
  return (_req, res, next) => {
    if (!draining()) return next();
    res.set('Connection', 'close');
    res.set('Retry-After', '5');
    next(new NotReadyError('The service is restarting. Try again in a moment.', 'shutting_down'));
  };
}

/**
 * The one place where failures become answers. Known errors keep their status and message;
 * body-parser and multer errors become 400/413/415; anything else is a 500 without details.
 */
export function errorHandler(options: {
  onUnexpected: (err: unknown, req: Parameters<RequestHandler>[0]) => void;
  /** Drive refused the session's token: end the session before answering. */
  onSignedOut?: (req: Parameters<RequestHandler>[0]) => Promise<void>;
}): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    const known = toAppError(err);
    if (!known) options.onUnexpected(err, req);
    if (err instanceof SignedOutError && options.onSignedOut) {
      await options.onSignedOut(req).catch((endErr) => options.onUnexpected(endErr, req));
      res.locals.sessionEnded = true;
    }
    const status = known?.status ?? 500;
    const code = known?.code ?? 'internal';
    const message = known?.message ?? 'Something went wrong on our side. Try again.';
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status);
    if (status === 401 || status === 403 || status >= 500) res.set('Cache-Control', 'no-store');
    if (wantsJson(req) || !res.locals.render) {
      res.json(errorBody(code, message));
      return;
    }
    res.locals.render('error/index', { status, code, message });
  };
}

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { status?: number; statusCode?: number; type?: string; code?: string; expose?: boolean };
  const status = e?.status ?? e?.statusCode;
  // body-parser errors carry `type` and `expose`; their messages are safe but technical.
  if (e?.type === 'entity.too.large') return new AppError('too_large', 413, 'The request is too large.');
  if (e?.type === 'entity.parse.failed')
    return new AppError('bad_json', 400, 'The request body is not valid JSON.');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError(
      'unsupported_encoding',
      415,
      'The request uses an encoding this service does not accept.',
    );
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && e?.expose) {
    return new AppError('bad_request', status, 'The request could not be understood.');
  }
  return null;
}
