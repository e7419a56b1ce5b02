// The PrintSystem port over IPP/2.0 (RFC 8011): Get-Printer-Attributes, Print-Job, Get-Job-Attributes
// and Cancel-Job, each a fresh HTTP exchange through ipp-transport.ts.

import { UpstreamError } from '../domain/errors.js';
import type {
  PrinterConfig,
  PrinterJobStatus,
  PrinterState,
  PrintSubmission,
  PrintSystem,
} from '../domain/ports.js';
import {
  ippJobStateToPhase,
  printerStateToState,
  printerUriFromConfig,
  statusToError,
  ticketToJobAttributes,
} from './ipp-attributes.js';
import {
  allStrings,
  encodeRequest,
  firstBoolean,
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
  /** Timeout for the state and capability probes, which a page waits for. Default 3 s. */
  probeTimeoutMs?: number;
  userAgent?: string;
  /** How long a printer's document-format-supported is trusted. Default one minute. */
  formatCacheMs?: number;
  /** For ipps printers with a self-signed certificate: accept it. Off unless configured. */
  allowUntrustedCertificates?: boolean;
}

/** What a printer says it can do, for the print options page. */
export interface PrinterCapabilities {
  documentFormats: string[];
  sidesSupported: string[];
  colorModesSupported: string[];
  mediaSupported: string[];
}

const STATE_ATTRIBUTES = [
  'printer-state',
  'printer-state-reasons',
  'document-format-supported',
  'printer-is-accepting-jobs',
];
const CAPABILITY_ATTRIBUTES = [
  'document-format-supported',
  'sides-supported',
  'print-color-mode-supported',
  'media-supported',
];
// RFC 8011 section 5.1.2: name values are at most 1023 octets; Drive names rarely come close.
const MAX_NAME_CHARS = 255;

export class IppPrintSystem implements PrintSystem {
  private readonly requestTimeoutMs: number;
  private readonly probeTimeoutMs: number;
  private readonly userAgent: string;
  private readonly formatCacheMs: number;
  private readonly rejectUnauthorized: boolean;
  private readonly formats = new Map<string, { formats: string[]; expires: number }>();
  private nextRequestId = 1;

  constructor(options: IppPrintSystemOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 3_000;
    this.userAgent = options.userAgent ?? 'drive-print-connector';
    this.formatCacheMs = options.formatCacheMs ?? 60_000;
    this.rejectUnauthorized = !options.allowUntrustedCertificates;
  }

  async state(printer: PrinterConfig): Promise<PrinterState> {
    let response: IppResponse;
    try {
      response = await this.getPrinterAttributes(printer, STATE_ATTRIBUTES);
    } catch (err) {
      if (err instanceof UpstreamError && err.code === 'printer_unreachable') return 'unreachable';
      if (err instanceof UpstreamError && err.code === 'printer_busy') return 'processing';
      throw err;
    }
    const attributes = response.printerAttributes;
    this.rememberFormats(printer, allStrings(attributes, 'document-format-supported'));
    // A printer that refuses new jobs cannot take ours either, whatever its engine is doing.
    if (firstBoolean(attributes, 'printer-is-accepting-jobs') === false) return 'stopped';
    const state = firstEnum(attributes, 'printer-state');
    // A printer that answers without a readable state is reachable; submit will tell the rest.
    return (state === undefined ? null : printerStateToState(state)) ?? 'idle';
  }

  async capabilities(printer: PrinterConfig): Promise<PrinterCapabilities> {
    const response = await this.getPrinterAttributes(printer, CAPABILITY_ATTRIBUTES);
    const attributes = response.printerAttributes;
    const documentFormats = allStrings(attributes, 'document-format-supported');
    this.rememberFormats(printer, documentFormats);
    return {
      documentFormats,
      sidesSupported: allStrings(attributes, 'sides-supported'),
      colorModesSupported: allStrings(attributes, 'print-color-mode-supported'),
      mediaSupported: allStrings(attributes, 'media-supported'),
    };
  }

