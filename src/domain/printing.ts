import { randomUUID } from 'node:crypto';
import { BackgroundWork, CanceledSignal, ShutdownSignal } from './background.js';
import { FileGrowth } from './document-growth.js';
import { type DocumentPlan, type DocumentStep, planDocument, planPullDocument } from './document-plan.js';
import { AppError, BadInputError, NotFoundError, SignedOutError, UpstreamError } from './errors.js';
import { changeJob, isOrphaned } from './job-changes.js';
import { KeyedLine, Semaphore } from './limits.js';
import type {
  AuditLog,
  Clock,
  DocumentConverter,
  Drive,
  DriveItem,
  PrintDelivery,
  PrinterConfig,
  PrinterDescription,
  PrinterJobStatus,
  PrintJob,
  PrintJobState,
  PrintJobStore,
  PrintSystem,
  PrintTicket,
  RunningInstances,
  SubmittedJob,
} from './ports.js';
import { checkTicket, refusedOptionsError } from './print-options.js';
import type { PrinterDirectory } from './printers.js';
import { checkPullTicket, type PullDocuments, type PulledBody, type PullWatch } from './pull-documents.js';
import { withRetry } from './retry.js';
import type { TempFiles } from './temp-files.js';

export interface PrintServiceOptions {
  printers: PrinterDirectory;
  printSystem: PrintSystem;
  converter: DocumentConverter;
  jobs: PrintJobStore;
  temp: TempFiles;
  audit: AuditLog;
  clock: Clock;
  /** Documents prepared for pull delivery; without it, pull delivery is refused. */
  pulls?: PullDocuments;
  /**
   * How often, at most, the printer is asked about a job it accepted. The first question comes after
   * `firstPollMs` and the wait doubles up to this, so a short job is seen ending at once.
   */
  pollIntervalMs?: number;
  /** The first wait before asking about an accepted job (default 50 ms). */
  firstPollMs?: number;
  /**
   * Documents at least this large (and that need no conversion) are sent while they download
   * (default 4 MiB). A smaller one downloads in a moment and is sent whole, with Print-Job.
   */
  streamMinBytes?: number;
  /** Downloads and conversions at once in this instance (default 4); more jobs wait their turn. */
  maxDownloads?: number;
  /** A job that has not ended after this long is canceled at the printer and failed. */
  jobTimeoutMs?: number;
  /** Tries for Drive metadata and downloads and for a busy printer, with exponential backoff from baseDelayMs. */
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Which instances are alive: a job whose instance died is reported failed when asked about. */
  instances: RunningInstances;
  /** Called when a job ends, for logs. */
  onJobEnded?: (job: PrintJob) => void;
  /** A failure no job could record (the job store itself failed), for logs. */
  onError?: (err: unknown, context: { task: string; id?: string }) => void;
  /** Google refused the session's token during a job (Drive 401): the session must end now. */
  onSignedOut?: (sessionId: string) => Promise<void>;
  /** Waits before trying again to record a job that failed outside its own handling. */
  recordRetryMs?: readonly number[];
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
  /** ipp (default): sent with Print-Job; pull: prepared as a PDF the device fetches from a link. */
  delivery?: PrintDelivery;
  /** The session that asked, ended when Google refuses its token during the job. */
  sessionId?: string;
}

/** A job as its owner sees it: with the pull link while the document waits to be fetched. */
export type PrintJobView = PrintJob & { documentUrl?: string };

/** Where the prepared document goes: to the printer over IPP, or into a pull link. */
type Target = { kind: 'ipp'; description: PrinterDescription } | { kind: 'pull'; pulls: PullDocuments };

const ENDED: ReadonlySet<PrintJobState> = new Set(['completed', 'failed', 'canceled']);

/** The state of a job whose work was stopped by a shutdown (or whose instance died). */
const STOPPED = {
  code: 'connector_stopped',
  message: 'The connector restarted before the job ended. Print it again.',
} as const;
const STOPPED_AT_PRINTER = {
  code: 'connector_stopped_at_printer',
  message: 'The connector restarted while the printer had the job. Check the printer before printing again.',
} as const;

