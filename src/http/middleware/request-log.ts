import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One line per request with a request id. Only the path is logged: query strings can hold an
 * authorization code, a state or a search, and /auth/* never has its query logged at all.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = id;
    res.locals.log = logger.child({ requestId: id });
    res.set('X-Request-Id', id);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      res.locals.log.info(
        { method: req.method, path: loggablePath(req.path), status: res.statusCode, ms: Math.round(ms) },
        'request',
      );
    });
    next();
  };
}

/**
 * The path with capabilities masked: a scan ticket URL grants an upload, and a pull link a document,
 * until it is used.
 */
export function loggablePath(path: string): string {
  return path
    .replace(/^\/scan-upload\/[^/]+/, '/scan-upload/[ticket]')
    .replace(/^\/pull\/[^/]+/, '/pull/[document]')
    .replace(/^\/pair\/[A-Za-z0-9_-]{43}/, '/pair/[pairing]');
}
