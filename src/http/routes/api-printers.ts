import { Router } from 'express';
import type { PrinterConfig, PrinterState, PrintSystem } from '../../domain/ports.js';
import { requireUser } from '../session.js';

export interface PrinterView {
  id: string;
  name: string;
  state: PrinterState;
}

/** Every configured printer with its state, asked in parallel (each probe has its own timeout). */
export async function printerStates(
  printers: readonly PrinterConfig[],
  system: PrintSystem,
): Promise<PrinterView[]> {
  return Promise.all(
    printers.map(async (p) => ({
      id: p.id,
      name: p.name,
      state: await system.state(p).catch((): PrinterState => 'unreachable'),
    })),
  );
}

export function printerRoutes(deps: {
  printers: readonly PrinterConfig[];
  printSystem: PrintSystem;
}): Router {
  const router = Router();
  /** list */
  router.get('/api/printers', requireUser, async (_req, res) => {
    res.json({ printers: await printerStates(deps.printers, deps.printSystem) });
  });
  return router;
}
