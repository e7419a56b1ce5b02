// Pure translations between the connector's domain words and IPP (RFC 8011, PWG 5100.12/5100.13).
// No I/O here, so every mapping is table-tested.

import { UpstreamError } from '../domain/errors.js';
import type {
  ColorMode,
  MediaOption,
  Orientation,
  PrinterCapabilities,
  PrinterDefaults,
  PrinterDescription,
  PrinterJobPhase,
  PrinterProtocolFacts,
  PrinterState,
  PrintQuality,
  PrintTicket,
  RasterFacts,
  Sides,
} from '../domain/ports.js';
import { normalisePageRanges } from '../domain/print-options.js';
import {
  allStrings,
  firstBoolean,
  firstEnum,
  firstNumber,
  firstString,
  type IppAttributes,
  type IppAttributesInput,
  type IppCollection,
  type IppRange,
  type IppResolution,
  type IppValue,
} from './ipp-codec.js';
import { mediaDisplayName, mediaNameForSize, mediaSizeFromName } from './ipp-media.js';

// ---- Get-Printer-Attributes -> PrinterDescription -------------------------------------------

/** Everything describePrinter reads; IppPrintSystem.describe asks for exactly these. */
export const DESCRIBE_ATTRIBUTES: readonly string[] = [
  'printer-state',
  'printer-state-reasons',
  'printer-is-accepting-jobs',
  'operations-supported',
  'notify-pull-method-supported',
  'document-format-supported',
  'copies-supported',
  'copies-default',
  'sides-supported',
  'sides-default',
  'print-color-mode-supported',
  'print-color-mode-default',
  'color-supported',
  'media-supported',
  'media-ready',
  'media-default',
  'media-col-supported',
  'media-col-ready',
  // Not in "all" at most printers (RFC 8011 section 4.2.5.1 lets them leave it out); named explicitly.
  'media-col-database',
  'media-col-default',
  'page-ranges-supported',
  'orientation-requested-supported',
  'orientation-requested-default',
  'number-up-supported',
  'number-up-default',
  'print-quality-supported',
  'print-quality-default',
  'finishings-supported',
  'finishings-default',
  'pwg-raster-document-resolution-supported',
  'pwg-raster-document-type-supported',
  'pwg-raster-document-sheet-back',
  'urf-supported',
];

const SIDES: readonly Sides[] = ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'];
const COLOR_MODES: readonly ColorMode[] = ['color', 'monochrome'];
// RFC 8011 section 5.2.10: 3 portrait, 4 landscape; the reverse ones (5, 6) and none (7) are not offered.
const ORIENTATIONS: Readonly<Record<string, Orientation>> = {
  '3': 'portrait',
  portrait: 'portrait',
  '4': 'landscape',
  landscape: 'landscape',
};
// RFC 8011 section 5.2.13.
const QUALITIES: Readonly<Record<string, PrintQuality>> = {
  '3': 'draft',
  draft: 'draft',
  '4': 'normal',
  normal: 'normal',
  '5': 'high',
  high: 'high',
};
// PWG 5100.13 print-color-mode: every monochrome flavour prints without colour.
const MONOCHROME_MODES = new Set([
  'monochrome',
  'auto-monochrome',
  'process-monochrome',
  'bi-level',
  'process-bi-level',
]);
// number-up-supported may be a range (RFC 8011 section 5.2.9); these are the layouts worth offering in one.
const NUMBER_UP_LAYOUTS = [1, 2, 4, 6, 9, 16];
const SHEET_BACKS: ReadonlySet<RasterFacts['pwgSheetBack']> = new Set([
  'normal',
  'flipped',
  'rotated',
  'manual-tumble',
]);
// RFC 8011 section 5.4.12: a reason may carry a severity suffix.
const SEVERITY = /-(report|warning|error)$/;

/**
 * What one Get-Printer-Attributes answer says, in the domain's words. Enums are read whether the codec
 * gives them as keywords or numbers. Options the printer lists but we cannot offer are dropped.
 */
