import { Router } from 'express';
import { z } from 'zod';
import type { DriveConnector, ScanJob } from '../../domain/ports.js';
import type { ScanJobService } from '../../domain/scan-jobs.js';
import type { TokenSealer } from '../../domain/sessions.js';
import { parseInput, wholeNumber } from '../middleware/validate.js';
import { finishFields, finishFrom } from '../scan-finish-input.js';
import { defaultScanName } from '../scan-names.js';
import { currentUser, driveFor, requireUser } from '../session.js';
import { driveId } from './files-query.js';

// Shapes only: whether the scanner offers a value is decided against its capabilities (scan-settings.ts).
const scanJobBody = z.object({
  printerId: z.string().min(1).max(64),
  folderId: driveId,
  name: z.string().max(300, 'name is too long').optional(),
  source: z.enum(['flatbed', 'feeder']).optional(),
  duplex: z.boolean().optional(),
  colorMode: z.enum(['color', 'grayscale', 'blackandwhite']).optional(),
  resolution: wholeNumber('resolution must be a whole number').pipe(z.number().min(50).max(4800)).optional(),
  ...finishFields,
});

const jobParams = z.object({ scanJobId: z.uuid('is not a scan job id') });

export function scanJobRoutes(deps: {
  drives: DriveConnector;
  sealer: TokenSealer;
  scanJobs: ScanJobService;
  /** SCAN_NAME_TEMPLATE. */
  nameTemplate: string;
  printerNames: ReadonlyMap<string, string>;
}): Router {
  const router = Router();

  /** submit: checks the settings against the scanner, then 202 while the scan runs. */
  router.post('/api/scan-jobs', requireUser, async (req, res) => {
    const body = parseInput(scanJobBody, req.body ?? {});
    const user = currentUser(req);
    const job = await deps.scanJobs.submit({
      drive: driveFor(req, deps),
      printerId: body.printerId,
      folderId: body.folderId,
      ...(body.name ? { name: body.name } : {}),
      fallbackName: defaultScanName(
        res.locals.t,
        { now: Date.now(), printer: deps.printerNames.get(body.printerId) ?? body.printerId },
        deps.nameTemplate,
      ),
      settings: {
        ...(body.source ? { source: body.source } : {}),
        ...(body.duplex !== undefined ? { duplex: body.duplex } : {}),
        ...(body.colorMode ? { colorMode: body.colorMode } : {}),
        ...(body.resolution ? { resolution: body.resolution } : {}),
      },
      finish: finishFrom(body, res.locals.lang),
      ownerKey: user.key,
      userEmail: user.email,
    });
    res.status(202).json({ scanJobId: job.scanJobId });
  });

  /** show: only for the session's own user. */
  router.get('/api/scan-jobs/:scanJobId', requireUser, async (req, res) => {
    const { scanJobId } = parseInput(jobParams, req.params);
    res.json(present(await deps.scanJobs.status(scanJobId, currentUser(req).key)));
  });

  /** backs: the stack is turned over; the backs of a two-sided scan on a one-sided feeder are scanned. */
  router.post('/api/scan-jobs/:scanJobId/backs', requireUser, async (req, res) => {
    const { scanJobId } = parseInput(jobParams, req.params);
    res.json(present(await deps.scanJobs.scanBacks(scanJobId, currentUser(req).key)));
  });

  /** cancel: the scanner's job is deleted and nothing is uploaded. */
  router.post('/api/scan-jobs/:scanJobId/cancel', requireUser, async (req, res) => {
    const { scanJobId } = parseInput(jobParams, req.params);
    res.json(present(await deps.scanJobs.cancel(scanJobId, currentUser(req).key)));
  });

  return router;
}

function present(job: ScanJob) {
  return {
    scanJobId: job.scanJobId,
    state: job.state,
    pages: job.pages,
    fileId: job.fileId,
    name: job.name,
    error: job.error,
    printerId: job.printerId,
    folderId: job.folderId,
    folderName: job.folderName,
    duplicateName: job.duplicateName,
    settings: job.settings,
    finish: job.finish ?? null,
    progress: job.progress ?? null,
    fronts: job.fronts ?? null,
    blankRemoved: job.blankRemoved ?? 0,
  };
}