/** Prints Drive files: download to a temporary file, Print-Job, follow the job, delete the file. */
export class PrintService {
  private readonly opts: Required<
    Omit<PrintServiceOptions, 'onJobEnded' | 'pulls' | 'onError' | 'onSignedOut' | 'recordRetryMs'>
  > &
    Pick<PrintServiceOptions, 'onJobEnded' | 'pulls' | 'onSignedOut'>;
  private readonly tasks: BackgroundWork;
  /** Jobs for one printer go to it one at a time, in order; printers run side by side. */
  private readonly printerLine = new KeyedLine();
  /** Downloads and conversions running at once in this instance. */
  private readonly downloads: Semaphore;

  constructor(options: PrintServiceOptions) {
    this.opts = {
      pollIntervalMs: 1000,
      firstPollMs: 50,
      streamMinBytes: 4 * 1024 * 1024,
      maxDownloads: 4,
      jobTimeoutMs: 15 * 60_000,
      retry: { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000 },
      ...options,
    };
    this.downloads = new Semaphore(this.opts.maxDownloads);
    this.tasks = new BackgroundWork('print job', {
      onError: options.onError ?? (() => undefined),
      ...(options.recordRetryMs ? { recordRetryMs: options.recordRetryMs } : {}),
    });
  }

  /**
   * Checks the request against the printer and the file (400 option_unsupported, 415 unsupported_type),
   * asks the printer with Validate-Job where it can, records the job as queued and starts it in the
   * background. Nothing is created when a check fails.
   */
  async submit(request: PrintRequest): Promise<PrintJob> {
    const { clock, printers } = this.opts;
    const printer = printers.config(request.printerId);
    const file = await withRetry(() => request.drive.get(request.fileId), { clock, ...this.opts.retry });
    if (file.isFolder)
      throw new BadInputError('A folder cannot be printed. Open it and pick a file.', 'not_a_file');
    const { plan, target } =
      request.delivery === 'pull'
        ? await this.planPull(file, request.ticket)
        : await this.planIpp(printer, file, request);
    const now = clock.now();
    const job: PrintJob = {
      jobId: randomUUID(),
      ownerKey: request.ownerKey,
      state: 'queued',
      fileId: file.id,
      fileName: file.name,
      printerId: printer.id,
      ippJobId: null,
      error: null,
      ticket: request.ticket,
      step: null,
      converts: plan.steps.length > 0,
      pagesDone: null,
      delivery: target.kind,
      instanceId: this.opts.instances.id,
      createdAt: now,
      updatedAt: now,
    };
    await this.opts.jobs.save(job);
    await this.opts.audit.record({
      event: 'print.submitted',
      user: request.userEmail,
      fileId: file.id,
      detail: { jobId: job.jobId, printerId: printer.id, format: plan.documentFormat, delivery: target.kind },
    });
    const context = { ...request, printer, target, file, plan };
    this.tasks.start(job.jobId, (signal) => this.run(job, { ...context, signal }), {
      onCrash: (err) => this.crashed(job, request.userEmail, err),
    });
    return job;
  }

  /** A PDF for the device to fetch: only pages can be chosen; the printer itself is not asked. */
  private async planPull(
    file: DriveItem,
    ticket: PrintTicket,
  ): Promise<{ plan: DocumentPlan; target: Target }> {
    const pulls = this.opts.pulls;
    if (!pulls) throw new BadInputError('Pull delivery is not available here.', 'delivery_unsupported');
    checkPullTicket(ticket);
    return {
      plan: planPullDocument(file, ticket, await this.opts.converter.tools()),
      target: { kind: 'pull', pulls },
    };
  }

