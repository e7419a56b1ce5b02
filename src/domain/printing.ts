import { randomUUID } from 'node:crypto';
import { printPlanFor } from './document-formats.js';
import { AppError, BadInputError, NotFoundError, UnsupportedTypeError, UpstreamError } from './errors.js';
import type {
  AuditLog,
  Clock,
  Drive,
  DriveItem,
  PrinterConfig,
  PrintJob,
  PrintJobState,
  PrintJobStore,
  PrintSystem,
  PrintTicket,
} from './ports.js';
import { withRetry } from './retry.js';
import type { TempFiles } from './temp-files.js';

export interface PrintServiceOptions {
  printers: readonly PrinterConfig[];
  printSystem: PrintSystem;
  jobs: PrintJobStore;
  temp: TempFiles;
  audit: AuditLog;
  clock: Clock;
  /** How often the printer is asked about a job it accepted. */
  pollIntervalMs?: number;
  /** A job that has not ended after this long is canceled at the printer and failed. */
  jobTimeoutMs?: number;
  /** Tries for Drive downloads and for a busy printer, with exponential backoff from baseDelayMs. */
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Called when a job ends, for logs. */
  onJobEnded?: (job: PrintJob) => void;
}

export interface PrintRequest {
  drive: Drive;
  fileId: string;
  printerId: string;
  ticket: PrintTicket;
  /** Pseudonymous key of the signed-in user; owns the job. */
  ownerKey: string;
  /** The account, for the audit log (hashed there) and the printer's requesting-user-name. */
  userEmail: string;
}

const ENDED: ReadonlySet<PrintJobState> = new Set(['completed', 'failed', 'canceled']);

/** Prints Drive files: download to a temporary file, Print-Job, follow the job, delete the file. */
export class PrintService {
  private readonly opts: Required<Omit<PrintServiceOptions, 'onJobEnded'>> &
    Pick<PrintServiceOptions, 'onJobEnded'>;
  private readonly running = new Map<string, { promise: Promise<void>; abort: AbortController }>();

  constructor(options: PrintServiceOptions) {
    this.opts = {
      pollIntervalMs: 1000,
      jobTimeoutMs: 15 * 60_000,
      retry: { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000 },
      ...options,
    };
  }

  printer(printerId: string): PrinterConfig {
    const printer = this.opts.printers.find((p) => p.id === printerId);
    if (!printer)
      throw new NotFoundError('That printer is not known here. Pick one from the list.', 'printer_not_found');
    return printer;
  }

