// Scan now: the connector pulls the pages from the printer's own scanner (AirScan / eSCL), combines
// them into one PDF and uploads it to the person's folder. One job at a time per scanner; the others
// wait in line.

import { randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { BackgroundWork, CanceledSignal, ShutdownSignal } from './background.js';
import { systemClock } from './clock.js';
import { AppError, BadInputError, NotFoundError, UpstreamError } from './errors.js';
import { changeJob, isOrphaned } from './job-changes.js';
import type {
  AuditLog,
  Clock,
  Drive,
  FinishProgress,
  RunningInstances,
  ScanFinish,
  ScanJob,
  ScanJobState,
  ScanJobStore,
  ScannerCapabilities,
  ScannerConfig,
  ScannerDevice,
  ScannerStatus,
  ScanSettings,
} from './ports.js';
import { withRetry } from './retry.js';
import { cleanScanName, sniffScanType } from './scan-files.js';
import { AS_SCANNED, manualDuplexOrder, needsFinishing, type ScanFinisher } from './scan-finishing.js';
import { defaultScanSettings, resolveScanSettings, type ScanRequestSettings } from './scan-settings.js';
import type { PdfCombiner } from './scanning.js';
import type { TempFiles } from './temp-files.js';

export interface ScanJobServiceOptions {
  /** Every configured printer's id (a printer without a scanner is 400, an unknown one 404). */
  printerIds: readonly string[];
  scanners: readonly ScannerConfig[];
  device: ScannerDevice;
  jobs: ScanJobStore;
  temp: TempFiles;
  audit: AuditLog;
  clock: Clock;
  combiner: PdfCombiner;
  /** OCR, blank pages and size, when a scan asks for them. */
  finisher: ScanFinisher;
  /** How long a two-sided scan on a one-sided feeder waits for the person to turn the stack. Default 5 min. */
  turnPagesMs?: number;
  /** How often a waiting job looks whether the backs were asked for (any instance may record it). */
  turnPollMs?: number;
  /** How long a scanner's capabilities are trusted. Default 5 minutes. */
  capabilitiesMs?: number;
  /** A job that has not ended after this long is canceled at the scanner and failed. Default 30 min. */
  jobTimeoutMs?: number;
  /** Tries while the scanner is busy, with exponential backoff. */
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Pages one scan may have. Default 500. */
  maxPages?: number;
  /** Which instances are alive: a job whose instance died is reported failed when asked about. */
  instances: RunningInstances;
  onJobEnded?: (job: ScanJob) => void;
  /** A failure no job could record (the job store itself failed), for logs. */
  onError?: (err: unknown, context: { task: string; id?: string }) => void;
  /** Waits before trying again to record a job that failed outside its own handling. */
  recordRetryMs?: readonly number[];
}

export interface ScanJobRequest {
  drive: Drive;
  printerId: string;
  folderId: string;
  name?: string;
  /** The name in the person's language when they gave none. */
  fallbackName: string;
  settings: ScanRequestSettings;
  /** What to do to the pages before they go to Drive; manualDuplex scans the fronts, then the backs. */
  finish?: ScanFinish;
  ownerKey: string;
  userEmail: string;
}

/** A scanner as the scan page and GET /api/printers/:id show it. */
export interface ScannerView {
  capabilities: ScannerCapabilities;
  status: ScannerStatus | null;
  defaults: ScanSettings;
}

const ENDED: ReadonlySet<ScanJobState> = new Set(['completed', 'failed', 'canceled']);

/** The state of a scan stopped by a shutdown (or whose instance died); nothing was uploaded. */
const STOPPED = {
  code: 'connector_stopped',
  message: 'The connector restarted before the scan was saved. Scan again.',
} as const;

export class ScanJobService {
  private readonly o: Required<Omit<ScanJobServiceOptions, 'onJobEnded' | 'onError' | 'recordRetryMs'>> &
    Pick<ScanJobServiceOptions, 'onJobEnded'>;
  private readonly capabilityCache = new Map<string, { capabilities: ScannerCapabilities; until: number }>();
  private readonly tasks: BackgroundWork;
  /** The end of each scanner's line: a new job starts when the one before it has ended. */
  private readonly lines = new Map<string, Promise<void>>();

  constructor(options: ScanJobServiceOptions) {
    this.o = {
      capabilitiesMs: 5 * 60_000,
      jobTimeoutMs: 30 * 60_000,
      retry: { attempts: 6, baseDelayMs: 1000, maxDelayMs: 8000 },
      maxPages: 500,
      turnPagesMs: 5 * 60_000,
      turnPollMs: 250,
      ...options,
    };
    this.tasks = new BackgroundWork('scan job', {
      onError: options.onError ?? (() => undefined),
      ...(options.recordRetryMs ? { recordRetryMs: options.recordRetryMs } : {}),
    });
  }

  /** The scanner of a printer, or null when it has none. */
  scannerOf(printerId: string): ScannerConfig | null {
    return this.o.scanners.find((s) => s.id === printerId) ?? null;
  }

  /** The first printer that has a scanner, or null. */
  firstScanner(): ScannerConfig | null {
    return this.o.scanners[0] ?? null;
  }

  /** What the printer's scanner offers now, or null when the printer has no scanner. */
  async describe(printerId: string): Promise<ScannerView | null> {
    const scanner = this.scannerOf(printerId);
    if (!scanner) return null;
    const [capabilities, status] = await Promise.all([
      this.capabilities(scanner),
      this.o.device.status(scanner).catch(() => null),
    ]);
    return { capabilities, status, defaults: defaultScanSettings(capabilities, status) };
  }

  /** Checks the request, records the job as queued and starts it when the scanner is free. */
  async submit(request: ScanJobRequest): Promise<ScanJob> {
    const scanner = this.scannerOf(request.printerId);
    if (!this.o.printerIds.includes(request.printerId)) {
      throw new NotFoundError('That printer is not known here. Pick one from the list.', 'printer_not_found');
    }
    if (!scanner) {
      throw new BadInputError('This printer has no scanner the connector can use.', 'no_scanner');
    }
    const [capabilities, status, folder] = await Promise.all([
      this.capabilities(scanner),
      this.o.device.status(scanner).catch(() => null),
      request.drive.get(request.folderId),
    ]);
    if (!folder.isFolder) throw new BadInputError('Choose a folder to save the scan in.', 'not_a_folder');
    const settings = resolveScanSettings(request.settings, capabilities, status);
    const finish = request.finish ?? AS_SCANNED;
    if (needsFinishing(finish)) await this.o.finisher.check(finish);
    if (finish.manualDuplex && (settings.source !== 'feeder' || settings.duplex)) {
      throw new BadInputError(
        'Turning the stack for the backs works with the document feeder scanning one side. Choose the feeder and one-sided.',
        'two_sided_needs_feeder',
      );
    }
    const now = this.o.clock.now();
    const job: ScanJob = {
      scanJobId: randomUUID(),
      ownerKey: request.ownerKey,
      printerId: scanner.id,
      state: 'queued',
      settings,
      pages: 0,
      folderId: folder.id,
      folderName: request.folderId === 'root' ? 'My Drive' : folder.name,
      name: cleanScanName(request.name, 'application/pdf', request.fallbackName),
      fileId: null,
      duplicateName: false,
      error: null,
      instanceId: this.o.instances.id,
      ...(needsFinishing(finish) ? { finish, progress: null } : {}),
      createdAt: now,
      updatedAt: now,
    };
    await this.o.jobs.save(job);
    const promise = this.tasks.start(job.scanJobId, (signal) => this.run(job, scanner, request, signal), {
      after: this.lines.get(scanner.id),
      onCrash: (err) => this.crashed(job, request.userEmail, err),
    });
    this.lines.set(scanner.id, promise);
    void promise.finally(() => {
      if (this.lines.get(scanner.id) === promise) this.lines.delete(scanner.id);
    });
    return job;
  }

  /**
   * A job, only for its owner (others get the same 404 as for an unknown id). A job whose instance
   * died (kill -9, power cut) is recorded as failed now.
   */
  async status(scanJobId: string, ownerKey: string): Promise<ScanJob> {
    const job = await this.o.jobs.get(scanJobId);
    if (!job || job.ownerKey !== ownerKey) throw new NotFoundError('No such scan job.', 'scan_job_not_found');
    if (!(await isOrphaned(job, this.o.instances))) return job;
    const failed = await this.update(job, { state: 'failed', error: { ...STOPPED } });
    if (failed.state === 'failed' && job.state !== 'failed') {
      await this.o.audit.record({
        event: 'scan.failed',
        detail: { scanJobId: job.scanJobId, code: STOPPED.code },
      });
    }
    return failed;
  }

  /**
   * The person turned the stack over: the backs are scanned. Recorded in the store, so the instance
   * running the job sees it whichever instance the panel reached.
   */
  async scanBacks(scanJobId: string, ownerKey: string): Promise<ScanJob> {
    const job = await this.status(scanJobId, ownerKey);
    if (job.state !== 'turn_pages') {
      throw new AppError(
        'not_waiting_for_backs',
        409,
        'This scan is not waiting for the backs of its pages.',
      );
    }
    if (!job.backsRequested) await this.update(job, { backsRequested: true });
    return this.status(scanJobId, ownerKey);
  }

  /** Cancels a job that has not ended: the scanner's job is deleted and nothing is uploaded. */
  async cancel(scanJobId: string, ownerKey: string): Promise<ScanJob> {
    const job = await this.status(scanJobId, ownerKey);
    if (ENDED.has(job.state)) return job;
    if (!(await this.tasks.stop(scanJobId, new CanceledSignal()))) {
      // Started by another instance: record the wish (compare-and-set, so that instance's next
      // update cannot overwrite it); it sees the cancel between pages and stops.
      await this.update(job, { state: 'canceled' });
    }
    return this.status(scanJobId, ownerKey);
  }

  /** A job whose work failed outside its own handling (its store failed): recorded as failed. */
  private async crashed(job: ScanJob, userEmail: string, _err: unknown): Promise<void> {
    const stored = await this.o.jobs.get(job.scanJobId);
    if (stored && ENDED.has(stored.state)) return;
    // A store that came back empty (a Redis restart) has forgotten the job: the audit log still says.
    if (stored) {
      await this.update(stored, {
        state: 'failed',
        error: { code: 'scan_failed', message: 'Something went wrong while scanning. Try again.' },
      });
    }
    await this.o.audit.record({
      event: 'scan.failed',
      user: userEmail,
      detail: { scanJobId: job.scanJobId, code: 'scan_failed' },
    });
  }

  /** Resolves when every running job has ended (tests, clean shutdown). */
  async drain(): Promise<void> {
    await this.tasks.drain();
  }

  /** Waits up to `ms` for running jobs to end by themselves; true when they all did. */
  drainWithin(ms: number): Promise<boolean> {
    return this.tasks.drainWithin(ms);
  }

  /** Stops every running job (shutdown): each fails with "scan again"; its files are deleted. */
  async abortAll(): Promise<void> {
    await this.tasks.abortAll(new ShutdownSignal());
  }

  private async capabilities(scanner: ScannerConfig): Promise<ScannerCapabilities> {
    const cached = this.capabilityCache.get(scanner.id);
    const now = this.o.clock.now();
    if (cached && cached.until > now) return cached.capabilities;
    const capabilities = await this.o.device.capabilities(scanner);
    this.capabilityCache.set(scanner.id, { capabilities, until: now + this.o.capabilitiesMs });
    return capabilities;
  }

  private async run(
    initial: ScanJob,
    scanner: ScannerConfig,
    request: ScanJobRequest,
    cancel: AbortSignal,
  ): Promise<void> {
    let job = initial;
    const { clock, device, temp, audit } = this.o;
    const deadline = AbortSignal.timeout(this.o.jobTimeoutMs);
    const signal = AbortSignal.any([cancel, deadline]);
    let jobUrl: string | null = null;
    try {
      if ((await this.o.jobs.get(job.scanJobId))?.state === 'canceled') throw new CanceledSignal();
      signal.throwIfAborted();
      // The job says completed only after the scope has deleted every page: a panel that sees
      // 'completed' may rely on nothing being left.
      const done = await temp.withScope(
        'scan',
        async (next) => {
          const finish = job.finish ?? AS_SCANNED;
          const pages: Array<{ path: string; type: NonNullable<ReturnType<typeof sniffScanType>> }> = [];
          // One pass of the scanner: every page it sends, until it says there are no more.
          const pass = async () => {
            job = await this.update(job, { state: 'scanning' });
            const retry = { clock, ...this.o.retry, signal };
            const url = await withRetry(() => device.startJob(scanner, job.settings, signal), retry);
            jobUrl = url;
            const before = pages.length;
            for (;;) {
              const file = await next();
              const type = await device.nextPage(scanner, url, file, signal);
              if (type === null) break;
              pages.push({ path: file, type: await this.pageType(file) });
              job = await this.update(job, { pages: pages.length });
              if ((await this.o.jobs.get(job.scanJobId))?.state === 'canceled') throw new CanceledSignal();
              if (pages.length >= this.o.maxPages) break;
            }
            jobUrl = null; // the scanner ended the job itself
            if (pages.length === before) {
              throw new UpstreamError(
                'scanner_no_pages',
                'The scanner sent no pages. Put the pages in the feeder or on the glass and try again.',
              );
            }
          };
          await pass();
          let ordered = pages;
          if (finish.manualDuplex) {
            const fronts = pages.length;
            job = await this.update(job, { state: 'turn_pages', fronts });
            await this.backsAsked(job, signal);
            await pass();
            if (pages.length - fronts !== fronts) {
              throw new BadInputError(
                `The scanner sent ${pages.length - fronts} backs for ${fronts} fronts. Scan again, with the same pages turned over.`,
                'two_sided_mismatch',
              );
            }
            ordered = manualDuplexOrder(pages.length).map((i) => pages[i] as (typeof pages)[number]);
          }
          const combined = await next();
          await this.o.combiner.combine(ordered, combined, { dpi: job.settings.resolution });
          signal.throwIfAborted();
          let pdf = combined;
          let blankRemoved = 0;
          // The pages are already in reading order: the finisher does the rest (blank pages, size, OCR).
          const rest = { ...finish, manualDuplex: false };
          if (needsFinishing(rest)) {
            job = await this.update(job, { state: 'processing' });
            const progress = this.progressRecorder(
              () => job,
              (updated) => {
                job = updated;
              },
            );
            const finished = await this.o.finisher.finish(rest, {
              path: combined,
              type: 'application/pdf',
              pages: ordered.length,
              nextFile: next,
              signal,
              onProgress: progress.record,
            });
            await progress.settled();
            pdf = finished.path;
            blankRemoved = finished.blankRemoved;
            if (blankRemoved > 0) job = await this.update(job, { pages: finished.pages, blankRemoved });
          }
          job = await this.update(job, { state: 'uploading', progress: null });
          const duplicateName = (await request.drive.countNamed(job.folderId, job.name)) > 0;
          const uploaded = await request.drive.upload({
            filePath: pdf,
            name: job.name,
            folderId: job.folderId,
            mimeType: 'application/pdf',
            size: (await stat(pdf)).size,
            signal,
          });
          await audit.record({
            event: 'scan.uploaded',
            user: request.userEmail,
            fileId: uploaded.id,
            detail: { folderId: job.folderId, scanJobId: job.scanJobId, pages: job.pages },
          });
          return { fileId: uploaded.id, name: uploaded.name, duplicateName };
        },
        () =>
          void audit.record({
            event: 'temp.deleted',
            user: request.userEmail,
            detail: { reason: 'scan', scanJobId: job.scanJobId },
          }),
      );
      job = await this.update(job, { state: 'completed', ...done });
    } catch (err) {
      if (jobUrl) await device.cancel(scanner, jobUrl).catch(() => undefined);
      job = await this.fail(job, err, cancel, deadline);
      if (job.state === 'failed') {
        await audit.record({
          event: 'scan.failed',
          user: request.userEmail,
          detail: { scanJobId: job.scanJobId, code: job.error?.code ?? 'scan_failed' },
        });
      }
    }
    this.o.onJobEnded?.(job);
  }

  private async fail(
    job: ScanJob,
    err: unknown,
    cancel: AbortSignal,
    deadline: AbortSignal,
  ): Promise<ScanJob> {
    if (cancel.aborted && cancel.reason instanceof ShutdownSignal) {
      return this.update(job, { state: 'failed', error: { ...STOPPED } });
    }
    if (cancel.aborted || err instanceof CanceledSignal) return this.update(job, { state: 'canceled' });
    if (deadline.aborted) {
      return this.update(job, {
        state: 'failed',
        error: { code: 'scan_timeout', message: 'The scan took too long and was stopped. Try again.' },
      });
    }
    // Whatever was known about the scanner may be wrong now (it was swapped or reconfigured).
    this.capabilityCache.delete(job.printerId);
    const error =
      err instanceof AppError
        ? { code: err.code, message: err.message }
        : { code: 'scan_failed', message: 'Something went wrong while scanning. Try again.' };
    return this.update(job, { state: 'failed', error });
  }

  /**
   * Waits for the person to turn the stack and ask for the backs (recorded in the store by any
   * instance), for a cancel, or for the wait to run out.
   */
  private async backsAsked(job: ScanJob, signal: AbortSignal): Promise<void> {
    const until = this.o.clock.now() + this.o.turnPagesMs;
    for (;;) {
      const stored = await this.o.jobs.get(job.scanJobId);
      if (!stored || stored.state === 'canceled') throw new CanceledSignal();
      if (stored.backsRequested) return;
      if (this.o.clock.now() >= until) {
        throw new AppError(
          'backs_not_scanned',
          408,
          'The backs were not scanned in time, so nothing was saved. Start the scan again.',
        );
      }
      // Real time between looks at the store; the deadline above is the injected clock's.
      await systemClock.sleep(this.o.turnPollMs, signal);
    }
  }

  /**
   * Progress updates from the finisher, recorded one after another (compare-and-set needs the last
   * stored job); a failed update only loses that step's display, never the job.
   */
  private progressRecorder(current: () => ScanJob, stored: (job: ScanJob) => void) {
    let chain = Promise.resolve();
    return {
      record: (progress: FinishProgress) => {
        chain = chain
          .then(async () => stored(await this.update(current(), { progress })))
          .catch(() => undefined);
      },
      settled: () => chain,
    };
  }

  /** The page's type from its own bytes: what the scanner says is not trusted. */
  private async pageType(file: string) {
    const handle = await open(file, 'r');
    try {
      const head = Buffer.alloc(16);
      await handle.read(head, 0, 16, 0);
      const type = sniffScanType(head);
      if (!type || type === 'image/tiff') {
        throw new UpstreamError(
          'scanner_failed',
          'The scanner sent a page the connector cannot read. Try again.',
        );
      }
      return type;
    } finally {
      await handle.close();
    }
  }

  /** Compare-and-set: a cancel recorded by another instance wins (see changeJob). */
  private update(job: ScanJob, changes: Partial<ScanJob>): Promise<ScanJob> {
    return changeJob(this.o.jobs, job.scanJobId, job, changes, this.o.clock.now());
  }
}