  /** A document in a format the printer lists, with options it accepts (Validate-Job where it can). */
  private async planIpp(
    printer: PrinterConfig,
    file: DriveItem,
    request: PrintRequest,
  ): Promise<{ plan: DocumentPlan; target: Target }> {
    const description = await this.describe(printer);
    checkTicket(request.ticket, description.capabilities);
    const plan = planDocument(file, description, request.ticket, await this.opts.converter.tools());
    if (description.facts.validateJob) {
      const refused = await this.opts.printSystem
        .validate(printer, {
          documentFormat: plan.documentFormat,
          jobName: file.name,
          userName: request.userEmail,
          ticket: plan.ticket,
          printer: description,
        })
        // A printer that cannot answer now is asked again by Print-Job, which has retries.
        .catch((): string[] => []);
      if (refused.length > 0) throw refusedOptionsError(refused, description.capabilities);
    }
    return { plan, target: { kind: 'ipp', description } };
  }

  /** Prints the same file on the same printer with the same options again, as a new job. */
  async retry(
    jobId: string,
    request: Omit<PrintRequest, 'fileId' | 'printerId' | 'ticket'>,
  ): Promise<PrintJob> {
    const previous = await this.owned(jobId, request.ownerKey);
    return this.submit({
      ...request,
      fileId: previous.fileId,
      printerId: previous.printerId,
      ticket: previous.ticket,
      delivery: previous.delivery ?? 'ipp',
    });
  }

  /** The printer's last description, asked for now when there is none yet. */
  private async describe(printer: PrinterConfig): Promise<PrinterDescription> {
    const view = await this.opts.printers.get(printer.id);
    const description = view.description ?? (await this.opts.printers.refresh(printer.id)).description;
    if (!description) {
      throw new UpstreamError(
        'printer_unreachable',
        'The printer does not answer. Check that it is switched on, or pick another printer.',
      );
    }
    return description;
  }

  /**
   * A job, only for its owner (others get the same 404 as for an unknown id); with its pull link when
   * ready. A job whose instance died (kill -9, power cut) is recorded as failed now.
   */
  async status(jobId: string, ownerKey: string): Promise<PrintJobView> {
    const job = await this.orphanChecked(await this.owned(jobId, ownerKey));
    if (job.state !== 'ready' || !this.opts.pulls) return job;
    return { ...job, documentUrl: this.opts.pulls.documentUrl(job.jobId) };
  }

  /** The stored job, only for its owner; never carries the link, so it can be saved again. */
  private async owned(jobId: string, ownerKey: string): Promise<PrintJob> {
    const job = await this.opts.jobs.get(jobId);
    if (!job || job.ownerKey !== ownerKey) throw new NotFoundError('No such print job.', 'job_not_found');
    return job;
  }

  /** Fails a job that has not ended when the instance running it is gone. */
  private async orphanChecked(job: PrintJob): Promise<PrintJob> {
    if (!(await isOrphaned(job, this.opts.instances))) return job;
    const failed = await this.update(job, { state: 'failed', error: { ...STOPPED } });
    if (failed.state === 'failed' && job.state !== 'failed') await this.end(failed);
    return failed;
  }

  /**
   * Cancels a job that has not ended: stops the download or send, and cancels it at the printer; a
   * document waiting to be fetched is withdrawn (its link stops working) and deleted.
   */
  async cancel(jobId: string, ownerKey: string): Promise<PrintJobView> {
    const job = await this.orphanChecked(await this.owned(jobId, ownerKey));
    if (ENDED.has(job.state)) return job;
    const ranHere = await this.tasks.stop(jobId, new CanceledSignal());
    const current = await this.owned(jobId, ownerKey);
    if (current.state === 'ready') {
      await this.opts.pulls?.withdraw(jobId);
      await this.end(await this.update(current, { state: 'canceled' }));
    } else if (!ranHere && !ENDED.has(current.state)) {
      // Started by another instance: record the wish (compare-and-set, so that instance's next
      // update cannot overwrite it); it sees the cancel at its next update or poll and stops.
      await this.update(current, { state: 'canceled' });
    }
    return this.status(jobId, ownerKey);
  }