export function describePrinter(attributes: IppAttributes): PrinterDescription {
  const capabilities = describeCapabilities(attributes);
  return {
    state: describeState(attributes),
    stateReasons: unique(
      allStrings(attributes, 'printer-state-reasons')
        .map((reason) => reason.replace(SEVERITY, ''))
        .filter((reason) => reason !== 'none'),
    ),
    capabilities,
    defaults: describeDefaults(attributes, capabilities),
    facts: {
      mediaCol: allStrings(attributes, 'media-col-supported').includes('media-size'),
      mediaKeyword: allStrings(attributes, 'media-supported').length > 0,
      validateJob: values(attributes, 'operations-supported').some((op) => op === 'Validate-Job' || op === 4),
      createJob: ['Create-Job', 'Send-Document'].every((name, i) =>
        values(attributes, 'operations-supported').some((op) => op === name || op === 5 + i),
      ),
      // Get-Notifications is operation 0x001C (RFC 3996 section 4.1).
      ippget:
        allStrings(attributes, 'notify-pull-method-supported').includes('ippget') &&
        values(attributes, 'operations-supported').some((op) => op === 'Get-Notifications' || op === 0x1c),
      raster: describeRaster(attributes),
    },
  };
}

function describeState(attributes: IppAttributes): PrinterDescription['state'] {
  // A printer that refuses new jobs cannot take ours either, whatever its engine is doing.
  if (firstBoolean(attributes, 'printer-is-accepting-jobs') === false) return 'stopped';
  const state = firstEnum(attributes, 'printer-state');
  // A printer that answers without a readable state is reachable; submit will tell the rest.
  return (state === undefined ? null : printerStateToState(state)) ?? 'idle';
}

function describeCapabilities(attributes: IppAttributes): PrinterCapabilities {
  const sides = allStrings(attributes, 'sides-supported');
  return {
    copies: describeCopies(attributes),
    // sides is optional (RFC 8011 section 5.2.8): a printer that does not list it prints one side.
    sides: sides.length > 0 ? SIDES.filter((s) => sides.includes(s)) : ['one-sided'],
    color: describeColorModes(attributes),
    media: describeMedia(attributes),
    pageRanges: firstBoolean(attributes, 'page-ranges-supported') === true,
    orientation: keywordsFrom(attributes, 'orientation-requested-supported', ORIENTATIONS),
    numberUp: describeNumberUp(attributes),
    quality: keywordsFrom(attributes, 'print-quality-supported', QUALITIES),
    finishings: unique(allStrings(attributes, 'finishings-supported').filter((f) => f !== 'none')),
    documentFormats: allStrings(attributes, 'document-format-supported').filter(
      (format) => format.toLowerCase() !== 'application/octet-stream',
    ),
  };
}

function describeCopies(attributes: IppAttributes): PrinterCapabilities['copies'] {
  const value = attributes.get('copies-supported')?.[0];
  if (isRange(value)) return { min: Math.max(1, value.lower), max: Math.max(1, value.upper) };
  // A few printers send a plain integer: the most they make.
  if (typeof value === 'number') return { min: 1, max: Math.max(1, value) };
  // copies is optional (RFC 8011 section 5.2.5): a printer that does not list it makes one.
  return { min: 1, max: 1 };
}

/**
 * PWG 5100.13 print-color-mode: only color and monochrome are offered (IPP Everywhere printers must
 * support monochrome, colour ones color). An older printer without it says color-supported: it then
 * prints in the one way it can, and print-color-mode, if sent, is ignored.
 */
function describeColorModes(attributes: IppAttributes): ColorMode[] {
  if (attributes.has('print-color-mode-supported')) {
    const modes = allStrings(attributes, 'print-color-mode-supported');
    return COLOR_MODES.filter((mode) => modes.includes(mode));
  }
  return firstBoolean(attributes, 'color-supported') === true ? ['color'] : ['monochrome'];
}

/**
 * media-supported when the printer has it, otherwise the sizes of media-col-ready and
 * media-col-database (a media-col-only printer). Sizes that are loaded (media-ready, media-col-ready)
 * come first, so the first choice a person sees is paper the printer has; the rest keep the printer's
 * order. Custom-size bounds (custom_min_, custom_max_) describe a range, not a size, and are left out.
 */
function describeMedia(attributes: IppAttributes): MediaOption[] {
  const readyCols = collections(attributes, 'media-col-ready').map(mediaIdOfCol);
  const ready = new Set([...allStrings(attributes, 'media-ready'), ...readyCols]);
  const supported = allStrings(attributes, 'media-supported');
  const ids =
    supported.length > 0
      ? supported
      : [...readyCols, ...collections(attributes, 'media-col-database').map(mediaIdOfCol)];
  const offered = unique(ids.filter((id): id is string => id !== null && isMediaSize(id)));
  const ordered = [...offered.filter((id) => ready.has(id)), ...offered.filter((id) => !ready.has(id))];
  return ordered.map((id) => ({ id, name: mediaDisplayName(id) }));
}

