import { Router } from 'express';
import { z } from 'zod';
import type { DriveConnector, PrintTicket } from '../../domain/ports.js';
import { formatPageRanges, parsePageRanges } from '../../domain/print-options.js';
import type { PrinterDirectory } from '../../domain/printers.js';
import type { PrintJobView, PrintService } from '../../domain/printing.js';
import type { TokenSealer } from '../../domain/sessions.js';
import { parseInput, wholeNumber } from '../middleware/validate.js';
import { currentUser, driveFor, requireUser } from '../session.js';
import { driveId } from './files-query.js';

const keyword = z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'must be a keyword such as staple');

// Shapes only: whether a value is supported is decided against the chosen printer (print-options.ts).
const printBody = z.object({
  fileId: driveId,
  printerId: z.string().min(1).max(64),
  copies: wholeNumber('copies must be a whole number')
    .pipe(z.number().min(1, 'copies must be at least 1').max(9999))
    .optional(),
  sides: z.enum(['one-sided', 'two-sided-long-edge', 'two-sided-short-edge']).optional(),
  color: z.enum(['color', 'monochrome']).optional(),
  media: z
    .string()
    .regex(/^[a-z0-9_.-]{1,64}$/, 'media must be a PWG media name such as iso_a4_210x297mm')
    .optional(),
  pageRanges: z.string().max(200).optional(),
  orientation: z.enum(['portrait', 'landscape']).optional(),
  numberUp: wholeNumber('numberUp must be a whole number').pipe(z.number().min(1).max(64)).optional(),
  quality: z.enum(['draft', 'normal', 'high']).optional(),
  finishings: z.union([keyword, z.array(keyword).max(10)]).optional(),
  // pull: the device fetches a PDF from a single-use link (documentUrl) instead of receiving Print-Job.
  delivery: z.enum(['ipp', 'pull']).optional(),
});

const jobParams = z.object({ jobId: z.uuid('is not a job id') });

/** The request body as a ticket: only what the person chose; the rest is the printer's default. */
function ticketFrom(body: z.infer<typeof printBody>): PrintTicket {
  const pageRanges = body.pageRanges ? parsePageRanges(body.pageRanges) : [];
  const finishings = typeof body.finishings === 'string' ? [body.finishings] : (body.finishings ?? []);
  const chosen = finishings.filter((f) => f !== 'none');
  return {
    ...(body.copies !== undefined ? { copies: body.copies } : {}),
    ...(body.sides ? { sides: body.sides } : {}),
    ...(body.color ? { color: body.color } : {}),
    ...(body.media ? { media: body.media } : {}),
    ...(pageRanges.length > 0 ? { pageRanges } : {}),
    ...(body.orientation ? { orientation: body.orientation } : {}),
    ...(body.numberUp !== undefined ? { numberUp: body.numberUp } : {}),
    ...(body.quality ? { quality: body.quality } : {}),
    ...(chosen.length > 0 ? { finishings: chosen } : {}),
  };
}

export function printRoutes(deps: {
  drives: DriveConnector;
  sealer: TokenSealer;
  printing: PrintService;
  printers: PrinterDirectory;
}): Router {
  const router = Router();

  /** submit: checks the options against the printer, then answers 202 while the job runs. */
  router.post('/api/print', requireUser, async (req, res) => {
    const body = parseInput(printBody, req.body ?? {});
    const user = currentUser(req);
    const job = await deps.printing.submit({
      drive: driveFor(req, deps),
      fileId: body.fileId,
      printerId: body.printerId,
      ticket: ticketFrom(body),
      ownerKey: user.key,
      userEmail: user.email,
      delivery: body.delivery ?? 'ipp',
      sessionId: req.sessionID,
    });
    res.status(202).json({ jobId: job.jobId });
  });

  /** show: only for the session's own user. */
  router.get('/api/print/:jobId', requireUser, async (req, res) => {
    const { jobId } = parseInput(jobParams, req.params);
    const job = await deps.printing.status(jobId, currentUser(req).key);
    res.json(await present(job, deps.printers));
  });

  /** cancel; a job the printer already finished stays completed ("too late"). */
  router.post('/api/print/:jobId/cancel', requireUser, async (req, res) => {
    const { jobId } = parseInput(jobParams, req.params);
    const job = await deps.printing.cancel(jobId, currentUser(req).key);
    res.json(await present(job, deps.printers));
  });

  /** retry: the same file, printer and options as a new job. */
  router.post('/api/print/:jobId/retry', requireUser, async (req, res) => {
    const { jobId } = parseInput(jobParams, req.params);
    const user = currentUser(req);
    const job = await deps.printing.retry(jobId, {
      drive: driveFor(req, deps),
      ownerKey: user.key,
      userEmail: user.email,
      sessionId: req.sessionID,
    });
    res.status(202).json({ jobId: job.jobId });
  });

  return router;
}

/** A job for its owner; `documentUrl` (a capability) appears only while the document waits to be fetched. */
export async function present(job: PrintJobView, printers: PrinterDirectory) {
  const printer = await printers.get(job.printerId).catch(() => null);
  const { pageRanges, ...rest } = job.ticket;
  return {
    jobId: job.jobId,
    state: job.state,
    fileName: job.fileName,
    printerId: job.printerId,
    ippJobId: job.ippJobId,
    error: job.error,
    step: job.step,
    converts: job.converts,
    pagesDone: job.pagesDone,
    delivery: job.delivery ?? 'ipp',
    ...(job.documentUrl ? { documentUrl: job.documentUrl } : {}),
    options: { ...rest, ...(pageRanges ? { pageRanges: formatPageRanges(pageRanges) } : {}) },
    printerState: printer?.state ?? 'unreachable',
    printerStateReasons: printer?.stateReasons ?? [],
  };
}
