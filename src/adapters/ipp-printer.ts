// The PrintSystem port over IPP/2.0 (RFC 8011): Get-Printer-Attributes, Validate-Job, Print-Job,
// Create-Job and Send-Document, Get-Job-Attributes, Cancel-Job, and Get-Notifications (RFC 3996) where
// the printer offers ippget; each a fresh HTTP exchange through ipp-transport.ts.

import { FileGrowth } from '../domain/document-growth.js';
import { UpstreamError } from '../domain/errors.js';
import type {
  DocumentGrowth,
  PrinterConfig,
  PrinterDescription,
  PrinterJobEvents,
  PrinterJobStatus,
  PrintSubmission,
  PrintSystem,
  SubmittedJob,
} from '../domain/ports.js';
import {
  DESCRIBE_ATTRIBUTES,
  describePrinter,
  ippJobStateToPhase,
  printerUriFromConfig,
  statusToError,
  ticketToJobAttributes,
  unsupportedToOptions,
} from './ipp-attributes.js';
import {
  allStrings,
  encodeRequest,
  firstEnum,
  firstNumber,
  type IppAttributesInput,
  type IppOperation,
  type IppResponse,
} from './ipp-codec.js';
import { exchangeIpp } from './ipp-transport.js';

export interface IppPrintSystemOptions {
  /** Timeout for Print-Job, Get-Job-Attributes and Cancel-Job (see IppExchange.timeoutMs). Default 10 s. */
  requestTimeoutMs?: number;
  /** Timeout for Get-Printer-Attributes and Validate-Job, which a person waits for. Default 3 s. */
  probeTimeoutMs?: number;
  userAgent?: string;
  /** For ipps printers with a self-signed certificate: accept it. Off unless configured. */
  allowUntrustedCertificates?: boolean;
}

// RFC 8011 section 5.1.2: name values are at most 1023 octets; Drive names rarely come close.
const MAX_NAME_CHARS = 255;

export class IppPrintSystem implements PrintSystem {
  private readonly requestTimeoutMs: number;
  private readonly probeTimeoutMs: number;
  private readonly userAgent: string;
  private readonly rejectUnauthorized: boolean;
  private nextRequestId = 1;

  constructor(options: IppPrintSystemOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 3_000;
    this.userAgent = options.userAgent ?? 'drive-print-connector';
    this.rejectUnauthorized = !options.allowUntrustedCertificates;
  }

  async describe(printer: PrinterConfig, signal?: AbortSignal): Promise<PrinterDescription> {
    const response = await this.send(
      printer,
      'Get-Printer-Attributes',
      this.probeTimeoutMs,
      { 'requested-attributes': [...DESCRIBE_ATTRIBUTES] },
      signal,
    );
    const error = statusToError(response.statusCode);
    if (error) throw error;
    return describePrinter(response.printerAttributes);
  }

  async validate(
    printer: PrinterConfig,
    submission: Omit<PrintSubmission, 'documentPath'>,
  ): Promise<string[]> {
    submission.signal?.throwIfAborted();
    // RFC 8011 section 4.2.3: the same operation and job attributes as Print-Job, without the document.
    const response = await exchangeIpp({
      uri: printer.uri,
      request: this.jobRequest('Validate-Job', printer, submission),
      timeoutMs: this.probeTimeoutMs,
      signal: submission.signal,
      userAgent: this.userAgent,
      rejectUnauthorized: this.rejectUnauthorized,
    });
    // The caller asks only printers that list Validate-Job; one that does not after all has no opinion.
    if (response.statusCode === 'server-error-operation-not-supported') return [];
    // RFC 8011 section 4.1.7: the unsupported-attributes group names what the printer would ignore
    // (successful-ok-ignored-or-substituted-attributes) or refuses (client-error-attributes-or-values-...).
    const unsupported = [...response.unsupportedAttributes.keys()];
    const options = unsupportedToOptions(unsupported);
    if (response.statusCode.startsWith('successful-ok')) return options;
    // A refusal pinned on ticket options is an answer; one of the document format, or of attributes that
    // are not options, is the printer refusing the job itself.
    const refusesOptions =
      response.statusCode === 'client-error-attributes-or-values-not-supported' &&
      options.length > 0 &&
      !unsupported.includes('document-format');
    if (refusesOptions) return options;
    throw statusToError(response.statusCode, { unsupportedAttributes: unsupported });
  }

