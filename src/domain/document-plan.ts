// How a Drive file reaches a printer: fetched (downloaded or exported), converted where it must be,
// and sent in a format the printer lists. One pure decision, table-tested.

import {
  JPEG,
  PDF,
  PWG_RASTER,
  printableTypesSentence,
  type SourceType,
  sourceTypeOf,
  URF,
} from './document-formats.js';
import { BadInputError, UnsupportedTypeError } from './errors.js';
import type {
  ConversionTools,
  PrinterDescription,
  PrintTicket,
  RasterFacts,
  RasterOptions,
  Sides,
} from './ports.js';

export type DocumentStep =
  | { kind: 'office-to-pdf' }
  | { kind: 'image-to-pdf'; mimeType: string }
  | { kind: 'text-to-pdf' }
  | { kind: 'select-pages'; ranges: Array<[number, number]> }
  | { kind: 'rasterize'; options: RasterOptions };

export interface DocumentPlan {
  /** Download the file's own bytes, or export a Google editor file to PDF. */
  source: 'download' | 'export';
  /** Conversions in order, each from the previous file to a new one. */
  steps: DocumentStep[];
  /** The document-format sent; always one the printer lists. */
  documentFormat: string;
  /** The ticket to send: without pageRanges when the connector cut the pages itself. */
  ticket: PrintTicket;
}

/** The printer's defaults, when known, stand in for options the person left alone (raster is made here). */
type Printer = Pick<PrinterDescription, 'capabilities' | 'facts'> &
  Partial<Pick<PrinterDescription, 'defaults'>>;

/** What a PDF becomes before it is sent: itself, or raster made by Ghostscript. */
type Delivery = { format: typeof PDF } | { format: typeof PWG_RASTER | typeof URF };

const RASTER_NAMES: Readonly<Record<string, string>> = { [PWG_RASTER]: 'PWG raster', [URF]: 'URF raster' };

/**
 * How to print `file` on `printer` with `ticket`, given the tools installed now. Throws
 * UnsupportedTypeError (415) when the file, or this printer, cannot be served, and BadInputError when the
 * chosen pages cannot be in a one-page image. Never plans a document-format the printer does not list; a
 * printer that lists none is taken to print PDF.
 */
export function planDocument(
  file: { mimeType: string; name: string },
  printer: Printer,
  ticket: PrintTicket,
  tools: ConversionTools,
): DocumentPlan {
  const type = sourceTypeOf(file.mimeType, file.name);
  const takes = takesFormat(printer);
  if (type.kind === 'unsupported') {
    throw new UnsupportedTypeError(`This type of file cannot be printed. ${printableTypesSentence(tools)}`);
  }
  const direct = passThrough(type, printer, ticket, takes);
  if (direct) return direct;
  if (type.kind === 'raster') {
    throw new UnsupportedTypeError(
      `This printer does not take ${RASTER_NAMES[type.mimeType]} files, and the connector cannot convert them. ` +
        printableTypesSentence(tools),
    );
  }
  if (type.kind === 'office' && !tools.libreoffice) {
    throw new UnsupportedTypeError(
      'Word, Excel, PowerPoint and OpenDocument files cannot be printed: LibreOffice is not installed on ' +
        `the connector. ${printableTypesSentence({ ...tools, libreoffice: false })}`,
    );
  }
  const delivery = deliveryFor(printer, tools, takes);

  const steps: DocumentStep[] = [];
  if (type.kind === 'office') steps.push({ kind: 'office-to-pdf' });
  if (type.kind === 'image') steps.push({ kind: 'image-to-pdf', mimeType: type.mimeType });
  if (type.kind === 'text') steps.push({ kind: 'text-to-pdf' });

  const { pageRanges, ...rest } = ticket;
  const cutHere = pageRanges !== undefined && pageRanges.length > 0;
  // The printer applies page-ranges to a PDF when it says so; raster has no pages to pick from.
  const printerCuts = cutHere && delivery.format === PDF && printer.capabilities.pageRanges;
  if (cutHere && !printerCuts) steps.push({ kind: 'select-pages', ranges: pageRanges.map(copyRange) });
  if (delivery.format !== PDF) {
    steps.push({ kind: 'rasterize', options: rasterOptionsFor(delivery.format, printer, ticket) });
  }
  return {
    source: type.kind === 'google-editor' ? 'export' : 'download',
    steps,
    documentFormat: delivery.format,
    ticket: cutHere && !printerCuts ? rest : { ...ticket },
  };
}

