import { Router } from 'express';
import { z } from 'zod';
import type { PrinterDirectory, PrinterView } from '../../domain/printers.js';
import { parseInput } from '../middleware/validate.js';
import { requireUser } from '../session.js';

const printerParams = z.object({ printerId: z.string().min(1).max(64) });

/** The list entry: what a person needs to pick a printer. */
export function presentPrinter(view: PrinterView) {
  return { id: view.id, name: view.name, state: view.state, stateReasons: view.stateReasons };
}

export function printerRoutes(deps: { printers: PrinterDirectory }): Router {
  const router = Router();

  /** list: from the printers' cached descriptions; never waits on a slow printer once it has answered. */
  router.get('/api/printers', requireUser, async (_req, res) => {
    res.json({ printers: (await deps.printers.list()).map(presentPrinter) });
  });

  /** show: options and defaults as the printer advertises them (null while it has never answered). */
  router.get('/api/printers/:printerId', requireUser, async (req, res) => {
    const { printerId } = parseInput(printerParams, req.params);
    const view = await deps.printers.get(printerId);
    res.json({
      ...presentPrinter(view),
      capabilities: view.description?.capabilities ?? null,
      defaults: view.description?.defaults ?? null,
      scanner: null,
    });
  });

  return router;
}