  /** A job whose work failed outside its own handling (its store failed): recorded as failed. */
  private async crashed(job: PrintJob, userEmail: string, _err: unknown): Promise<void> {
    const error = { code: 'print_failed', message: 'Something went wrong while printing. Try again.' };
    const stored = await this.opts.jobs.get(job.jobId);
    if (stored && ENDED.has(stored.state)) return;
    // A store that came back empty (a Redis restart) has forgotten the job: the audit log still says.
    const failed: PrintJob = stored
      ? await this.update(stored, { state: 'failed', error })
      : { ...job, state: 'failed', error };
    await this.end(failed, userEmail);
  }

  /** Whether a pull link would serve now, with the document's size and type (HEAD); uses nothing up. */
  async peekPulled(capability: string): Promise<{ size: number | null; contentType: string }> {
    if (!this.opts.pulls) throw new NotFoundError('There is nothing at this address.');
    return this.opts.pulls.peek(capability);
  }

  /**
   * A device fetches a pulled document: `send` streams it. The first request uses the link up; only a
   * complete transfer completes the job ("fetched by the device"); an interrupted one fails it, so the
   * person can print it again. Throws 404 for a link that is unknown, used or expired.
   */
  async fetchPulled(capability: string, send: (body: PulledBody) => Promise<void>): Promise<void> {
    if (!this.opts.pulls) throw new NotFoundError('There is nothing at this address.');
    const { doc, outcome } = await this.opts.pulls.deliver(capability, send);
    // Broken by the document's download: the job's download records its error.
    if (outcome === 'broken') return;
    const job = await this.opts.jobs.get(doc.jobId);
    if (job) {
      await this.end(
        outcome === 'fetched'
          ? await this.update(job, { state: 'completed', step: null })
          : await this.update(job, {
              state: 'failed',
              step: 'fetch',
              error:
                outcome === 'interrupted'
                  ? {
                      code: 'pull_interrupted',
                      message: 'The printer stopped fetching the document before the end. Print it again.',
                    }
                  : {
                      code: 'pull_missing',
                      message: 'The prepared document is no longer here. Print it again.',
                    },
            }),
        doc.userEmail,
      );
    }
    if (outcome === 'missing') throw new NotFoundError('There is nothing at this address.', 'pull_not_found');
  }

  /** Deletes prepared documents nobody fetched in time and fails their jobs; returns how many. */
  async sweepPulled(): Promise<number> {
    if (!this.opts.pulls) return 0;
    const expired = await this.opts.pulls.sweep();
    for (const doc of expired) {
      const job = await this.opts.jobs.get(doc.jobId);
      if (job?.state !== 'ready') continue;
      const failed = await this.update(job, {
        state: 'failed',
        step: 'fetch',
        error: {
          code: 'pull_expired',
          message: 'The printer did not fetch the document in time, so it was deleted. Print it again.',
        },
      });
      await this.end(failed, doc.userEmail);
    }
    return expired.length;
  }

  /** Resolves when every running job has ended (tests, clean shutdown). */
  async drain(): Promise<void> {
    await this.tasks.drain();
  }

  /** Waits up to `ms` for running jobs to end by themselves; true when they all did. */
  drainWithin(ms: number): Promise<boolean> {
    return this.tasks.drainWithin(ms);
  }

  /**
   * Stops every running job (shutdown): each is failed with "print it again" and canceled at the
   * printer; their temporary files are deleted on the way out.
   */
  async abortAll(): Promise<void> {
    await this.tasks.abortAll(new ShutdownSignal());
  }

