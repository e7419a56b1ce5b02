import { describe, expect, it } from 'vitest';
import { isPrintableType, sourceTypeOf } from '../../src/domain/document-formats.js';
import {
  chooseResolution,
  type DocumentPlan,
  mediaSizePoints,
  planDocument,
  planPullDocument,
  urfResolutions,
  urfSheetBack,
} from '../../src/domain/document-plan.js';
import { AppError } from '../../src/domain/errors.js';
import type {
  ConversionTools,
  PrinterDescription,
  PrintTicket,
  RasterFacts,
} from '../../src/domain/ports.js';

type Printer = Pick<PrinterDescription, 'capabilities' | 'facts'>;

function printer(
  documentFormats: string[],
  options: { pageRanges?: boolean; color?: boolean; raster?: Partial<RasterFacts> } = {},
): Printer {
  return {
    capabilities: {
      copies: { min: 1, max: 99 },
      sides: ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'],
      color: options.color === false ? ['monochrome'] : ['monochrome', 'color'],
      media: [{ id: 'iso_a4_210x297mm', name: 'A4' }],
      pageRanges: options.pageRanges ?? true,
      orientation: ['portrait'],
      numberUp: [1],
      quality: ['normal'],
      finishings: [],
      documentFormats,
    },
    facts: {
      mediaCol: true,
      mediaKeyword: true,
      validateJob: false,
      createJob: false,
      ippget: false,
      raster: { pwgResolutions: [], pwgTypes: [], pwgSheetBack: 'normal', urf: [], ...options.raster },
    },
  };
}

const PRINTERS = {
  /** Takes PDF and applies page ranges itself, like most office MFPs. */
  pdf: printer(['application/pdf', 'image/jpeg', 'image/pwg-raster', 'image/urf']),
  /** A PDF printer that takes images and text as they are. */
  everything: printer([
    'application/pdf',
    'image/jpeg',
    'image/png',
    'image/tiff',
    'image/gif',
    'image/bmp',
    'image/webp',
    'text/plain',
    'image/pwg-raster',
  ]),
  /** IPP Everywhere at its minimum: PWG raster and JPEG, no page ranges (ippeveprinter's default). */
  raster: printer(['image/pwg-raster', 'image/jpeg'], {
    pageRanges: false,
    raster: {
      pwgResolutions: [
        [150, 150],
        [300, 300],
        [600, 600],
      ],
      pwgTypes: ['sgray_8', 'srgb_8'],
      pwgSheetBack: 'rotated',
    },
  }),
  /** AirPrint only. */
  urf: printer(['image/urf'], {
    pageRanges: false,
    raster: { urf: ['V1.4', 'CP1', 'W8', 'SRGB24', 'RS300-600', 'DM2'] },
  }),
  /** PDF without page-ranges-supported. */
  noRanges: printer(['application/pdf'], { pageRanges: false }),
  /** document-format-supported missing or empty: assumed to take PDF. */
  silent: printer([]),
  /** A photo kiosk: JPEG only. */
  jpegOnly: printer(['image/jpeg'], { pageRanges: false }),
  /** A monochrome raster printer that offers only grey. */
  greyRaster: printer(['image/pwg-raster'], {
    color: false,
    raster: { pwgResolutions: [[600, 600]], pwgTypes: ['sgray_8', 'black_1'], pwgSheetBack: 'flipped' },
  }),
} satisfies Record<string, Printer>;

const ALL_TOOLS: ConversionTools = { libreoffice: true, ghostscript: true };
const NO_TOOLS: ConversionTools = { libreoffice: false, ghostscript: false };
const NO_OFFICE: ConversionTools = { libreoffice: false, ghostscript: true };
const NO_GS: ConversionTools = { libreoffice: true, ghostscript: false };

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const RANGES: PrintTicket = { pageRanges: [[2, 3]] };
const FIRST_PAGE: PrintTicket = { pageRanges: [[1, 1]] };