/** A media-col's size as a media name: its media-size-name, else one made from its dimensions. */
function mediaIdOfCol(col: IppCollection): string | null {
  const name = col['media-size-name'];
  if (typeof name === 'string' && name) return name;
  const size = col['media-size'] as IppCollection | undefined;
  const x = size?.['x-dimension'];
  const y = size?.['y-dimension'];
  // Ranges (roll or custom media) are not one size.
  return typeof x === 'number' && typeof y === 'number' && x > 0 && y > 0 ? mediaNameForSize({ x, y }) : null;
}

function isMediaSize(id: string): boolean {
  return id !== 'none' && !/^(custom|roll)_(min|max)_/.test(id);
}

function describeNumberUp(attributes: IppAttributes): number[] {
  const offered = new Set<number>();
  for (const value of values(attributes, 'number-up-supported')) {
    if (typeof value === 'number' && value >= 1) offered.add(value);
    else if (isRange(value)) {
      for (const n of NUMBER_UP_LAYOUTS) if (n >= value.lower && n <= value.upper) offered.add(n);
    }
  }
  // number-up is optional (RFC 8011 section 5.2.9): without it every page has its own side.
  return offered.size > 0 ? [...offered].sort((a, b) => a - b) : [1];
}

function describeDefaults(attributes: IppAttributes, capabilities: PrinterCapabilities): PrinterDefaults {
  const sides = firstString(attributes, 'sides-default');
  const numberUp = firstNumber(attributes, 'number-up-default');
  return {
    copies: firstNumber(attributes, 'copies-default') ?? 1,
    sides: SIDES.find((s) => s === sides) ?? null,
    color: defaultColor(firstString(attributes, 'print-color-mode-default'), capabilities.color),
    media: defaultMedia(attributes),
    orientation: keywordsFrom(attributes, 'orientation-requested-default', ORIENTATIONS)[0] ?? null,
    numberUp: numberUp !== undefined && numberUp >= 1 ? numberUp : null,
    quality: keywordsFrom(attributes, 'print-quality-default', QUALITIES)[0] ?? null,
    finishings: allStrings(attributes, 'finishings-default').filter((f) => f !== 'none'),
  };
}

/** auto prints colour pages in colour where it can; the monochrome flavours all print without colour. */
function defaultColor(mode: string | undefined, offered: readonly ColorMode[]): ColorMode | null {
  if (mode === 'color') return 'color';
  if (mode !== undefined && MONOCHROME_MODES.has(mode)) return 'monochrome';
  if (mode === 'auto') return offered.includes('color') ? 'color' : 'monochrome';
  return null;
}

function defaultMedia(attributes: IppAttributes): string | null {
  const media = firstString(attributes, 'media-default');
  if (media && isMediaSize(media)) return media;
  const col = collections(attributes, 'media-col-default')[0];
  return col ? mediaIdOfCol(col) : null;
}

function describeRaster(attributes: IppAttributes): RasterFacts {
  const resolutions = new Map<string, [number, number]>();
  for (const value of values(attributes, 'pwg-raster-document-resolution-supported')) {
    if (!isResolution(value)) continue;
    // RFC 8010 section 3.9: units 3 dpi, 4 dots per cm.
    const dpi = (n: number) => (value.units === 'dpi' ? n : Math.round(n * 2.54));
    const pair: [number, number] = [dpi(value.cross), dpi(value.feed)];
    resolutions.set(pair.join('x'), pair);
  }
  const sheetBack = firstString(attributes, 'pwg-raster-document-sheet-back');
  return {
    pwgResolutions: [...resolutions.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    pwgTypes: allStrings(attributes, 'pwg-raster-document-type-supported'),
    // PWG 5100.13 pwg-raster-document-sheet-back: normal when the printer does not say.
    pwgSheetBack: SHEET_BACKS.has(sheetBack as RasterFacts['pwgSheetBack'])
      ? (sheetBack as RasterFacts['pwgSheetBack'])
      : 'normal',
    urf: allStrings(attributes, 'urf-supported'),
  };
}

function values(attributes: IppAttributes, name: string): readonly IppValue[] {
  return attributes.get(name) ?? [];
}

function collections(attributes: IppAttributes, name: string): IppCollection[] {
  return values(attributes, name).filter(
    (v): v is IppCollection => v !== null && typeof v === 'object' && !(v instanceof Date),
  );
}

/** Enum values (keywords or numbers) through `table`, in the table's order, unknown ones dropped. */
function keywordsFrom<T extends string>(
  attributes: IppAttributes,
  name: string,
  table: Readonly<Record<string, T>>,
): T[] {
  const found = new Set<T>();
  for (const value of values(attributes, name)) {
    const key = String(value);
    if ((typeof value === 'string' || typeof value === 'number') && Object.hasOwn(table, key)) {
      found.add(table[key]!);
    }
  }
  const order = unique(Object.values(table));
  return order.filter((keyword) => found.has(keyword));
}

function isRange(value: unknown): value is IppRange {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IppRange).lower === 'number' &&
    typeof (value as IppRange).upper === 'number'
  );
}