  private async run(
    initial: PrintJob,
    ctx: PrintRequest & {
      printer: PrinterConfig;
      target: Target;
      file: DriveItem;
      plan: DocumentPlan;
      signal: AbortSignal;
    },
  ): Promise<void> {
    let job = initial;
    const { clock, printSystem, temp, audit } = this.opts;
    const deadline = AbortSignal.timeout(this.opts.jobTimeoutMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    const retry = { clock, ...this.opts.retry, signal };
    // The printer's turn, held from the send until the printer has finished the job (or it failed).
    const printerTurn = { release: () => {} };
    try {
      const submitted: SubmittedJob | null = await temp.withScope(
        'print',
        async (next) => {
          const target = ctx.target;
          if (
            target.kind === 'ipp' &&
            ctx.plan.steps.length === 0 &&
            target.description.facts.createJob &&
            (ctx.file.size ?? 0) >= this.opts.streamMinBytes
          ) {
            // Nothing to convert, and a printer with Create-Job: the document goes to the printer while
            // it still arrives (and its job can be canceled should the download fail). It waits for
            // the printer's turn first, still queued, since its download is its send.
            printerTurn.release = await this.printerLine.acquire(ctx.printer.id, signal);
            job = await this.update(job, { state: 'downloading', step: 'download' });
            const streamed = await next();
            return this.downloads.use(
              () =>
                this.downloadWhileSending(ctx, target.description, streamed, retry, signal, (changes) =>
                  this.update(job, changes).then((updated) => {
                    job = updated;
                  }),
                ),
              signal,
            );
          }
          if (
            target.kind === 'pull' &&
            ctx.plan.steps.length === 0 &&
            (ctx.file.size ?? 0) >= this.opts.streamMinBytes
          ) {
            // Nothing to convert: the link works as soon as the first bytes are in, and the device's
            // fetch streams the document while it still downloads.
            job = await this.update(job, { state: 'downloading', step: 'download' });
            const growing = await next();
            return this.downloads.use(
              () =>
                this.downloadWhilePulled(ctx, target.pulls, growing, retry, signal, job, (changes) =>
                  this.update(job, changes).then((updated) => {
                    job = updated;
                  }),
                ),
              signal,
            );
          }
          job = await this.update(job, { state: 'downloading', step: 'download' });
          let document = await next();
          const downloaded = document;
          // Downloads and conversions: a few at a time per instance.
          document = await this.downloads.use(async () => {
            await withRetry(() => ctx.drive.download(ctx.file, downloaded, signal), retry);
            signal.throwIfAborted();
            let current = downloaded;
            if (ctx.plan.steps.length > 0) job = await this.update(job, { step: 'convert' });
            for (const step of ctx.plan.steps) {
              const output = await next();
              await this.convert(step, current, output, ctx.file, signal);
              signal.throwIfAborted();
              current = output;
            }
            return current;
          }, signal);
          if (target.kind === 'pull') {
            // Ready before the link works, so a fast device's fetch is never overwritten by "ready".
            job = await this.update(job, { state: 'ready', step: 'fetch' });
            await target.pulls.publish({
              prepared: document,
              jobId: job.jobId,
              userEmail: ctx.userEmail,
              fileId: ctx.file.id,
            });
            return null;
          }
          // One job at a time per printer: the next one is sent when this one has ended there.
          printerTurn.release = await this.printerLine.acquire(ctx.printer.id, signal);
          job = await this.update(job, { state: 'sending', step: 'send' });
          const submitted = await withRetry(
            () =>
              printSystem.submit(ctx.printer, {
                documentPath: document,
                documentFormat: ctx.plan.documentFormat,
                jobName: ctx.file.name,
                userName: ctx.userEmail,
                ticket: ctx.plan.ticket,
                printer: target.description,
                signal,
              }),
            retry,
          );
          return submitted;
        },
        () =>
          void audit.record({
            event: 'temp.deleted',
            user: ctx.userEmail,
            fileId: ctx.file.id,
            detail: { jobId: job.jobId },
          }),
      );
      if (submitted !== null) {
        job = await this.update(job, { state: 'printing', step: 'print', ippJobId: submitted.ippJobId });
        job = await this.follow(job, ctx.printer, submitted, signal);
      }
    } catch (err) {
      job = await this.fail(job, err, ctx.signal, deadline);
      // An expired or revoked token ends the session at once: its token is discarded (and revoked).
      if (err instanceof SignedOutError && ctx.sessionId) await this.opts.onSignedOut?.(ctx.sessionId);
    } finally {
      printerTurn.release();
    }
    if (ctx.target.kind === 'ipp') this.opts.printers.touch(ctx.printer.id);
    // A pulled document ends later: fetched, canceled or expired.
    if (job.state !== 'ready') await this.end(job, ctx.userEmail);
  }

  /**
   * Downloads the document and sends it with Print-Job at the same time: the IPP request body is
   * the temporary file, read as the download writes it, so the job takes about as long as the slower
   * of the two transfers, not their sum, with back-pressure from the slower side. Nothing is sent
   * before the first bytes arrived (a file Drive refuses creates no printer job). When the printer
   * refuses mid-stream (busy, a dropped connection) or the download starts again, the next try waits
   * for the download to finish and sends the complete temporary file: it is never downloaded twice.
   */
  private async downloadWhileSending(
    ctx: PrintRequest & { printer: PrinterConfig; file: DriveItem; plan: DocumentPlan },
    description: PrinterDescription,
    path: string,
    retry: Parameters<typeof withRetry>[1],
    signal: AbortSignal,
    record: (changes: Partial<PrintJob>) => Promise<void>,
  ): Promise<SubmittedJob> {
    const growth = new FileGrowth();
    const download = withRetry(() => ctx.drive.download(ctx.file, path, signal, growth), retry).then(
      () => growth.finish(growth.written),
      (err: unknown) => {
        growth.fail(err);
        throw err;
      },
    );
    // Awaited below on every path that needs it; never left as an unhandled rejection.
    download.catch(() => undefined);
    await firstBytes(growth);
    signal.throwIfAborted();
    await record({ state: 'sending', step: 'send' });
    const submitted = await withRetry(async (attempt) => {
      if (attempt > 1) {
        // The download's own retries are over: its failure ends the job, it is not the printer's.
        await download.catch((err: unknown) => {
          throw finalError(err);
        });
      }
      return this.opts.printSystem.submit(ctx.printer, {
        documentPath: path,
        ...(growth.ended ? {} : { growth }),
        documentFormat: ctx.plan.documentFormat,
        jobName: ctx.file.name,
        userName: ctx.userEmail,
        ticket: ctx.plan.ticket,
        printer: description,
        signal,
      });
    }, retry);
    await download;
    return submitted;
  }

  /**
   * Downloads a document for pull delivery and publishes it as soon as its first bytes are in: a
   * device's fetch streams the file while it grows, so the fetch takes about as long as the download.
   * Returns once the download ended. When it fails (its retries used up), the link is withdrawn and
   * the job fails with its error; a device reading then sees its transfer broken off. A retry while a
   * device reads breaks that fetch too (what it was sent is no longer the document, and its link is
   * used up): the download stops and the job fails with the error that made it start again. A fetch
   * that ended otherwise (fetched, broken off by the device, expired) is recorded by the delivery.
   */
  private async downloadWhilePulled(
    ctx: PrintRequest & { file: DriveItem },
    pulls: PullDocuments,
    path: string,
    retry: Parameters<typeof withRetry>[1],
    signal: AbortSignal,
    job: PrintJob,
    record: (changes: Partial<PrintJob>) => Promise<void>,
  ): Promise<null> {
    const growth = new FileGrowth();
    // Stopped when the document is no longer fetchable before its download ended.
    const stop = new AbortController();
    const downloadSignal = AbortSignal.any([signal, stop.signal]);
    let lastError: unknown = null;
    const download = withRetry(
      () =>
        ctx.drive.download(ctx.file, path, downloadSignal, growth).catch((err: unknown) => {
          if (!stop.signal.aborted) lastError = err;
          throw err;
        }),
      { ...retry, signal: downloadSignal },
    ).then(
      () => growth.finish(growth.written),
      (err: unknown) => {
        growth.fail(err);
        throw err;
      },
    );
    // Awaited below on every path; never left as an unhandled rejection.
    download.catch(() => undefined);
    let watch: PullWatch | null = null;
    try {
      await firstBytes(growth);
      signal.throwIfAborted();
      // Ready before the link works, so a fast device's fetch is never overwritten by "ready".
      await record({ state: 'ready', step: 'fetch' });
      watch = await pulls.publish({
        prepared: path,
        jobId: job.jobId,
        userEmail: ctx.userEmail,
        fileId: ctx.file.id,
        growth,
        stopDownload: () => stop.abort(),
      });
      await download;
    } catch (err) {
      // Fetched, broken off by the device or expired: the delivery has recorded how the job ended.
      if (watch && !watch.takeOver()) return null;
      await pulls.withdraw(job.jobId);
      throw watch?.broken && lastError !== null ? finalError(lastError) : err;
    } finally {
      // The scope deletes the file when this returns: no try of the download may still write it.
      if (!growth.ended) stop.abort();
      await download.catch(() => undefined);
    }
    if (watch.broken && watch.takeOver()) {
      // A device's fetch broke on a retry that then finished before it could be stopped.
      throw finalError(lastError ?? restartedError());
    }
    return null;
  }

  /** Records how a job ended (audit) and tells the logs. */
  private async end(job: PrintJob, userEmail?: string): Promise<void> {
    const pull: Record<string, string> = job.delivery === 'pull' ? { delivery: 'pull' } : {};
    if (job.state === 'completed') {
      await this.opts.audit.record({
        event: 'print.completed',
        user: userEmail,
        fileId: job.fileId,
        detail: { jobId: job.jobId, ...pull },
      });
    } else if (job.state === 'failed') {
      await this.opts.audit.record({
        event: 'print.failed',
        user: userEmail,
        fileId: job.fileId,
        detail: { jobId: job.jobId, code: job.error?.code ?? 'unknown', step: job.step ?? 'none', ...pull },
      });
    }
    this.opts.onJobEnded?.(job);
  }

  /** One conversion of the plan, from one temporary file to the next. */
  private async convert(
    step: DocumentStep,
    input: string,
    output: string,
    file: DriveItem,
    signal: AbortSignal,
  ): Promise<void> {
    const { converter } = this.opts;
    switch (step.kind) {
      case 'office-to-pdf':
        return converter.officeToPdf(input, output, signal, file.name);
      case 'image-to-pdf':
        return converter.imageToPdf(input, step.mimeType, output, signal);
      case 'text-to-pdf':
        return converter.textToPdf(input, output, signal);
      case 'select-pages':
        await converter.selectPages(input, output, step.ranges);
        return;
      case 'rasterize':
        return converter.rasterize(input, output, step.options, signal);
    }
  }

  /**
   * Follows the job at the printer until it ends there. Where the job came with an ippget subscription,
   * the printer tells: each Get-Notifications waits for the job's next event (up to pollIntervalMs), so
   * its end is heard the moment it happens, and every fifth quiet wait the job itself is asked, in case
   * an event went missing. Otherwise, and as soon as events fail in any way, Get-Job-Attributes is
   * polled: at once, after firstPollMs, then doubling up to pollIntervalMs.
   */
  private async follow(
    job: PrintJob,
    printer: PrinterConfig,
    submitted: SubmittedJob,
    signal: AbortSignal,
  ): Promise<PrintJob> {
    const { clock, printSystem, pollIntervalMs, firstPollMs } = this.opts;
    const { ippJobId } = submitted;
    let failures = 0;
    let wait = Math.min(firstPollMs, pollIntervalMs);
    const pause = async () => {
      await clock.sleep(wait, signal);
      wait = Math.min(wait * 2, pollIntervalMs);
    };
    const canceledHere = async () => (await this.opts.jobs.get(job.jobId))?.state === 'canceled';
    let watch =
      submitted.subscriptionId !== undefined && printSystem.jobEvents
        ? { ippJobId, subscriptionId: submitted.subscriptionId, sequence: 1, quiet: 0 }
        : null;
    for (;;) {
      let status: PrinterJobStatus | null = null;
      if (watch && printSystem.jobEvents) {
        try {
          const news = await printSystem.jobEvents(printer, watch, pollIntervalMs, signal);
          watch.sequence = news.sequence;
          status = news.status;
          if (!status && news.complete) {
            // The printer has nothing more to tell: the job's own state says how it ended.
            watch = null;
          } else if (!status && ++watch.quiet % 5 !== 0) {
            // Nothing yet. A printer that answered at once (it does not hold requests) is not asked
            // again straight away.
            if (!news.held) await pause();
            if (await canceledHere()) throw new CanceledSignal();
            continue;
          }
        } catch (err) {
          if (signal.aborted) throw err;
          // Events that fail (the subscription is gone, the printer garbles them): ask the job itself.
          watch = null;
        }
      }
      if (!status) {
        try {
          status = await printSystem.jobStatus(printer, ippJobId);
          failures = 0;
        } catch (err) {
          // A printer that stops answering after accepting a job: keep asking a while, then give up.
          if (++failures >= 10) throw err;
          await pause();
          continue;
        }
      }
      if (status.impressionsCompleted !== null && status.impressionsCompleted !== job.pagesDone) {
        job = await this.update(job, { pagesDone: status.impressionsCompleted });
      }
      if (status.phase === 'completed') return this.update(job, { state: 'completed', step: null });
      if (status.phase === 'canceled') return this.update(job, { state: 'canceled' });
      if (status.phase === 'aborted') {
        throw new UpstreamError(
          'printer_aborted',
          'The printer stopped the job. Check the printer and try again.',
        );
      }
      if (await canceledHere()) throw new CanceledSignal();
      // Events: the next Get-Notifications waits by itself.
      if (!watch) await pause();
    }
  }

  private async fail(
    job: PrintJob,
    err: unknown,
    cancel: AbortSignal,
    deadline: AbortSignal,
  ): Promise<PrintJob> {
    const printer = this.opts.printers.configs().find((p) => p.id === job.printerId);
    const shutdown = cancel.aborted && cancel.reason instanceof ShutdownSignal;
    if (
      job.ippJobId !== null &&
      printer &&
      !shutdown &&
      (cancel.aborted || deadline.aborted || err instanceof CanceledSignal)
    ) {
      // A job the printer already finished cannot be canceled: say that it printed ("too late").
      const status = await this.opts.printSystem.jobStatus(printer, job.ippJobId).catch(() => null);
      if (status?.phase === 'completed') return this.update(job, { state: 'completed', step: null });
      await this.opts.printSystem.cancel(printer, job.ippJobId).catch(() => undefined);
    }
    if (shutdown) {
      // A document the printer already has is left to print; the person is told to look there.
      const error = job.ippJobId === null ? { ...STOPPED } : { ...STOPPED_AT_PRINTER };
      return this.update(job, { state: 'failed', error });
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

  /** Compare-and-set: a cancel recorded by another instance wins (see changeJob). */
  private update(job: PrintJob, changes: Partial<PrintJob>): Promise<PrintJob> {
    return changeJob(this.opts.jobs, job.jobId, job, changes, this.opts.clock.now());
  }
}

/** Resolves once the document has its first bytes or its download ended; rejects if that failed. */
function firstBytes(growth: FileGrowth): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (growth.written > 0 || growth.ended) {
        stop();
        if (growth.written > 0) resolve();
        else growth.finished.then(() => resolve(), reject);
      }
    };
    const stop = growth.onChange(check);
    check();
  });
}

/** Why a fetch broke when the download started again and no error of it is known. */
function restartedError(): UpstreamError {
  return new UpstreamError(
    'download_restarted',
    'The download from Google Drive started again while the printer was fetching the document. Print it again.',
  );
}

/** The same error, no longer retryable (the tries it had are used up). */
function finalError(err: unknown): unknown {
  return err instanceof UpstreamError && err.retryable
    ? new UpstreamError(err.code, err.message, { cause: err })
    : err;
}
