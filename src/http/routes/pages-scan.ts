import { Router } from 'express';
import type { DriveConnector } from '../../domain/ports.js';
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
}): Router {
  const router = Router();
  router.get('/scan', noStore, async (req, res) => {
    if (!signedInOrRedirect(req, res)) return;
    const query = parseInput(filesQuery.pick({ view: true, folderId: true, pageToken: true }), req.query);
    const view = query.view === 'shared' ? 'mydrive' : query.view;
    const folderId = query.folderId ?? (view === 'mydrive' ? 'root' : undefined);
    const drive = driveFor(req, deps);
    const [page, folder] = await Promise.all([
      drive.list({
        view,
        ...(folderId ? { folderId } : {}),
        foldersOnly: true,
        ...(query.pageToken ? { pageToken: query.pageToken } : {}),
      }),
      folderId ? drive.get(folderId) : Promise.resolve(null),
    ]);
    const trail = updateTrail(
      req,
      'scanTrail',
      folder && folderId !== 'root' ? { id: folder.id, name: folder.name } : null,
    );
    res.locals.render('scan/index', {
      trail,
      view,
      folder: folder
        ? { id: folder.id, name: folderId === 'root' ? res.locals.t('browse.root.mydrive') : folder.name }
        : null,
      folders: page.files.filter((f) => f.isFolder),
      nextPageToken: page.nextPageToken,
      recent: req.session.recentFolders ?? [],
      defaultName: defaultScanName(res.locals.t, Date.now()),
      maxMb: Math.round(deps.maxBytes / 1024 / 1024),
      ticketMinutes: Math.round(deps.ticketSeconds / 60),
    });
  });
  return router;
}