/**
 * A device that fetches the document from a link (pull delivery) and prints it with its own settings:
 * it takes PDF only and cuts no pages, so everything becomes one PDF and chosen pages are cut here.
 */
const PDF_FETCHER: Printer = {
  capabilities: {
    copies: { min: 1, max: 1 },
    sides: [],
    color: [],
    media: [],
    pageRanges: false,
    orientation: [],
    numberUp: [],
    quality: [],
    finishings: [],
    documentFormats: [PDF],
  },
  facts: {
    mediaCol: false,
    mediaKeyword: false,
    validateJob: false,
    createJob: false,
    ippget: false,
    raster: { pwgResolutions: [], pwgTypes: [], pwgSheetBack: 'normal', urf: [] },
  },
};

/** How to make `file` a PDF a device can fetch (pull delivery), with only the chosen pages. */
export function planPullDocument(
  file: { mimeType: string; name: string },
  ticket: Pick<PrintTicket, 'pageRanges'>,
  tools: ConversionTools,
): DocumentPlan {
  return planDocument(file, PDF_FETCHER, ticket, tools);
}

/** document-format-supported as a test; an empty list means the printer did not say, and PDF is assumed. */
function takesFormat(printer: Printer): (format: string) => boolean {
  const formats = printer.capabilities.documentFormats;
  return (format) => (formats.length === 0 ? format === PDF : formats.includes(format));
}

/** The file as it is, when the printer lists its type and nothing must be done to it first. */
function passThrough(
  type: SourceType,
  printer: Printer,
  ticket: PrintTicket,
  takes: (format: string) => boolean,
): DocumentPlan | null {
  if (type.kind !== 'image' && type.kind !== 'text' && type.kind !== 'raster') return null;
  if (!takes(type.mimeType)) return null;
  const as = (sent: PrintTicket): DocumentPlan => ({
    source: 'download',
    steps: [],
    documentFormat: type.mimeType,
    ticket: sent,
  });
  const ranges = ticket.pageRanges ?? [];
  // Raster files cannot be cut here at all; the printer applies what it can.
  if (ranges.length === 0 || printer.capabilities.pageRanges || type.kind === 'raster')
    return as({ ...ticket });
  // A single-frame image is one page: the chosen pages either hold it or are empty.
  if (type.kind === 'image' && type.mimeType !== 'image/tiff') {
    if (!ranges.some(([first]) => first <= 1)) {
      throw new BadInputError('The document has 1 page; the chosen pages are not in it.', 'page_range_empty');
    }
    const { pageRanges: _all, ...rest } = ticket;
    return as(rest);
  }
  // Text and TIFF have pages the connector can pick only once they are a PDF.
  return null;
}

/** PDF when the printer takes it, else PWG raster, else URF (PWG 5100.14 requires one of the three). */
function deliveryFor(printer: Printer, tools: ConversionTools, takes: (format: string) => boolean): Delivery {
  if (takes(PDF)) return { format: PDF };
  const raster = takes(PWG_RASTER) ? PWG_RASTER : takes(URF) ? URF : null;
  if (!raster) {
    throw new UnsupportedTypeError(
      'This printer takes no format the connector can make (it needs PDF, PWG raster or URF).' +
        jpegOnly(printer),
    );
  }
  if (!tools.ghostscript) {
    throw new UnsupportedTypeError(
      'This printer only takes raster images, and Ghostscript, which makes them, is not installed on the ' +
        `connector.${jpegOnly(printer)}`,
    );
  }
  return { format: raster };
}

function jpegOnly(printer: Printer): string {
  return printer.capabilities.documentFormats.includes(JPEG) ? ' It can print JPEG photos as they are.' : '';
}

function copyRange(range: [number, number]): [number, number] {
  return [range[0], range[1]];
}

