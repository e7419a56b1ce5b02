// Pure translations between the connector's domain words and IPP (RFC 8011, PWG 5100.12/5100.13).
// No I/O here, so every mapping is table-tested.

import { BadInputError, UpstreamError } from '../domain/errors.js';
import type { PrinterJobPhase, PrinterState, PrintTicket } from '../domain/ports.js';
import type { IppAttributesInput, IppRange } from './ipp-codec.js';

/** Job Template attributes (RFC 8011 section 5.2) for a ticket; absent choices are left to the printer. */
export function ticketToJobAttributes(ticket: PrintTicket): IppAttributesInput {
  const attributes: Record<string, IppAttributesInput[string]> = {};
  if (ticket.copies !== undefined) {
    if (!Number.isInteger(ticket.copies) || ticket.copies < 1 || ticket.copies > 999) {
      throw new BadInputError('The number of copies must be a whole number from 1 to 999.');
    }
    attributes.copies = ticket.copies;
  }
  if (ticket.sides) attributes.sides = ticket.sides;
  // PWG 5100.13 print-color-mode; 'monochrome' is what every IPP Everywhere printer supports.
  if (ticket.color) attributes['print-color-mode'] = ticket.color;
  if (ticket.media) attributes.media = ticket.media;
  if (ticket.pageRanges && ticket.pageRanges.length > 0)
    attributes['page-ranges'] = normalisePageRanges(ticket.pageRanges);
  return attributes;
}

/**
 * RFC 8011 section 5.2.7: ranges must be ascending and must not overlap, or printers refuse the job;
 * a person may well type "5-7, 1-2, 2-3", so sort and merge them.
 */
function normalisePageRanges(ranges: ReadonlyArray<readonly [number, number]>): IppRange[] {
  for (const [lower, upper] of ranges) {
    if (!Number.isInteger(lower) || !Number.isInteger(upper) || lower < 1 || upper < lower) {
      throw new BadInputError(`The page range ${lower}-${upper} is not valid. Use ranges such as 1-3.`);
    }
  }
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: Array<{ lower: number; upper: number }> = [];
  for (const [lower, upper] of sorted) {
    const previous = merged[merged.length - 1];
    if (previous && lower <= previous.upper + 1) previous.upper = Math.max(previous.upper, upper);
    else merged.push({ lower, upper });
  }
  return merged;
}

const JOB_STATES: Readonly<Record<string, PrinterJobPhase>> = {
  '3': 'pending',
  pending: 'pending',
  '4': 'pending',
  'pending-held': 'pending',
  '5': 'processing',
  processing: 'processing',
  '6': 'stopped',
  'processing-stopped': 'stopped',
  '7': 'canceled',
  canceled: 'canceled',
  '8': 'aborted',
  aborted: 'aborted',
  '9': 'completed',
  completed: 'completed',
};

/** RFC 8011 section 5.3.7 job-state, as a number or as the keyword the codec names it by; null if unknown. */
export function ippJobStateToPhase(jobState: number | string): PrinterJobPhase | null {
  return Object.hasOwn(JOB_STATES, String(jobState)) ? JOB_STATES[String(jobState)]! : null;
}

const PRINTER_STATES: Readonly<Record<string, Exclude<PrinterState, 'unreachable'>>> = {
  '3': 'idle',
  idle: 'idle',
  '4': 'processing',
  processing: 'processing',
  '5': 'stopped',
  stopped: 'stopped',
};

/** RFC 8011 section 5.4.11 printer-state, as a number or keyword; null if unknown. */
export function printerStateToState(
  printerState: number | string,
): Exclude<PrinterState, 'unreachable'> | null {
  return Object.hasOwn(PRINTER_STATES, String(printerState)) ? PRINTER_STATES[String(printerState)]! : null;
}

const BUSY = new Set([
  'server-error-busy',
  'server-error-service-unavailable',
  'server-error-temporary-error',
]);

/** What a person is told for refusals we can explain better than "refused". */
const REFUSALS: Readonly<Record<string, string>> = {
  'client-error-not-authenticated': 'The printer asks for a sign-in that the connector does not have.',
  'client-error-not-authorized': 'The printer does not allow the connector to print.',
  'client-error-forbidden': 'The printer does not allow the connector to print.',
  'client-error-not-found': 'The printer no longer knows this job.',
  'client-error-gone': 'The printer no longer knows this job.',
  'client-error-request-entity-too-large': 'The file is too large for the printer.',
  'client-error-attributes-or-values-not-supported':
    'The printer does not support the chosen print settings.',
  'client-error-conflicting-attributes': 'The chosen print settings cannot be used together on this printer.',
  'client-error-compression-not-supported': 'The printer cannot read the file as sent.',
  'client-error-document-format-error': 'The printer could not read the file. It may be damaged.',
  'client-error-document-unprintable-error': 'The printer could not print the file. It may be damaged.',
  'server-error-not-accepting-jobs': 'The printer is not accepting jobs right now. Check the printer.',
  'server-error-printer-is-deactivated': 'The printer is switched off for printing. Check the printer.',
};

