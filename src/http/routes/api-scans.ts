import { Router } from 'express';
import { z } from 'zod';
import type { DriveConnector } from '../../domain/ports.js';
import type { ScanService } from '../../domain/scanning.js';
import type { TokenSealer } from '../../domain/sessions.js';
import type { TempFiles } from '../../domain/temp-files.js';
import { filingUpload, singleUpload } from '../middleware/upload.js';
import { parseInput } from '../middleware/validate.js';
import { finishFields, finishFrom } from '../scan-finish-input.js';
import { defaultScanName } from '../scan-names.js';
import { currentUser, driveFor, requireUser } from '../session.js';
import { driveId } from './files-query.js';

export interface ScanRouteDeps {
  drives: DriveConnector;
  sealer: TokenSealer;
  scanning: ScanService;
  temp: TempFiles;
  maxBytes: number;
  publicUrl: string;
  /** SCAN_NAME_TEMPLATE. */
  nameTemplate: string;
  printerNames: ReadonlyMap<string, string>;
}

const destination = z.object({
  folderId: driveId,
  name: z.string().max(300, 'name is too long').optional(),
  ...finishFields,
});
/** "one" (default) or "many"; a page count from a device is read the same way (1 = one, more = many). */
const pagesField = z
  .union([z.enum(['one', 'many']), z.number().int().min(1).max(500)], {
    error: 'pages must be "one", "many" or a page count',
  })
  .transform((p) => (p === 'many' || (typeof p === 'number' && p > 1) ? 'many' : 'one'))
  .default('one');
const ticketBody = destination.extend({ pages: pagesField });
/** 256-bit capability, base64url. */
const capability = z.object({ capability: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a scan link') });
const ticketId = z.object({ ticketId: z.string().regex(/^[0-9a-f]{64}$/, 'is not a scan id') });
/** A device's HTTP filing form; destDir and destName are read and ignored (the panel chose both). */
const filingForm = z.object({
  theOperation: z.string().max(32, 'theOperation is too long').optional(),
  destDir: z.string().max(1024, 'destDir is too long').optional(),
  destName: z.string().max(1024, 'destName is too long').optional(),
});

export function scanRoutes(deps: ScanRouteDeps): Router {
  const router = Router();
  const upload = singleUpload({ maxBytes: deps.maxBytes });
  const filing = filingUpload({ maxBytes: deps.maxBytes });

  /** create (panel): multipart `file`, `folderId`, optional `name`. */
  router.post('/api/scans', requireUser, async (req, res) => {
    const user = currentUser(req);
    // Whatever the upload leaves in TEMP_DIR is deleted when `receive` ends, on every path.
    const result = await deps.scanning.receive(user.email, async (files) => {
      const file = await upload(req, res, files);
      const to = parseInput(destination, req.body ?? {});
      return deps.scanning.uploadFromPanel({
        drive: driveFor(req, deps),
        file,
        to,
        userEmail: user.email,
        fallbackName: defaultScanName(res.locals.t, scanNameParts(req, deps), deps.nameTemplate),
        finish: finishFrom(to, res.locals.lang),
        files,
      });
    });
    rememberFolder(req.session, { id: result.folderId, name: result.folderName });
    res.status(201).json({
      fileId: result.fileId,
      name: result.name,
      folderId: result.folderId,
      folderName: result.folderName,
      duplicateName: result.duplicateName,
      ...(result.finished ?? {}),
    });
  });

  /** create ticket (panel): a single-use upload URL for the scanning device. */
  router.post('/api/scan-tickets', requireUser, async (req, res) => {
    const body = parseInput(ticketBody, req.body ?? {});
    const user = currentUser(req);
    const ticket = await deps.scanning.createTicket({
      drive: driveFor(req, deps),
      sid: req.sessionID,
      ownerKey: user.key,
      userEmail: user.email,
      to: body,
      pages: body.pages,
      fallbackName: defaultScanName(res.locals.t, scanNameParts(req, deps), deps.nameTemplate),
      finish: finishFrom(body, res.locals.lang),
    });
    rememberFolder(req.session, { id: body.folderId, name: ticket.folderName });
    res.status(201).json({
      uploadUrl: `${deps.publicUrl}/scan-upload/${ticket.capability}`,
      expiresAt: new Date(ticket.expiresAt).toISOString(),
      ticketId: ticket.ticketId,
    });
  });

  /** show ticket (panel): waiting, receiving (with pages), saving, uploaded, failed or canceled. */
  router.get('/api/scan-tickets/:ticketId', requireUser, async (req, res) => {
    const { ticketId: id } = parseInput(ticketId, req.params);
    res.json(await deps.scanning.outcome(id, currentUser(req).key));
  });

  /** finish ticket (panel): the pages received so far become one PDF in Drive. */
  router.post('/api/scan-tickets/:ticketId/finish', requireUser, async (req, res) => {
    const { ticketId: id } = parseInput(ticketId, req.params);
    const owner = { sid: req.sessionID, ownerKey: currentUser(req).key };
    res.status(201).json(await deps.scanning.finishFromPanel(id, owner));
  });

  /** cancel ticket (panel): received pages are deleted and the link stops working. */
  router.post('/api/scan-tickets/:ticketId/cancel', requireUser, async (req, res) => {
    const { ticketId: id } = parseInput(ticketId, req.params);
    await deps.scanning.cancelFromPanel(id, { sid: req.sessionID, ownerKey: currentUser(req).key });
    res.json({ state: 'canceled' });
  });

  /**
   * upload with ticket (device, no cookie): our `file` form, or a device's HTTP filing form
   * (theOperation PutFile/ListDir/MakeDir/RemoveDir/DeleteFile). A directory operation answers a
   * plain 200 "OK", which filing clients take as success, and leaves the ticket unused.
   */
  router.post('/scan-upload/:capability', async (req, res) => {
    const { capability: cap } = parseInput(capability, req.params);
    // Refuse a dead link before reading a possibly huge body.
    const ticket = await deps.scanning.checkTicket(cap);
    const result = await deps.scanning.receive(ticket.userEmail, async (files) => {
      const file = await filing(req, res, files);
      const form = parseInput(filingForm, req.body ?? {});
      return deps.scanning.fileWithTicket(cap, { operation: form.theOperation, file }, files);
    });
    if ('directory' in result) res.status(200).type('text/plain').send('OK');
    else if ('pages' in result) res.status(202).json({ pages: result.pages });
    else res.status(201).json(result);
  });

  /** finish (device): combine the pages of a 'many' ticket into one PDF and upload it. */
  router.post('/scan-upload/:capability/finish', async (req, res) => {
    const { capability: cap } = parseInput(capability, req.params);
    res.status(201).json(await deps.scanning.finish(cap));
  });

  return router;
}

/** Now, and the panel's printer when the session has one. */
function scanNameParts(req: Express.Request, deps: ScanRouteDeps) {
  const printer = req.session.printerId ? deps.printerNames.get(req.session.printerId) : undefined;
  return { now: Date.now(), ...(printer ? { printer } : {}) };
}

function rememberFolder(session: Express.Request['session'], folder: { id: string; name: string }) {
  const recent = (session.recentFolders ?? []).filter((f) => f.id !== folder.id);
  session.recentFolders = [folder, ...recent].slice(0, 5);
}