/**
 * Ghostscript settings for a printer that takes raster. Colour is used when the ticket asks for it, or
 * asks nothing and the printer prints colour (a PDF printer left to itself prints colour pages in colour;
 * grey raster would lose that), and only when the printer's raster types include 24-bit sRGB; it is also
 * used when the printer offers no 8-bit grey.
 */
export function rasterOptionsFor(
  format: typeof PWG_RASTER | typeof URF,
  printer: Printer,
  ticket: PrintTicket,
): RasterOptions {
  const raster = printer.facts.raster;
  const defaults = printer.defaults;
  const color = ticket.color ?? defaults?.color ?? undefined;
  const wantsColor =
    color === 'color' || (color === undefined && printer.capabilities.color.includes('color'));
  const offered =
    format === PWG_RASTER
      ? { color: raster.pwgTypes.includes('srgb_8'), grey: raster.pwgTypes.includes('sgray_8') }
      : { color: raster.urf.includes('SRGB24'), grey: raster.urf.includes('W8') };
  const resolutions = format === PWG_RASTER ? raster.pwgResolutions : urfResolutions(raster.urf);
  const sides: Sides = ticket.sides ?? defaults?.sides ?? 'one-sided';
  const media = ticket.media ?? defaults?.media ?? undefined;
  return {
    format,
    // PWG 5100.13 requires both attributes; 300 dpi is what every raster printer we know takes.
    resolution: chooseResolution(resolutions) ?? [300, 300],
    color: offered.color && (wantsColor || !offered.grey),
    sides,
    sheetBack: format === PWG_RASTER ? raster.pwgSheetBack : urfSheetBack(raster.urf),
    pageSize: media ? mediaSizePoints(media) : null,
  };
}

/**
 * 300x300 when offered (sharp text at a size printers process quickly), else the lowest above 300, else
 * the highest; null when nothing is offered.
 */
export function chooseResolution(offered: ReadonlyArray<readonly [number, number]>): [number, number] | null {
  const area = (r: readonly [number, number]) => r[0] * r[1];
  const exact = offered.find(([x, y]) => x === 300 && y === 300);
  if (exact) return [exact[0], exact[1]];
  const above = offered.filter(([x, y]) => x >= 300 && y >= 300).sort((a, b) => area(a) - area(b));
  const pick = above[0] ?? [...offered].sort((a, b) => area(b) - area(a))[0];
  return pick ? [pick[0], pick[1]] : null;
}

/** URF's RS keyword lists the square resolutions: RS300-600 is 300x300 and 600x600 dpi. */
export function urfResolutions(urf: readonly string[]): Array<[number, number]> {
  const rs = urf.find((k) => /^RS\d/i.test(k));
  if (!rs) return [];
  return rs
    .slice(2)
    .split('-')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .map((n): [number, number] => [n, n]);
}

/**
 * URF's DM keyword says what pwg-raster-document-sheet-back says for PWG raster (DM1 normal, DM2 flipped,
 * DM3 rotated, DM4 manual-tumble), as libcupsfilters reads it (cupsfilters/raster.c); none means normal.
 */
export function urfSheetBack(urf: readonly string[]): RasterFacts['pwgSheetBack'] {
  const dm = urf.find((k) => /^DM\d$/i.test(k))?.toUpperCase();
  if (dm === 'DM2') return 'flipped';
  if (dm === 'DM3') return 'rotated';
  if (dm === 'DM4') return 'manual-tumble';
  return 'normal';
}

const POINTS_PER: Readonly<Record<string, number>> = { mm: 72 / 25.4, in: 72 };

/**
 * Width and height in points of a PWG 5101.1 self-describing media name (iso_a4_210x297mm,
 * na_letter_8.5x11in), rounded to 1/100 point; null for a name without dimensions.
 */
export function mediaSizePoints(media: string): [number, number] | null {
  const match = /_(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|in)$/.exec(media);
  if (!match) return null;
  const scale = POINTS_PER[match[3]!]!;
  const width = Math.round(Number(match[1]) * scale * 100) / 100;
  const height = Math.round(Number(match[2]) * scale * 100) / 100;
  return width > 0 && height > 0 ? [width, height] : null;
}
