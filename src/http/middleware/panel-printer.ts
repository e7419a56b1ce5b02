import type { RequestHandler } from 'express';

/**
 * Knows the panel's own printer on every request, also once the session has ended, so that every
 * way of signing out returns to that printer's start page (/?printer=ID). The id travels in URLs
 * and the page (data-printer), never in a cookie of its own: it names a printer, it grants nothing.
 * Pages get it as `panelPrinter`, with `signOutAfterJobSeconds` for the after-job countdown.
 */
export function panelPrinter(options: {
  printerIds: readonly string[];
  signOutAfterJobSeconds: number;
}): RequestHandler {
  const known = (id: unknown): id is string => typeof id === 'string' && options.printerIds.includes(id);
  return (req, res, next) => {
    const s = req.session;
    const candidates = [
      s?.printerId,
      req.query.printer,
      res.locals.endedPrinterId,
      s?.pendingAuth?.printerId,
    ];
    const printerId = candidates.find(known);
    res.locals.panelPrinter = printerId;
    const render = res.locals.render as ((view: string, data?: Record<string, unknown>) => void) | undefined;
    if (render) {
      res.locals.render = (view: string, data: Record<string, unknown> = {}) =>
        render(view, {
          panelPrinter: printerId ?? null,
          signOutAfterJobSeconds: options.signOutAfterJobSeconds,
          ...data,
        });
    }
    next();
  };
}
