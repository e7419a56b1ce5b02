import { Router } from 'express';
import type { DriveConnector } from '../../domain/ports.js';
import type { ScanJobService } from '../../domain/scan-jobs.js';
import type { TokenSealer } from '../../domain/sessions.js';
import { noStore } from '../middleware/no-store.js';
import { parseInput } from '../middleware/validate.js';
import { defaultScanName } from '../scan-names.js';
import { driveFor, signedInOrRedirect } from '../session.js';
import { updateTrail } from '../trail.js';
import { filesQuery } from './files-query.js';

/** The scan screen: pick a folder (folders only), a name, then upload or scan at the device. */
export function scanPageRoutes(deps: {
  drives: DriveConnector;
  sealer: TokenSealer;
  maxBytes: number;
  ticketSeconds: number;
  scanJobs: ScanJobService;
  printerNames: ReadonlyMap<string, string>;
  /** SCAN_NAME_TEMPLATE. */
  nameTemplate: string;
  /** Whether OCR can run now: the "Searchable PDF" switch is shown only then. */
  ocrAvailable: () => Promise<boolean>;
}): Router {
  const router = Router();

  /** The panel's own printer's scanner, else the first printer's that has one; null when none answers. */
  async function scannerFor(sessionPrinter: string | undefined) {
    const printerId = deps.scanJobs.scannerOf(sessionPrinter ?? '')?.id ?? deps.scanJobs.firstScanner()?.id;
    if (!printerId) return null;
    const view = await deps.scanJobs.describe(printerId).catch(() => null);
    return view && { printerId, printerName: deps.printerNames.get(printerId) ?? printerId, ...view };
  }

  router.get('/scan', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const query = parseInput(filesQuery.pick({ view: true, folderId: true, pageToken: true }), req.query);
    const view = query.view === 'shared' ? 'mydrive' : query.view;
    const folderId = query.folderId ?? (view === 'mydrive' ? 'root' : undefined);
    const drive = driveFor(req, deps);
    const [page, folder, scanner, ocr] = await Promise.all([
      drive.list({
        view,
        ...(folderId ? { folderId } : {}),
        foldersOnly: true,
        ...(query.pageToken ? { pageToken: query.pageToken } : {}),
      }),
      folderId ? drive.get(folderId) : Promise.resolve(null),
      scannerFor(req.session.printerId),
      deps.ocrAvailable().catch(() => false),
    ]);
    const trail = updateTrail(
      req,
      'scanTrail',
      folder && folderId !== 'root' ? { id: folder.id, name: folder.name } : null,
    );
    const rootName = res.locals.t(`browse.root.${view}`);
    res.locals.render('scan/index', {
      trail,
      // "My Drive › Projects › 2026": where the scan lands, for "saved as … in …".
      folderPath: [rootName, ...trail.map((c) => c.name)].join(' › '),
      ocr,
      view,
      folder: folder
        ? { id: folder.id, name: folderId === 'root' ? res.locals.t('browse.root.mydrive') : folder.name }
        : null,
      folders: page.files.filter((f) => f.isFolder),
      nextPageToken: page.nextPageToken,
      recent: req.session.recentFolders ?? [],
      defaultName: defaultScanName(
        res.locals.t,
        { now: Date.now(), ...(scanner ? { printer: scanner.printerName } : {}) },
        deps.nameTemplate,
      ),
      maxMb: Math.round(deps.maxBytes / 1024 / 1024),
      ticketMinutes: Math.round(deps.ticketSeconds / 60),
      scanner,
    });
  });
  return router;
}