/**
 * The error for an IPP status-code (RFC 8011 section 4.1.6 / appendix B), or null for successful-ok*.
 * The printer's own status-message is never shown: it is not written for the person at the panel.
 * `unsupportedAttributes` are the names in the answer's unsupported-attributes group.
 */
export function statusToError(
  statusCode: string,
  context: { unsupportedAttributes?: readonly string[] } = {},
): UpstreamError | null {
  if (statusCode.startsWith('successful-ok') || /^0x00[0-9a-f]{2}$/i.test(statusCode)) return null;
  const cause = new Error(`IPP status ${statusCode}`);
  if (BUSY.has(statusCode)) {
    return new UpstreamError('printer_busy', 'The printer is busy. The job will be sent again in a moment.', {
      retryable: true,
      cause,
    });
  }
  // Some printers (ippeveprinter among them) refuse an unlisted format as an unsupported attribute value.
  const formatRefused =
    statusCode === 'client-error-attributes-or-values-not-supported' &&
    (context.unsupportedAttributes ?? []).includes('document-format');
  if (statusCode === 'client-error-document-format-not-supported' || formatRefused) {
    return new UpstreamError('format_not_supported', 'The printer cannot print this type of file.', {
      cause,
    });
  }
  return new UpstreamError('printer_refused', REFUSALS[statusCode] ?? 'The printer refused the job.', {
    cause,
  });
}

const DOCUMENT_FORMATS = new Set([
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/pwg-raster',
  'image/urf',
  'text/plain',
]);
const FORMAT_ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
};

/**
 * The IPP document-format for a MIME type; application/octet-stream (the printer sniffs) for anything
 * else. Parameters such as "; charset=utf-8" are dropped: document-format is a bare mimeMediaType.
 */
export function documentFormatFor(mimeType: string): string {
  const bare = mimeType.split(';')[0]!.trim().toLowerCase();
  const format = FORMAT_ALIASES[bare] ?? bare;
  return DOCUMENT_FORMATS.has(format) ? format : 'application/octet-stream';
}

export interface PrinterEndpoint {
  /** The printer-uri operation attribute: ipp:// or ipps://. */
  printerUri: string;
  /** Where the HTTP POST goes: http:// or https://, with the port always explicit. */
  httpUrl: string;
  tls: boolean;
}

const SCHEMES: Readonly<Record<string, { ipp: string; http: string; port: number; tls: boolean }>> = {
  // RFC 8010 section 4 and RFC 7472 section 4: both ipp and ipps default to port 631.
  'ipp:': { ipp: 'ipp:', http: 'http:', port: 631, tls: false },
  'ipps:': { ipp: 'ipps:', http: 'https:', port: 631, tls: true },
  'http:': { ipp: 'ipp:', http: 'http:', port: 80, tls: false },
  'https:': { ipp: 'ipps:', http: 'https:', port: 443, tls: true },
};

/** Both forms of a configured printer URI; throws printer_unreachable for an address that cannot work. */
export function printerEndpoint(uri: string): PrinterEndpoint {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalidAddress(uri);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme || !url.hostname || url.username || url.password) throw invalidAddress(uri);
  const port = url.port ? Number(url.port) : scheme.port;
  const rest = `//${url.host.replace(/:\d+$/, '')}:${port}${url.pathname}${url.search}`;
  return { printerUri: `${scheme.ipp}${rest}`, httpUrl: `${scheme.http}${rest}`, tls: scheme.tls };
}

/** The printer-uri attribute for a configured URI (http:// and https:// become ipp:// and ipps://). */
export function printerUriFromConfig(uri: string): string {
  return printerEndpoint(uri).printerUri;
}

function invalidAddress(uri: string): UpstreamError {
  return new UpstreamError(
    'printer_unreachable',
    'The printer address in the settings is not valid. It should look like ipp://printer.example/ipp/print.',
    { cause: new Error(`invalid printer URI ${JSON.stringify(uri)}`) },
  );
}
