import { Router } from 'express';
import { z } from 'zod';
import type { DriveConnector } from '../../domain/ports.js';
import type { PrintService } from '../../domain/printing.js';
import type { TokenSealer } from '../../domain/sessions.js';
import { parseInput } from '../middleware/validate.js';
import { currentUser, driveFor, requireUser } from '../session.js';
import { driveId } from './files-query.js';
import { parsePageRanges } from './page-ranges.js';

const printBody = z.object({
  fileId: driveId,
  printerId: z.string().min(1).max(64),
  copies: z.coerce
    .number()
    .int()
    .min(1, 'copies must be at least 1')
    .max(99, 'copies must be 99 or fewer')
    .optional(),
  sides: z.enum(['one-sided', 'two-sided-long-edge', 'two-sided-short-edge']).optional(),
  color: z.enum(['color', 'monochrome']).optional(),
  media: z
    .string()
    .regex(/^[a-z0-9_.-]{1,64}$/, 'media must be a PWG media name such as iso_a4_210x297mm')
    .optional(),
  pageRanges: z.string().max(100).optional(),
});

const jobParams = z.object({ jobId: z.uuid('is not a job id') });

export function printRoutes(deps: {
  drives: DriveConnector;
  sealer: TokenSealer;
  printing: PrintService;
}): Router {
  const router = Router();

  /** submit: answers 202 at once; the job runs in the background. */
  router.post('/api/print', requireUser, async (req, res) => {
    const body = parseInput(printBody, req.body ?? {});
    const user = currentUser(req);
    const pageRanges = body.pageRanges ? parsePageRanges(body.pageRanges) : undefined;
    const job = await deps.printing.submit({
      drive: driveFor(req, deps),
      fileId: body.fileId,
      printerId: body.printerId,
      ticket: {
        ...(body.copies ? { copies: body.copies } : {}),
        ...(body.sides ? { sides: body.sides } : {}),
        ...(body.color ? { color: body.color } : {}),
        ...(body.media ? { media: body.media } : {}),
        ...(pageRanges ? { pageRanges } : {}),
      },
      ownerKey: user.key,
      userEmail: user.email,
    });
    res.status(202).json({ jobId: job.jobId });
  });

  /** show: only for the session's own user. */
  router.get('/api/print/:jobId', requireUser, async (req, res) => {
    const { jobId } = parseInput(jobParams, req.params);
    res.json(present(await deps.printing.status(jobId, currentUser(req).key)));
  });

  /** cancel */
  router.post('/api/print/:jobId/cancel', requireUser, async (req, res) => {
    const { jobId } = parseInput(jobParams, req.params);
    res.json(present(await deps.printing.cancel(jobId, currentUser(req).key)));
  });

  return router;
}

function present(job: Awaited<ReturnType<PrintService['status']>>) {
  return {
    jobId: job.jobId,
    state: job.state,
    fileName: job.fileName,
    printerId: job.printerId,
    ippJobId: job.ippJobId,
    error: job.error,
  };
}
