import type { RequestHandler } from 'express';

/** Signed-in pages and API answers must not be kept by the panel browser or a proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  res.set('Pragma', 'no-cache');
  next();
};