  async submit(printer: PrinterConfig, submission: PrintSubmission): Promise<{ ippJobId: number }> {
    submission.signal?.throwIfAborted();
    // Asking first costs one small request and saves streaming a large file the printer will refuse.
    const formats = await this.supportedFormats(printer, submission.signal);
    if (!acceptsFormat(formats, submission.documentFormat)) {
      throw new UpstreamError('format_not_supported', 'The printer cannot print this type of file.', {
        cause: new Error(`document-format ${submission.documentFormat} is not in document-format-supported`),
      });
    }
    const request = encodeRequest({
      operation: 'Print-Job',
      requestId: this.requestId(),
      operationAttributes: {
        'printer-uri': printerUriFromConfig(printer.uri),
        'requesting-user-name': truncate(submission.userName) || 'anonymous',
        'job-name': truncate(submission.jobName) || 'Untitled',
        'document-format': submission.documentFormat,
      },
      jobAttributes: ticketToJobAttributes(submission.ticket),
    });
    const response = await exchangeIpp({
      uri: printer.uri,
      request,
      documentPath: submission.documentPath,
      timeoutMs: this.requestTimeoutMs,
      signal: submission.signal,
      userAgent: this.userAgent,
      rejectUnauthorized: this.rejectUnauthorized,
    });
    const error = statusToError(response.statusCode, {
      unsupportedAttributes: [...response.unsupportedAttributes.keys()],
    });
    if (error) {
      if (error.code === 'format_not_supported') this.formats.delete(printer.uri);
      throw error;
    }
    const ippJobId = firstNumber(response.jobAttributes, 'job-id');
    if (ippJobId === undefined) {
      throw new UpstreamError(
        'printer_refused',
        'The printer did not confirm the job. Check the printer before trying again.',
        {
          cause: new Error('Print-Job response without job-id'),
        },
      );
    }
    return { ippJobId };
  }

  async jobStatus(printer: PrinterConfig, ippJobId: number): Promise<PrinterJobStatus> {
    const response = await this.send(printer, 'Get-Job-Attributes', this.requestTimeoutMs, {
      'job-id': ippJobId,
      'requested-attributes': ['job-state', 'job-state-reasons'],
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
    return { phase, reasons: allStrings(response.jobAttributes, 'job-state-reasons') };
  }

  async cancel(printer: PrinterConfig, ippJobId: number): Promise<void> {
    const response = await this.send(printer, 'Cancel-Job', this.requestTimeoutMs, { 'job-id': ippJobId });
    // A job that already ended (or that the printer forgot) needs no canceling.
    if (IGNORED_CANCEL_STATUSES.has(response.statusCode)) return;
    const error = statusToError(response.statusCode);
    if (error) throw error;
  }

  private async getPrinterAttributes(printer: PrinterConfig, names: string[], signal?: AbortSignal) {
    const response = await this.send(
      printer,
      'Get-Printer-Attributes',
      this.probeTimeoutMs,
      { 'requested-attributes': names },
      signal,
    );
    const error = statusToError(response.statusCode);
    if (error) throw error;
    return response;
  }

  private async supportedFormats(printer: PrinterConfig, signal?: AbortSignal): Promise<string[]> {
    const cached = this.formats.get(printer.uri);
    if (cached && cached.expires > Date.now()) return cached.formats;
    const response = await this.getPrinterAttributes(printer, ['document-format-supported'], signal);
    const formats = allStrings(response.printerAttributes, 'document-format-supported');
    this.rememberFormats(printer, formats);
    return formats;
  }

  private rememberFormats(printer: PrinterConfig, formats: string[]): void {
    this.formats.set(printer.uri, { formats, expires: Date.now() + this.formatCacheMs });
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
 * section 5.4.22), so it does not count here.
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