  /** Checks the request, records the job as queued and starts it in the background. */
  async submit(request: PrintRequest): Promise<PrintJob> {
    const printer = this.printer(request.printerId);
    const file = await request.drive.get(request.fileId);
    if (file.isFolder)
      throw new BadInputError('A folder cannot be printed. Open it and pick a file.', 'not_a_file');
    const plan = printPlanFor(file.mimeType);
    if (!plan) {
      throw new UnsupportedTypeError(
        'This type of file cannot be printed here. Pick a PDF, a JPEG or PNG image, or a Google Docs, Sheets or Slides file.',
      );
    }
    const now = this.opts.clock.now();
    const job: PrintJob = {
      jobId: randomUUID(),
      ownerKey: request.ownerKey,
      state: 'queued',
      fileId: file.id,
      fileName: file.name,
      printerId: printer.id,
      ippJobId: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.opts.jobs.save(job);
    await this.opts.audit.record({
      event: 'print.submitted',
      user: request.userEmail,
      fileId: file.id,
      detail: { jobId: job.jobId, printerId: printer.id },
    });
    const abort = new AbortController();
    const promise = this.run(job, { ...request, printer, file, plan, signal: abort.signal }).finally(() =>
      this.running.delete(job.jobId),
    );
    this.running.set(job.jobId, { promise, abort });
    return job;
  }

  /** A job, only for its owner (others get the same 404 as for an unknown id). */
  async status(jobId: string, ownerKey: string): Promise<PrintJob> {
    const job = await this.opts.jobs.get(jobId);
    if (!job || job.ownerKey !== ownerKey) throw new NotFoundError('No such print job.', 'job_not_found');
    return job;
  }

  /** Cancels a job that has not ended: stops the download or send, and cancels it at the printer. */
  async cancel(jobId: string, ownerKey: string): Promise<PrintJob> {
    const job = await this.status(jobId, ownerKey);
    if (ENDED.has(job.state)) return job;
    const run = this.running.get(jobId);
    if (run) {
      run.abort.abort(new CanceledSignal());
      await run.promise;
    } else {
      // Started by another instance: record the wish; that instance's polling sees it.
      await this.update(job, { state: 'canceled' });
    }
    return this.status(jobId, ownerKey);
  }

  /** Resolves when every running job has ended (tests, clean shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.promise));
  }

  /** Aborts every running job (shutdown); their temporary files are deleted on the way out. */
  async abortAll(): Promise<void> {
    for (const run of this.running.values()) run.abort.abort(new CanceledSignal());
    await this.drain();
  }

  private async run(
    initial: PrintJob,
    ctx: PrintRequest & {
      printer: PrinterConfig;
      file: DriveItem;
      plan: NonNullable<ReturnType<typeof printPlanFor>>;
      signal: AbortSignal;
    },
  ): Promise<void> {
    let job = initial;
    const { clock, printSystem, temp, audit } = this.opts;
    const deadline = AbortSignal.timeout(this.opts.jobTimeoutMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    const retry = { clock, ...this.opts.retry, signal };
    try {
      const ippJobId = await temp.with(
        'print',
        async (path) => {
          job = await this.update(job, { state: 'downloading' });
          await withRetry(() => ctx.drive.download(ctx.file, path, signal), retry);
          signal.throwIfAborted();
          job = await this.update(job, { state: 'sending' });
          const submitted = await withRetry(
            () =>
              printSystem.submit(ctx.printer, {
                documentPath: path,
                documentFormat: ctx.plan.documentFormat,
                jobName: ctx.file.name,
                userName: ctx.userEmail,
                ticket: ctx.ticket,
                signal,
              }),
            retry,
          );
          return submitted.ippJobId;
        },
        () =>
          void audit.record({
            event: 'temp.deleted',
            user: ctx.userEmail,
            fileId: ctx.file.id,
            detail: { jobId: job.jobId },
          }),
      );
      job = await this.update(job, { state: 'printing', ippJobId });
      job = await this.follow(job, ctx.printer, ippJobId, signal);
    } catch (err) {
      job = await this.fail(job, err, ctx.signal, deadline);
    }
    if (job.state === 'completed') {
      await audit.record({
        event: 'print.completed',
        user: ctx.userEmail,
        fileId: job.fileId,
        detail: { jobId: job.jobId },
      });
    } else if (job.state === 'failed') {
      await audit.record({
        event: 'print.failed',
        user: ctx.userEmail,
        fileId: job.fileId,
        detail: { jobId: job.jobId, code: job.error?.code ?? 'unknown' },
      });
    }
    this.opts.onJobEnded?.(job);
  }

  /** Polls the printer until the job ends there. */
  private async follow(
    job: PrintJob,
    printer: PrinterConfig,
    ippJobId: number,
    signal: AbortSignal,
  ): Promise<PrintJob> {
    const { clock, printSystem } = this.opts;
    let failures = 0;
    for (;;) {
      let status: Awaited<ReturnType<PrintSystem['jobStatus']>>;
      try {
        status = await printSystem.jobStatus(printer, ippJobId);
        failures = 0;
      } catch (err) {
        // A printer that stops answering after accepting a job: keep asking a while, then give up.
        if (++failures >= 10) throw err;
        await clock.sleep(this.opts.pollIntervalMs, signal);
        continue;
      }
      if (status.phase === 'completed') return this.update(job, { state: 'completed' });
      if (status.phase === 'canceled') return this.update(job, { state: 'canceled' });
      if (status.phase === 'aborted') {
        throw new UpstreamError(
          'printer_aborted',
          'The printer stopped the job. Check the printer and try again.',
        );
      }
      const stored = await this.opts.jobs.get(job.jobId);
      if (stored?.state === 'canceled') throw new CanceledSignal();
      await clock.sleep(this.opts.pollIntervalMs, signal);
    }
  }

  private async fail(
    job: PrintJob,
    err: unknown,
    cancel: AbortSignal,
    deadline: AbortSignal,
  ): Promise<PrintJob> {
    const printer = this.opts.printers.find((p) => p.id === job.printerId);
    if (
      job.ippJobId !== null &&
      printer &&
      (cancel.aborted || deadline.aborted || err instanceof CanceledSignal)
    ) {
      await this.opts.printSystem.cancel(printer, job.ippJobId).catch(() => undefined);
    }
    if (cancel.aborted || err instanceof CanceledSignal) return this.update(job, { state: 'canceled' });
    if (deadline.aborted) {
      return this.update(job, {
        state: 'failed',
        error: { code: 'print_timeout', message: 'The job took too long and was stopped. Try again.' },
      });
    }
    const error =
      err instanceof AppError
        ? { code: err.code, message: err.message }
        : { code: 'print_failed', message: 'Something went wrong while printing. Try again.' };
    return this.update(job, { state: 'failed', error });
  }

  private async update(job: PrintJob, changes: Partial<PrintJob>): Promise<PrintJob> {
    const next = { ...job, ...changes, updatedAt: this.opts.clock.now() };
    await this.opts.jobs.save(next);
    return next;
  }
}

/** Thrown into a job's work to stop it because the person canceled. */
class CanceledSignal extends Error {
  constructor() {
    super('canceled');
  }
}
