import type { RequestHandler, Response } from 'express';

/**
 * Says in a Server-Timing header (W3C Server Timing) how much of an answer's time was spent waiting
 * for Google Drive, when it asked Drive anything: the browser's developer tools show it, and the
 * benchmark subtracts it request by request. Only a duration; nothing about what was asked.
 */
export const serverTiming: RequestHandler = (_req, res, next) => {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    const ms = res.locals.driveMs as number | undefined;
    if (typeof ms === 'number' && !res.headersSent) {
      res.setHeader('Server-Timing', `drive;dur=${ms.toFixed(1)};desc="Google Drive"`);
    }
    return writeHead.apply(this, args);
  } as Response['writeHead'];
  next();
};
