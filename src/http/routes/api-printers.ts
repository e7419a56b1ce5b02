import { Router } from 'express';
import { z } from 'zod';
import type { PrinterDirectory, PrinterView } from '../../domain/printers.js';
import type { ScanJobService } from '../../domain/scan-jobs.js';
import { parseInput } from '../middleware/validate.js';
import { requireUser } from '../session.js';

const printerParams = z.object({ printerId: z.string().min(1).max(64) });

/** The list entry: what a person needs to pick a printer. */
export function presentPrinter(view: PrinterView) {
  return { id: view.id, name: view.name, state: view.state, stateReasons: view.stateReasons };
}

export function printerRoutes(deps: { printers: PrinterDirectory; scanJobs: ScanJobService }): Router {
  const router = Router();

  /** list: from the printers' cached descriptions; never waits on a slow printer once it has answered. */
  router.get('/api/printers', requireUser, async (_req, res) => {
    res.json({ printers: (await deps.printers.list()).map(presentPrinter) });
  });

  /** show: options and defaults as the printer advertises them (null while it has never answered). */
  router.get('/api/printers/:printerId', requireUser, async (req, res) => {
    const { printerId } = parseInput(printerParams, req.params);
    const view = await deps.printers.get(printerId);
    // A scanner that does not answer is shown as none: nothing can be scanned from it now.
    const scanner = await deps.scanJobs.describe(printerId).catch(() => null);
    res.json({
      ...presentPrinter(view),
      capabilities: view.description?.capabilities ?? null,
      defaults: view.description?.defaults ?? null,
      scanner: scanner && {
        sources: scanner.capabilities.sources,
        duplex: scanner.capabilities.duplex,
        colorModes: scanner.capabilities.colorModes,
        resolutions: scanner.capabilities.resolutions,
        defaults: scanner.defaults,
        adf: scanner.status?.adf ?? null,
      },
    });
  });

  return router;
}