function isResolution(value: unknown): value is IppResolution {
  return typeof value === 'object' && value !== null && typeof (value as IppResolution).cross === 'number';
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

// ---- PrintTicket -> Job Template attributes ---------------------------------------------------

/**
 * Job Template attributes (RFC 8011 section 5.2, PWG 5100.13) for a ticket the domain has already
 * checked against the printer's capabilities; options absent from the ticket are left to the printer.
 * Enums are given by keyword; the codec writes their numbers.
 */
export function ticketToJobAttributes(
  ticket: PrintTicket,
  printer: Pick<PrinterDescription, 'capabilities' | 'facts'>,
): IppAttributesInput {
  const attributes: Record<string, IppAttributesInput[string]> = {};
  if (ticket.copies !== undefined) attributes.copies = ticket.copies;
  if (ticket.sides) attributes.sides = ticket.sides;
  if (ticket.color) attributes['print-color-mode'] = ticket.color;
  if (ticket.media) Object.assign(attributes, mediaAttribute(ticket.media, printer.facts));
  // Without page-ranges-supported the connector has already cut the pages; sending it would be refused.
  if (ticket.pageRanges && ticket.pageRanges.length > 0 && printer.capabilities.pageRanges) {
    // RFC 8011 section 5.2.7: ascending and not overlapping, or printers refuse the job.
    attributes['page-ranges'] = normalisePageRanges(ticket.pageRanges).map(([lower, upper]) => ({
      lower,
      upper,
    }));
  }
  if (ticket.numberUp !== undefined) attributes['number-up'] = ticket.numberUp;
  if (ticket.orientation) attributes['orientation-requested'] = ticket.orientation;
  if (ticket.quality) attributes['print-quality'] = ticket.quality;
  if (ticket.finishings && ticket.finishings.length > 0) attributes.finishings = [...ticket.finishings];
  return attributes;
}

/**
 * media (RFC 8011 section 5.2.11) whenever the printer lists media-supported, even if it also takes
 * media-col: the keyword is the older, simpler form every such printer matches by name, while media-col
 * must match a media-size exactly and may pull in a database entry's source or margins. A printer that
 * knows only media-col (PWG 5100.7) gets the size alone: media-size-name is left out because
 * some printers check it against media-supported, which such a printer does not have.
 */
function mediaAttribute(id: string, facts: PrinterProtocolFacts): IppAttributesInput {
  const size = mediaSizeFromName(id);
  if (facts.mediaKeyword || !facts.mediaCol || !size) return { media: id };
  return { 'media-col': { 'media-size': { 'x-dimension': size.x, 'y-dimension': size.y } } };
}

const OPTION_OF_ATTRIBUTE: Readonly<Record<string, string>> = {
  copies: 'copies',
  sides: 'sides',
  'print-color-mode': 'color',
  media: 'media',
  'media-col': 'media',
  'page-ranges': 'pageRanges',
  'number-up': 'numberUp',
  'orientation-requested': 'orientation',
  'print-quality': 'quality',
  finishings: 'finishings',
  'finishings-col': 'finishings',
};

/** Our ticket options named by a printer's unsupported-attributes group (RFC 8011 section 4.1.7); others ignored. */
export function unsupportedToOptions(names: readonly string[]): string[] {
  return unique(
    names
      .filter((name) => Object.hasOwn(OPTION_OF_ATTRIBUTE, name))
      .map((name) => OPTION_OF_ATTRIBUTE[name]!),
  );
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
    // Retried while tries remain; the message is what the person reads once they have run out.
    return new UpstreamError('printer_busy', 'The printer stayed busy. Try again in a minute.', {
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