const file = (mimeType: string, name = 'file') => ({ mimeType, name });
const kinds = (plan: DocumentPlan) => plan.steps.map((s) => s.kind);

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('planDocument: what is fetched, what is done, what is sent', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[string, { mimeType: string; name?: string }, Printer, PrintTicket, ConversionTools, string, string[]]>([
    // [what, file, printer, ticket, tools, documentFormat, steps]
    ['a PDF to a PDF printer', file('application/pdf'), PRINTERS.pdf, {}, ALL_TOOLS, 'application/pdf', []],
    ['a Google Doc is exported', file('application/vnd.google-apps.document'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', []],
    ['a Google Sheet', file('application/vnd.google-apps.spreadsheet'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', []],
    ['a Google Slides deck', file('application/vnd.google-apps.presentation'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', []],
    ['a Google Drawing', file('application/vnd.google-apps.drawing'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', []],
    ['a JPEG the printer takes', file('image/jpeg'), PRINTERS.pdf, {}, NO_TOOLS, 'image/jpeg', []],
    ['image/jpg is JPEG', file('image/jpg'), PRINTERS.pdf, {}, NO_TOOLS, 'image/jpeg', []],
    ['image/pjpeg is JPEG', file('image/pjpeg'), PRINTERS.pdf, {}, NO_TOOLS, 'image/jpeg', []],
    ['a PNG the printer does not list', file('image/png'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', ['image-to-pdf']],
    ['a PNG the printer lists', file('image/png'), PRINTERS.everything, {}, NO_TOOLS, 'image/png', []],
    ['a TIFF', file('image/tiff'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', ['image-to-pdf']],
    ['a GIF', file('image/gif'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', ['image-to-pdf']],
    ['a BMP', file('image/bmp'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', ['image-to-pdf']],
    ['a WebP', file('image/webp'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', ['image-to-pdf']],
    ['a listed WebP goes as it is', file('image/webp'), PRINTERS.everything, {}, NO_TOOLS, 'image/webp', []],
    ['text the printer does not take', file('text/plain'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', ['text-to-pdf']],
    ['text the printer takes', file('text/plain; charset=utf-8'), PRINTERS.everything, {}, NO_TOOLS, 'text/plain', []],
    ['a DOCX', file(DOCX), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['an old .doc', file('application/msword'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['an XLSX', file('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['a macro-enabled workbook', file('application/vnd.ms-excel.sheet.macroEnabled.12'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['a PPTX', file('application/vnd.openxmlformats-officedocument.presentationml.presentation'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['an ODT', file('application/vnd.oasis.opendocument.text'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['an ODS', file('application/vnd.oasis.opendocument.spreadsheet'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['an ODP', file('application/vnd.oasis.opendocument.presentation'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['an ODG', file('application/vnd.oasis.opendocument.graphics'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['RTF', file('text/rtf'), PRINTERS.pdf, {}, NO_GS, 'application/pdf', ['office-to-pdf']],
    ['octet-stream named .pdf', file('application/octet-stream', 'scan.PDF'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', []],
    ['octet-stream named .docx', file('application/octet-stream', 'brief.docx'), PRINTERS.pdf, {}, ALL_TOOLS, 'application/pdf', ['office-to-pdf']],
    ['octet-stream named .jpeg', file('application/octet-stream', 'photo.jpeg'), PRINTERS.pdf, {}, NO_TOOLS, 'image/jpeg', []],
    ['type case and parameters are ignored', file('Application/PDF; name="x.pdf"'), PRINTERS.pdf, {}, NO_TOOLS, 'application/pdf', []],
    ['a PDF to an empty format list', file('application/pdf'), PRINTERS.silent, {}, NO_TOOLS, 'application/pdf', []],
    ['a JPEG to an empty format list', file('image/jpeg'), PRINTERS.silent, {}, NO_TOOLS, 'application/pdf', ['image-to-pdf']],
    ['text to an empty format list', file('text/plain'), PRINTERS.silent, {}, NO_TOOLS, 'application/pdf', ['text-to-pdf']],
    ['a PDF to a raster printer', file('application/pdf'), PRINTERS.raster, {}, ALL_TOOLS, 'image/pwg-raster', ['rasterize']],
    ['a JPEG to a raster printer that takes JPEG', file('image/jpeg'), PRINTERS.raster, {}, NO_TOOLS, 'image/jpeg', []],
    ['a PNG to a raster printer', file('image/png'), PRINTERS.raster, {}, ALL_TOOLS, 'image/pwg-raster', ['image-to-pdf', 'rasterize']],
    ['a DOCX to a raster printer', file(DOCX), PRINTERS.raster, {}, ALL_TOOLS, 'image/pwg-raster', ['office-to-pdf', 'rasterize']],
    ['a Google Doc to a raster printer', file('application/vnd.google-apps.document'), PRINTERS.raster, {}, ALL_TOOLS, 'image/pwg-raster', ['rasterize']],
    ['a PDF to an AirPrint printer', file('application/pdf'), PRINTERS.urf, {}, ALL_TOOLS, 'image/urf', ['rasterize']],
    ['text to an AirPrint printer', file('text/plain'), PRINTERS.urf, {}, ALL_TOOLS, 'image/urf', ['text-to-pdf', 'rasterize']],
    ['a JPEG to a JPEG-only printer', file('image/jpeg'), PRINTERS.jpegOnly, {}, NO_TOOLS, 'image/jpeg', []],
    ['a PWG raster file to a raster printer', file('image/pwg-raster'), PRINTERS.raster, {}, NO_TOOLS, 'image/pwg-raster', []],
    // Page ranges.
    ['ranges the printer applies', file('application/pdf'), PRINTERS.pdf, RANGES, NO_TOOLS, 'application/pdf', []],
    ['ranges on a printer without them', file('application/pdf'), PRINTERS.noRanges, RANGES, NO_TOOLS, 'application/pdf', ['select-pages']],
    ['ranges before rasterising', file('application/pdf'), PRINTERS.raster, RANGES, ALL_TOOLS, 'image/pwg-raster', ['select-pages', 'rasterize']],
    ['ranges of a converted DOCX', file(DOCX), PRINTERS.noRanges, RANGES, ALL_TOOLS, 'application/pdf', ['office-to-pdf', 'select-pages']],
    ['ranges of an exported Google Doc', file('application/vnd.google-apps.document'), PRINTERS.noRanges, RANGES, NO_TOOLS, 'application/pdf', ['select-pages']],
    ['ranges of listed text on a printer without them', file('text/plain'), printer(['application/pdf', 'text/plain'], { pageRanges: false }), RANGES, NO_TOOLS, 'application/pdf', ['text-to-pdf', 'select-pages']],
    ['ranges of listed text on a printer with them', file('text/plain'), PRINTERS.everything, RANGES, NO_TOOLS, 'text/plain', []],
    ['page 1 of a JPEG on a printer without ranges', file('image/jpeg'), PRINTERS.jpegOnly, FIRST_PAGE, NO_TOOLS, 'image/jpeg', []],
    ['ranges of a listed TIFF on a printer without them', file('image/tiff'), printer(['application/pdf', 'image/tiff'], { pageRanges: false }), RANGES, NO_TOOLS, 'application/pdf', ['image-to-pdf', 'select-pages']],
  ])('%s', (_what, source, target, ticket, tools, documentFormat, steps) => {
    const plan = planDocument({ name: 'file', ...source }, target, ticket, tools);
    expect(plan.documentFormat).toBe(documentFormat);
    expect(kinds(plan)).toEqual(steps);
    expect(plan.source).toBe(
      source.mimeType.startsWith('application/vnd.google-apps.') ? 'export' : 'download',
    );
    const cut = plan.steps.find((s) => s.kind === 'select-pages');
    if (cut) {
      expect(cut.ranges).toEqual(ticket.pageRanges);
      expect(plan.ticket.pageRanges).toBeUndefined();
    }
  });

  it('keeps the ticket as it is when the printer applies the ranges', () => {
    const ticket: PrintTicket = { copies: 2, sides: 'two-sided-long-edge', pageRanges: [[2, 3]] };
    expect(planDocument(file('application/pdf'), PRINTERS.pdf, ticket, NO_TOOLS).ticket).toEqual(ticket);
  });

  it('drops only the ranges when it cuts the pages itself', () => {
    const plan = planDocument(file('application/pdf'), PRINTERS.noRanges, { copies: 2, ...RANGES }, NO_TOOLS);
    expect(plan.ticket).toEqual({ copies: 2 });
  });

  it('drops the ranges of a single image that holds the chosen page', () => {
    expect(planDocument(file('image/jpeg'), PRINTERS.jpegOnly, FIRST_PAGE, NO_TOOLS).ticket).toEqual({});
  });

  it('refuses pages a single image does not have', () => {
    const err = refusal(() => planDocument(file('image/jpeg'), PRINTERS.jpegOnly, RANGES, NO_TOOLS));
    expect([err.status, err.code]).toEqual([400, 'page_range_empty']);
  });
});

describe('planDocument: refusals', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[string, { mimeType: string; name?: string }, Printer, ConversionTools, RegExp]>([
    ['a zip file', file('application/zip'), PRINTERS.pdf, ALL_TOOLS, /cannot be printed.*You can print PDF/],
    ['a video', file('video/mp4'), PRINTERS.pdf, ALL_TOOLS, /cannot be printed/],
    ['a folder', file('application/vnd.google-apps.folder'), PRINTERS.pdf, ALL_TOOLS, /cannot be printed/],
    ['a Google Form', file('application/vnd.google-apps.form'), PRINTERS.pdf, ALL_TOOLS, /cannot be printed/],
    ['octet-stream without a known name', file('application/octet-stream', 'data.bin'), PRINTERS.pdf, ALL_TOOLS, /cannot be printed/],
    ['a DOCX without LibreOffice', file(DOCX), PRINTERS.pdf, NO_OFFICE, /LibreOffice is not installed on the connector/],
    ['an ODT without LibreOffice', file('application/vnd.oasis.opendocument.text'), PRINTERS.pdf, NO_TOOLS, /LibreOffice is not installed/],
    ['a PDF to a raster printer without Ghostscript', file('application/pdf'), PRINTERS.raster, NO_GS, /Ghostscript.*not installed.*JPEG/],
    ['a PNG to an AirPrint printer without Ghostscript', file('image/png'), PRINTERS.urf, NO_GS, /only takes raster/],
    ['a PDF to a JPEG-only printer', file('application/pdf'), PRINTERS.jpegOnly, ALL_TOOLS, /no format the connector can make/],
    ['a PNG to a JPEG-only printer', file('image/png'), PRINTERS.jpegOnly, ALL_TOOLS, /no format the connector can make/],
    ['a URF file to a PDF-only printer', file('image/urf'), PRINTERS.noRanges, ALL_TOOLS, /does not take URF raster files/],
  ])('%s is refused with 415', (_what, source, target, tools, message) => {
    const err = refusal(() => planDocument({ name: 'file', ...source }, target, {}, tools));
    expect(err.status).toBe(415);
    expect(err.code).toBe('unsupported_type');
    expect(err.message).toMatch(message);
  });

  it('names Office files among what can be printed only when LibreOffice is there', () => {
    const withOffice = refusal(() => planDocument(file('application/zip'), PRINTERS.pdf, {}, ALL_TOOLS));
    const without = refusal(() => planDocument(file('application/zip'), PRINTERS.pdf, {}, NO_OFFICE));
    expect(withOffice.message).toMatch(/Word, Excel, PowerPoint/);
    expect(without.message).not.toMatch(/Word/);
  });
});

describe('planDocument: raster options', () => {
  const rasterOf = (plan: DocumentPlan) => {
    const step = plan.steps.find((s) => s.kind === 'rasterize');
    if (!step) throw new Error('no rasterize step');
    return step.options;
  };

  it('PWG raster at 300 dpi in colour for a colour printer with nothing chosen', () => {
    const options = rasterOf(planDocument(file('application/pdf'), PRINTERS.raster, {}, ALL_TOOLS));
    expect(options).toEqual({
      format: 'image/pwg-raster',
      resolution: [300, 300],
      color: true,
      sides: 'one-sided',
      sheetBack: 'rotated',
      pageSize: null,
    });
  });

  it.each<[PrintTicket, Printer, boolean]>([
    [{ color: 'monochrome' }, PRINTERS.raster, false],
    [{ color: 'color' }, PRINTERS.raster, true],
    [{}, printer(['image/pwg-raster'], { color: false, raster: { pwgTypes: ['sgray_8', 'srgb_8'] } }), false],
    [{ color: 'color' }, PRINTERS.greyRaster, false],
    [{ color: 'monochrome' }, printer(['image/pwg-raster'], { raster: { pwgTypes: ['srgb_8'] } }), true],
    [{ color: 'color' }, PRINTERS.urf, true],
    [{ color: 'monochrome' }, PRINTERS.urf, false],
    [{ color: 'color' }, printer(['image/urf'], { raster: { urf: ['W8', 'RS300'] } }), false],
  ])('colour for %j on a printer is %s', (ticket, target, color) => {
    expect(rasterOf(planDocument(file('application/pdf'), target, ticket, ALL_TOOLS)).color).toBe(color);
  });

  it('takes sides from the ticket, sheet-back from the printer and the paper size from the media name', () => {
    const ticket: PrintTicket = { sides: 'two-sided-short-edge', media: 'na_letter_8.5x11in' };
    const options = rasterOf(planDocument(file('application/pdf'), PRINTERS.greyRaster, ticket, ALL_TOOLS));
    expect(options).toMatchObject({
      resolution: [600, 600],
      sides: 'two-sided-short-edge',
      sheetBack: 'flipped',
      pageSize: [612, 792],
    });
  });

  it('URF: resolution from RS, sheet-back from DM', () => {
    const options = rasterOf(
      planDocument(file('application/pdf'), PRINTERS.urf, { media: 'iso_a4_210x297mm' }, ALL_TOOLS),
    );
    expect(options).toEqual({
      format: 'image/urf',
      resolution: [300, 300],
      color: true,
      sides: 'one-sided',
      sheetBack: 'flipped',
      pageSize: [595.28, 841.89],
    });
  });

  it('prefers PWG raster when the printer offers both raster formats', () => {
    const both = printer(['image/urf', 'image/pwg-raster'], { raster: { pwgTypes: ['sgray_8'] } });
    expect(planDocument(file('application/pdf'), both, {}, ALL_TOOLS).documentFormat).toBe(
      'image/pwg-raster',
    );
  });
});

describe('planDocument never plans a format the printer does not list', () => {
  const files = [
    'application/pdf',
    'application/vnd.google-apps.document',
    'application/vnd.google-apps.presentation',
    'image/jpeg',
    'image/png',
    'image/tiff',
    'image/gif',
    'image/bmp',
    'image/webp',
    'text/plain',
    DOCX,
    'application/vnd.oasis.opendocument.spreadsheet',
    'image/pwg-raster',
    'image/urf',
    'application/zip',
    'application/octet-stream',
  ];
  const formatLists = [
    [],
    ['application/pdf'],
    ['image/jpeg'],
    ['image/pwg-raster'],
    ['image/urf'],
    ['image/pwg-raster', 'image/jpeg'],
    ['image/urf', 'image/jpeg', 'image/png'],
    ['application/pdf', 'image/jpeg', 'image/png', 'text/plain'],
    ['text/plain'],
    ['image/tiff', 'image/gif', 'image/bmp', 'image/webp'],
  ];
  const tickets: PrintTicket[] = [{}, RANGES, FIRST_PAGE, { color: 'color', sides: 'two-sided-long-edge' }];
  const toolSets = [ALL_TOOLS, NO_TOOLS, NO_OFFICE, NO_GS];

  const cases = files.flatMap((mimeType) =>
    formatLists.flatMap((formats) =>
      [true, false].flatMap((pageRanges) =>
        tickets.flatMap((ticket) =>
          toolSets.map((tools) => ({ mimeType, formats, pageRanges, ticket, tools })),
        ),
      ),
    ),
  );

  it(`holds for ${cases.length} combinations`, () => {
    let planned = 0;
    for (const { mimeType, formats, pageRanges, ticket, tools } of cases) {
      const target = printer(formats, {
        pageRanges,
        raster: { pwgTypes: ['sgray_8', 'srgb_8'], urf: ['W8', 'RS300'] },
      });
      let plan: DocumentPlan;
      try {
        plan = planDocument(file(mimeType), target, ticket, tools);
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect([400, 415]).toContain((err as AppError).status);
        continue;
      }
      planned++;
      const listed = formats.length === 0 ? ['application/pdf'] : formats;
      expect(listed, `${mimeType} to [${formats}]`).toContain(plan.documentFormat);
      const steps = kinds(plan);
      if (!tools.libreoffice) expect(steps).not.toContain('office-to-pdf');
      if (!tools.ghostscript) expect(steps).not.toContain('rasterize');
      // Raster is made here exactly when raster is sent that the file was not already.
      const rasterSent = plan.documentFormat === 'image/pwg-raster' || plan.documentFormat === 'image/urf';
      expect(steps.includes('rasterize')).toBe(rasterSent && mimeType !== plan.documentFormat);
      // Ranges are either left to the printer or cut here, never both and never lost.
      const cut = steps.includes('select-pages');
      if (ticket.pageRanges && plan.ticket.pageRanges === undefined && !cut) {
        expect(plan.steps).toEqual([]); // a single image that holds page 1
      }
      if (cut) expect(plan.ticket.pageRanges).toBeUndefined();
      if (plan.ticket.pageRanges) expect(pageRanges || steps.length === 0).toBe(true);
    }
    expect(planned).toBeGreaterThan(100);
  });
});

describe('mediaSizePoints', () => {
  it.each<[string, [number, number] | null]>([
    ['iso_a4_210x297mm', [595.28, 841.89]],
    ['na_letter_8.5x11in', [612, 792]],
    ['iso_a3_297x420mm', [841.89, 1190.55]],
    ['na_legal_8.5x14in', [612, 1008]],
    ['custom_photo_100x150mm', [283.46, 425.2]],
    ['iso_a4', null],
    ['a4', null],
    ['custom_0x0mm', null],
  ])('%s -> %j', (media, size) => {
    expect(mediaSizePoints(media)).toEqual(size);
  });
});

describe('chooseResolution', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[Array<[number, number]>, [number, number] | null]>([
    [[[150, 150], [300, 300], [600, 600]], [300, 300]],
    [[[600, 600], [1200, 1200]], [600, 600]],
    [[[300, 600], [600, 600]], [300, 600]],
    [[[100, 100], [200, 200]], [200, 200]],
    [[], null],
  ])('%j -> %j', (offered, chosen) => {
    expect(chooseResolution(offered)).toEqual(chosen);
  });
});

describe('URF keywords', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[string[], Array<[number, number]>]>([
    [['RS300'], [[300, 300]]],
    [['W8', 'RS300-600'], [[300, 300], [600, 600]]],
    [['W8'], []],
  ])('RS in %j', (urf, resolutions) => {
    expect(urfResolutions(urf)).toEqual(resolutions);
  });

  it.each<[string[], RasterFacts['pwgSheetBack']]>([
    [['DM1'], 'normal'],
    [['DM2'], 'flipped'],
    [['DM3'], 'rotated'],
    [['DM4'], 'manual-tumble'],
    [['W8'], 'normal'],
  ])('DM in %j', (urf, sheetBack) => {
    expect(urfSheetBack(urf)).toBe(sheetBack);
  });
});

describe('sourceTypeOf and isPrintableType', () => {
  it.each<[string, string, string, string]>([
    ['image/JPG', '', 'image', 'image/jpeg'],
    ['application/octet-stream', 'Report.DOCX', 'office', DOCX],
    ['', 'notes.txt', 'text', 'text/plain'],
    ['application/octet-stream', 'archive.zip', 'unsupported', 'application/octet-stream'],
    ['application/octet-stream', '.pdf', 'unsupported', 'application/octet-stream'],
    ['text/plain; charset=ISO-8859-1', '', 'text', 'text/plain'],
    ['image/x-ms-bmp', '', 'image', 'image/bmp'],
    [
      'application/vnd.google-apps.spreadsheet',
      '',
      'google-editor',
      'application/vnd.google-apps.spreadsheet',
    ],
  ])('%s named %s is %s (%s)', (mimeType, name, kind, normalised) => {
    expect(sourceTypeOf(mimeType, name)).toEqual({ kind, mimeType: normalised });
  });

  it.each<[string, ConversionTools, boolean]>([
    ['application/pdf', NO_TOOLS, true],
    ['image/webp', NO_TOOLS, true],
    [DOCX, ALL_TOOLS, true],
    [DOCX, NO_OFFICE, false],
    ['application/zip', ALL_TOOLS, false],
    ['application/vnd.google-apps.folder', ALL_TOOLS, false],
  ])('%s with %j printable: %s', (mimeType, tools, printable) => {
    expect(isPrintableType(mimeType, tools)).toBe(printable);
  });
});

describe('raster made for options the person left alone follows the printer defaults', () => {
  const withDefaults = (defaults: Partial<PrinterDescription['defaults']>) => ({
    ...PRINTERS.raster,
    defaults: {
      copies: 1,
      sides: null,
      color: null,
      media: null,
      orientation: null,
      numberUp: null,
      quality: null,
      finishings: [],
      ...defaults,
    },
  });
  const rasterOf = (plan: DocumentPlan) => {
    const step = plan.steps.find((s) => s.kind === 'rasterize');
    if (step?.kind !== 'rasterize') throw new Error('no raster step');
    return step.options;
  };

  it.each<[Partial<PrinterDescription['defaults']>, PrintTicket, Record<string, unknown>]>([
    [{ media: 'na_letter_8.5x11in' }, {}, { pageSize: [612, 792] }],
    [{ media: 'na_letter_8.5x11in' }, { media: 'iso_a4_210x297mm' }, { pageSize: [595.28, 841.89] }],
    [{ sides: 'two-sided-long-edge' }, {}, { sides: 'two-sided-long-edge' }],
    [{ sides: 'two-sided-long-edge' }, { sides: 'one-sided' }, { sides: 'one-sided' }],
    [{ color: 'monochrome' }, {}, { color: false }],
    [{ color: 'monochrome' }, { color: 'color' }, { color: true }],
    [{}, {}, { color: true, sides: 'one-sided', pageSize: null }],
  ])('defaults %j, ticket %j -> %j', (defaults, ticket, expected) => {
    const plan = planDocument(file('application/pdf'), withDefaults(defaults), ticket, ALL_TOOLS);
    const options = rasterOf(plan);
    for (const [key, value] of Object.entries(expected)) {
      if (key === 'pageSize' && Array.isArray(value)) {
        expect(options.pageSize?.[0]).toBeCloseTo(value[0] as number, 1);
        expect(options.pageSize?.[1]).toBeCloseTo(value[1] as number, 1);
      } else expect(options[key as keyof typeof options]).toEqual(value);
    }
  });
});

describe('planPullDocument: one PDF a device fetches, with only the chosen pages', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[string, { mimeType: string; name?: string }, PrintTicket, ConversionTools, 'download' | 'export', string[]]>([
    // [what, file, ticket, tools, source, steps]
    ['a PDF as it is', file('application/pdf'), {}, NO_TOOLS, 'download', []],
    ['a PDF cut to the chosen pages', file('application/pdf'), RANGES, NO_TOOLS, 'download', ['select-pages']],
    ['a Google Doc exported', file('application/vnd.google-apps.document'), {}, NO_TOOLS, 'export', []],
    ['a Google Doc exported and cut', file('application/vnd.google-apps.document'), RANGES, NO_TOOLS, 'export', ['select-pages']],
    ['a PNG made a PDF', file('image/png'), {}, NO_TOOLS, 'download', ['image-to-pdf']],
    ['a JPEG made a PDF (never sent as JPEG)', file('image/jpeg'), {}, NO_TOOLS, 'download', ['image-to-pdf']],
    ['a TIFF made a PDF and cut', file('image/tiff'), RANGES, NO_TOOLS, 'download', ['image-to-pdf', 'select-pages']],
    ['plain text made a PDF', file('text/plain'), {}, NO_TOOLS, 'download', ['text-to-pdf']],
    ['a DOCX with LibreOffice', file(DOCX), {}, NO_GS, 'download', ['office-to-pdf']],
  ])('%s', (_what, source, ticket, tools, fetched, steps) => {
    const plan = planPullDocument({ name: 'file', ...source }, ticket, tools);
    expect(plan.documentFormat).toBe('application/pdf');
    expect(plan.source).toBe(fetched);
    expect(kinds(plan)).toEqual(steps);
    // Nothing is left for a device to apply: pages are cut here.
    expect(plan.ticket).toEqual({});
    expect(plan.steps.some((s) => s.kind === 'rasterize')).toBe(false);
  });

  // biome-ignore format: one case a line reads as a table
  it.each<[string, { mimeType: string; name?: string }, ConversionTools, number]>([
    ['a zip file', file('application/zip'), ALL_TOOLS, 415],
    ['a DOCX without LibreOffice', file(DOCX), NO_OFFICE, 415],
    ['a PWG raster file (cannot become a PDF)', file('image/pwg-raster'), ALL_TOOLS, 415],
  ])('refuses %s', (_what, source, tools, status) => {
    expect(refusal(() => planPullDocument({ name: 'file', ...source }, {}, tools)).status).toBe(status);
  });
});