  async submit(printer: PrinterConfig, submission: PrintSubmission): Promise<SubmittedJob> {
    submission.signal?.throwIfAborted();
    // The description came with the submission: refusing here saves streaming a file the printer refuses.
    if (!acceptsFormat(submission.printer.capabilities.documentFormats, submission.documentFormat)) {
      throw new UpstreamError('format_not_supported', 'The printer cannot print this type of file.', {
        cause: new Error(`document-format ${submission.documentFormat} is not in document-format-supported`),
      });
    }
    if (submission.growth && submission.printer.facts.createJob) {
      return this.sendWhileArriving(printer, submission, submission.growth);
    }
    const response = await exchangeIpp({
      uri: printer.uri,
      request: this.jobRequest('Print-Job', printer, submission),
      documentPath: submission.documentPath,
      timeoutMs: this.requestTimeoutMs,
      signal: submission.signal,
      userAgent: this.userAgent,
      rejectUnauthorized: this.rejectUnauthorized,
    });
    const error = statusToError(response.statusCode, {
      unsupportedAttributes: [...response.unsupportedAttributes.keys()],
    });
    if (error) throw error;
    const ippJobId = firstNumber(response.jobAttributes, 'job-id');
    if (ippJobId === undefined) {
      throw new UpstreamError(
        'printer_refused',
        'The printer did not confirm the job. Check the printer before trying again.',
        { cause: new Error('Print-Job response without job-id') },
      );
    }
    return withSubscription(ippJobId, response);
  }

