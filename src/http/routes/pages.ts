import { type Response, Router } from 'express';
import { z } from 'zod';
import { printPlanFor } from '../../domain/document-formats.js';
import type { DriveConnector, PrinterConfig, PrintSystem } from '../../domain/ports.js';
import type { PrintService } from '../../domain/printing.js';
import type { TokenSealer } from '../../domain/sessions.js';
import { noStore } from '../middleware/no-store.js';
import { parseInput } from '../middleware/validate.js';
import { currentUser, driveFor, signedInOrRedirect } from '../session.js';
import { updateTrail } from '../trail.js';
import { printerStates } from './api-printers.js';
import { driveId, filesQuery, toListQuery } from './files-query.js';

export interface PageDeps {
  drives: DriveConnector;
  sealer: TokenSealer;
  printers: readonly PrinterConfig[];
  printSystem: PrintSystem;
  printing: PrintService;
}

const render = (res: Response, view: string, data: Record<string, unknown> = {}) =>
  res.locals.render(view, data);

export function pageRoutes(deps: PageDeps): Router {
  const router = Router();

  router.get('/', (req, res) => {
    if (typeof req.query.printer === 'string' && deps.printers.some((p) => p.id === req.query.printer)) {
      if (req.session?.user) req.session.printerId = req.query.printer;
    }
    if (req.session?.user) {
      res.redirect(302, '/browse');
      return;
    }
    const printerId = typeof req.query.printer === 'string' ? req.query.printer : undefined;
    const printer = deps.printers.find((p) => p.id === printerId) ?? null;
    const notice = res.locals.sessionEnded ? 'expired' : (req.query.signin as string | undefined);
    render(res, 'signin/index', { printer, notice });
  });

  router.get('/privacy', (_req, res) => render(res, 'privacy/index'));

  router.get('/browse', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const query = parseInput(filesQuery, req.query);
    const drive = driveFor(req, deps);
    const [page, folder] = await Promise.all([
      drive.list(toListQuery(query)),
      query.folderId && query.folderId !== 'root' ? drive.get(query.folderId) : Promise.resolve(null),
    ]);
    const trail = query.q ? [] : updateTrail(req, 'trail', folder);
    render(res, 'browse/index', {
      view: query.view,
      folderId: query.folderId ?? null,
      q: query.q ?? '',
      files: page.files.map((f) => ({ ...f, printable: f.isFolder || printPlanFor(f.mimeType) !== null })),
      nextPageToken: page.nextPageToken,
      pageToken: query.pageToken ?? null,
      trail,
    });
  });

  router.get('/print/:fileId', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const { fileId } = parseInput(z.object({ fileId: driveId }), req.params);
    const [file, printers] = await Promise.all([
      driveFor(req, deps).get(fileId),
      printerStates(deps.printers, deps.printSystem),
    ]);
    const plan = printPlanFor(file.mimeType);
    const selected =
      req.session.printerId ?? printers.find((p) => p.state !== 'unreachable')?.id ?? printers[0]?.id;
    render(res, 'print/confirm', { file, plan, printers, selected, back: req.get('referer') ?? '/browse' });
  });

  router.get('/jobs/:jobId', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const { jobId } = parseInput(z.object({ jobId: z.uuid() }), req.params);
    const job = await deps.printing.status(jobId, currentUser(req).key);
    const printer = deps.printers.find((p) => p.id === job.printerId);
    render(res, 'jobs/show', { job, printerName: printer?.name ?? job.printerId });
  });

  return router;
}