  /**
   * A document still arriving: Create-Job, then Send-Document with the file as it grows (RFC 8011
   * sections 4.2.4, 4.3.1). The job is known before its document, so when the document cannot be
   * completed (the download failed or starts again, the person canceled) the job is canceled at the
   * printer BEFORE its body is broken off: a printer never gets to print a partial document.
   */
  private async sendWhileArriving(
    printer: PrinterConfig,
    submission: PrintSubmission,
    growth: DocumentGrowth,
  ): Promise<SubmittedJob> {
    const created = await exchangeIpp({
      uri: printer.uri,
      request: this.jobRequest('Create-Job', printer, submission),
      timeoutMs: this.requestTimeoutMs,
      signal: submission.signal,
      userAgent: this.userAgent,
      rejectUnauthorized: this.rejectUnauthorized,
    });
    const refused = statusToError(created.statusCode, {
      unsupportedAttributes: [...created.unsupportedAttributes.keys()],
    });
    if (refused) throw refused;
    const ippJobId = firstNumber(created.jobAttributes, 'job-id');
    if (ippJobId === undefined) {
      throw new UpstreamError(
        'printer_refused',
        'The printer did not confirm the job. Check the printer before trying again.',
        {
          cause: new Error('Create-Job response without job-id'),
        },
      );
    }
    let canceling: Promise<void> | null = null;
    const cancelAtPrinter = () => {
      canceling ??= this.cancel(printer, ippJobId).catch(() => undefined);
      return canceling;
    };
    // The transport sees the download's restart or failure, and the person's cancel, only once the
    // printer has canceled the job.
    const guarded = guardedGrowth(growth, cancelAtPrinter);
    const stop = new AbortController();
    const onAbort = () => void cancelAtPrinter().finally(() => stop.abort(submission.signal?.reason));
    submission.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (submission.signal?.aborted) onAbort();
      const sent = await exchangeIpp({
        uri: printer.uri,
        request: encodeRequest({
          operation: 'Send-Document',
          requestId: this.requestId(),
          operationAttributes: {
            'printer-uri': printerUriFromConfig(printer.uri),
            'job-id': ippJobId,
            'requesting-user-name': truncate(submission.userName) || 'anonymous',
            'document-format': submission.documentFormat,
            'last-document': true,
          },
        }),
        documentPath: submission.documentPath,
        growth: guarded.growth,
        timeoutMs: this.requestTimeoutMs,
        signal: stop.signal,
        userAgent: this.userAgent,
        rejectUnauthorized: this.rejectUnauthorized,
      });
      const error = statusToError(sent.statusCode);
      if (error) throw error;
      return withSubscription(ippJobId, created);
    } catch (err) {
      if (err instanceof UpstreamError && err.code === 'printer_no_answer') {
        // The whole document went out but was never confirmed. Unlike Print-Job, the job is known:
        // ask it. Printing (or printed): it is followed as usual. Still waiting for its document: it
        // is canceled, and sending again cannot print twice.
        const status = await this.jobStatus(printer, ippJobId).catch(() => null);
        if (status && ['processing', 'completed', 'stopped'].includes(status.phase)) {
          return withSubscription(ippJobId, created);
        }
        if (status?.phase === 'pending') {
          await cancelAtPrinter();
          throw new UpstreamError(
            'printer_unreachable',
            'The printer did not take the document. Check that it is switched on and connected.',
            {
              retryable: true,
              cause: err,
            },
          );
        }
        throw err;
      }
      // Whatever else went wrong before the printer confirmed the document, the job must not stay:
      // its document is incomplete.
      await cancelAtPrinter();
      throw err;
    } finally {
      submission.signal?.removeEventListener('abort', onAbort);
      guarded.release();
    }
  }

  async jobStatus(printer: PrinterConfig, ippJobId: number): Promise<PrinterJobStatus> {
    const response = await this.send(printer, 'Get-Job-Attributes', this.requestTimeoutMs, {
      'job-id': ippJobId,
      'requested-attributes': ['job-state', 'job-state-reasons', 'job-impressions-completed'],
    });
    const error = statusToError(response.statusCode);
    if (error) throw error;
    const state = firstEnum(response.jobAttributes, 'job-state');
    const phase = state === undefined ? null : ippJobStateToPhase(state);
    if (!phase) {
      throw new UpstreamError('printer_refused', 'The printer did not say how the job is doing.', {
        cause: new Error(`unknown job-state ${String(state)}`),
      });
    }
    return {
      phase,
      reasons: allStrings(response.jobAttributes, 'job-state-reasons'),
      impressionsCompleted: firstNumber(response.jobAttributes, 'job-impressions-completed') ?? null,
    };
  }

  async jobEvents(
    printer: PrinterConfig,
    watch: { ippJobId: number; subscriptionId: number; sequence: number },
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<PrinterJobEvents> {
    // The printer holds a Get-Notifications with notify-wait until an event (RFC 3996 section 5); we
    // stop waiting after waitMs, which is no failure: nothing happened yet.
    const patience = AbortSignal.timeout(waitMs);
    let response: IppResponse;
    try {
      response = await this.send(
        printer,
        'Get-Notifications',
        this.requestTimeoutMs + waitMs,
        {
          'notify-subscription-ids': [watch.subscriptionId],
          'notify-sequence-numbers': [watch.sequence],
          'notify-wait': true,
        },
        signal ? AbortSignal.any([signal, patience]) : patience,
      );
    } catch (err) {
      if (patience.aborted && !signal?.aborted) {
        return { status: null, sequence: watch.sequence, complete: false, held: true };
      }
      throw err;
    }
    const error = statusToError(response.statusCode);
    if (error) throw error;
    let sequence = watch.sequence;
    let status: PrinterJobStatus | null = null;
    for (const event of response.eventGroups) {
      const number = firstNumber(event, 'notify-sequence-number');
      if (number !== undefined && number >= sequence) sequence = number + 1;
      if (firstNumber(event, 'notify-job-id') !== watch.ippJobId) continue;
      const state = firstEnum(event, 'job-state');
      const phase = state === undefined ? null : ippJobStateToPhase(state);
      if (!phase) continue;
      status = {
        phase,
        reasons: allStrings(event, 'job-state-reasons'),
        impressionsCompleted: firstNumber(event, 'job-impressions-completed') ?? null,
      };
    }
    return {
      status,
      sequence,
      // successful-ok-events-complete (0x0007): the subscription ended with these events.
      complete: response.status === 0x0007,
      held: false,
    };
  }

  async cancel(printer: PrinterConfig, ippJobId: number): Promise<void> {
    const response = await this.send(printer, 'Cancel-Job', this.requestTimeoutMs, { 'job-id': ippJobId });
    // A job that already ended (or that the printer forgot) needs no canceling.
    if (IGNORED_CANCEL_STATUSES.has(response.statusCode)) return;
    const error = statusToError(response.statusCode);
    if (error) throw error;
  }

  /**
   * Print-Job, Create-Job and Validate-Job: the same operation and job attributes (RFC 8011 sections
   * 4.2.1, 4.2.3, 4.2.4). A job created at a printer that offers ippget asks for a subscription to its
   * own events (RFC 3995 section 5.3), so that its end is heard at once instead of polled for.
   */
  private jobRequest(
    operation: 'Print-Job' | 'Validate-Job' | 'Create-Job',
    printer: PrinterConfig,
    submission: Omit<PrintSubmission, 'documentPath'>,
  ): Buffer {
    return encodeRequest({
      operation,
      requestId: this.requestId(),
      operationAttributes: {
        'printer-uri': printerUriFromConfig(printer.uri),
        'requesting-user-name': truncate(submission.userName) || 'anonymous',
        'job-name': truncate(submission.jobName) || 'Untitled',
        'document-format': submission.documentFormat,
      },
      jobAttributes: ticketToJobAttributes(submission.ticket, submission.printer),
      ...(operation !== 'Validate-Job' && submission.printer.facts.ippget
        ? {
            subscriptionAttributes: {
              'notify-pull-method': 'ippget',
              'notify-events': ['job-completed', 'job-state-changed'],
            },
          }
        : {}),
    });
  }

  private send(
    printer: PrinterConfig,
    operation: IppOperation,
    timeoutMs: number,
    attributes: IppAttributesInput,
    signal?: AbortSignal,
  ): Promise<IppResponse> {
    const request = encodeRequest({
      operation,
      requestId: this.requestId(),
      operationAttributes: {
        'printer-uri': printerUriFromConfig(printer.uri),
        'requesting-user-name': 'drive-print-connector',
        ...attributes,
      },
    });
    return exchangeIpp({
      uri: printer.uri,
      request,
      timeoutMs,
      signal,
      userAgent: this.userAgent,
      rejectUnauthorized: this.rejectUnauthorized,
    });
  }

  private requestId(): number {
    const id = this.nextRequestId;
    this.nextRequestId = id >= 0x7fffffff ? 1 : id + 1;
    return id;
  }
}

const IGNORED_CANCEL_STATUSES = new Set([
  'client-error-not-possible',
  'client-error-not-found',
  'client-error-gone',
]);

/**
 * Whether a printer that lists `formats` takes `format`. An empty list means the printer did not say,
 * so Print-Job decides. application/octet-stream in the list only means the printer sniffs documents
 * sent as octet-stream; a document sent with an explicit unlisted format is still refused (RFC 8011
 * section 5.4.22), so it does not count here (the description leaves it out anyway).
 */
function acceptsFormat(formats: readonly string[], format: string): boolean {
  if (formats.length === 0) return true;
  const wanted = format.toLowerCase();
  return formats.some((f) => f.toLowerCase() === wanted);
}

function truncate(text: string): string {
  const trimmed = text.trim();
  const chars = [...trimmed];
  return chars.length > MAX_NAME_CHARS ? `${chars.slice(0, MAX_NAME_CHARS - 1).join('')}…` : trimmed;
}

/**
 * The growth the transport follows: the same bytes, but a restart or a failure of the writer reaches
 * the reader only after `beforeBreak` (canceling the job at the printer) has finished.
 */
function guardedGrowth(
  growth: DocumentGrowth,
  beforeBreak: () => Promise<void>,
): { growth: DocumentGrowth; release: () => void } {
  const mirror = new FileGrowth();
  mirror.started();
  const attempt = growth.attempt;
  let broken = false;
  const sync = () => {
    if (broken) return;
    if (growth.attempt !== attempt) {
      broken = true;
      void beforeBreak().then(() => mirror.started());
      return;
    }
    if (growth.ended) {
      broken = true; // settled: nothing more to mirror
      growth.finished.then(
        (size) => mirror.finish(size),
        (err: unknown) => {
          broken = true;
          void beforeBreak().then(() => mirror.fail(err));
        },
      );
      return;
    }
    mirror.wrote(growth.written);
  };
  const release = growth.onChange(sync);
  sync();
  return { growth: mirror, release };
}

/**
 * The job with the subscription its creation asked for: the first subscription group's
 * notify-subscription-id, unless the printer refused it there (notify-status-code, RFC 3995 section
 * 5.3.1) or ignored the group. Without one the job is followed by polling, as at any printer.
 */
function withSubscription(ippJobId: number, response: IppResponse): SubmittedJob {
  const group = response.subscriptionGroups[0];
  const subscriptionId = group ? firstNumber(group, 'notify-subscription-id') : undefined;
  if (subscriptionId === undefined || group?.has('notify-status-code')) return { ippJobId };
  return { ippJobId, subscriptionId };
}
