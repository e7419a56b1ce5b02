import { describe, expect, it } from 'vitest';
import {
  describePrinter,
  ippJobStateToPhase,
  printerEndpoint,
  printerStateToState,
  printerUriFromConfig,
  statusToError,
  ticketToJobAttributes,
  unsupportedToOptions,
} from '../../src/adapters/ipp-attributes.js';
import type { IppAttributes, IppValue } from '../../src/adapters/ipp-codec.js';
import { UpstreamError } from '../../src/domain/errors.js';
import type { PrinterDescription, PrintTicket } from '../../src/domain/ports.js';

/** A decoded printer-attributes group, as ipp-codec returns it (every value a list). */
function answer(attributes: Record<string, IppValue | IppValue[]>): IppAttributes {
  return new Map(Object.entries(attributes).map(([name, v]) => [name, Array.isArray(v) ? v : [v]]));
}

const a4Col = (extra: Record<string, unknown> = {}) => ({
  'media-size': { 'x-dimension': 21000, 'y-dimension': 29700 },
  ...extra,
});

// What ippeveprinter (CUPS 2.4, -f application/pdf,image/jpeg) answers, as decoded by ipp-codec.
const EVE: IppAttributes = answer({
  'printer-state': 'idle',
  'printer-state-reasons': 'none',
  'printer-is-accepting-jobs': true,
  'operations-supported': ['Print-Job', 'Validate-Job', 'Cancel-Job', 'Get-Printer-Attributes'],
  'document-format-supported': ['application/octet-stream', 'application/pdf', 'image/jpeg'],
  'copies-supported': { lower: 1, upper: 999 },
  'copies-default': 1,
  'sides-supported': 'one-sided',
  'sides-default': 'one-sided',
  'print-color-mode-supported': 'monochrome',
  'print-color-mode-default': 'monochrome',
  'color-supported': false,
  'media-supported': [
    'na_letter_8.5x11in',
    'na_legal_8.5x14in',
    'iso_a4_210x297mm',
    'na_number-10_4.125x9.5in',
    'iso_dl_110x220mm',
  ],
  'media-ready': ['na_letter_8.5x11in', 'na_number-10_4.125x9.5in'],
  'media-default': 'na_letter_8.5x11in',
  'media-col-supported': ['media-bottom-margin', 'media-size', 'media-size-name', 'media-source'],
  'media-col-ready': [
    {
      'media-key': 'na_letter_8.5x11in_main_stationery',
      'media-size': { 'x-dimension': 21590, 'y-dimension': 27940 },
      'media-size-name': 'na_letter_8.5x11in',
    },
  ],
  'media-col-default': {
    'media-size': { 'x-dimension': 21590, 'y-dimension': 27940 },
    'media-size-name': 'na_letter_8.5x11in',
  },
  'page-ranges-supported': true,
  'orientation-requested-supported': ['portrait', 'landscape', 'reverse-landscape', 'reverse-portrait'],
  'orientation-requested-default': 'portrait',
  'print-quality-supported': ['draft', 'normal', 'high'],
  'print-quality-default': 'normal',
  'finishings-supported': 'none',
  'finishings-default': 'none',
});

const EVE_DESCRIPTION: PrinterDescription = {
  state: 'idle',
  stateReasons: [],
  capabilities: {
    copies: { min: 1, max: 999 },
    sides: ['one-sided'],
    color: ['monochrome'],
    media: [
      { id: 'na_letter_8.5x11in', name: 'Letter' },
      { id: 'na_number-10_4.125x9.5in', name: 'Envelope #10' },
      { id: 'na_legal_8.5x14in', name: 'Legal' },
      { id: 'iso_a4_210x297mm', name: 'A4' },
      { id: 'iso_dl_110x220mm', name: 'Envelope DL' },
    ],
    pageRanges: true,
    orientation: ['portrait', 'landscape'],
    numberUp: [1],
    quality: ['draft', 'normal', 'high'],
    finishings: [],
    documentFormats: ['application/pdf', 'image/jpeg'],
  },
  defaults: {
    copies: 1,
    sides: 'one-sided',
    color: 'monochrome',
    media: 'na_letter_8.5x11in',
    orientation: 'portrait',
    numberUp: null,
    quality: 'normal',
    finishings: [],
  },
  facts: {
    mediaCol: true,
    mediaKeyword: true,
    validateJob: true,
    createJob: false,
    ippget: false,
    raster: { pwgResolutions: [], pwgTypes: [], pwgSheetBack: 'normal', urf: [] },
  },
};

describe('describePrinter', () => {
  it('reads an ippeveprinter answer', () => {
    expect(describePrinter(EVE)).toEqual(EVE_DESCRIPTION);
  });

  it('reads an empty answer as a printer that offers the least', () => {
    expect(describePrinter(answer({}))).toEqual({
      state: 'idle',
      stateReasons: [],
      capabilities: {
        copies: { min: 1, max: 1 },
        sides: ['one-sided'],
        color: ['monochrome'],
        media: [],
        pageRanges: false,
        orientation: [],
        numberUp: [1],
        quality: [],
        finishings: [],
        documentFormats: [],
      },
      defaults: {
        copies: 1,
        sides: null,
        color: null,
        media: null,
        orientation: null,
        numberUp: null,
        quality: null,
        finishings: [],
      },
      facts: {
        mediaCol: false,
        mediaKeyword: false,
        validateJob: false,
        createJob: false,
        ippget: false,
        raster: { pwgResolutions: [], pwgTypes: [], pwgSheetBack: 'normal', urf: [] },
      },
    });
  });

  it.each<[string, Record<string, IppValue | IppValue[]>, Partial<PrinterDescription>]>([
    ['processing', { 'printer-state': 'processing' }, { state: 'processing' }],
    ['stopped by number', { 'printer-state': 5 }, { state: 'stopped' }],
    [
      'not accepting jobs',
      { 'printer-state': 'idle', 'printer-is-accepting-jobs': false },
      { state: 'stopped' },
    ],
    ['an unknown state', { 'printer-state': 9 }, { state: 'idle' }],
    [
      'reasons without none and severity suffixes',
      {
        'printer-state-reasons': [
          'media-empty-error',
          'toner-low-report',
          'door-open-warning',
          'media-jam',
          'none',
          'media-empty-warning',
        ],
      },
      { stateReasons: ['media-empty', 'toner-low', 'door-open', 'media-jam'] },
    ],
  ])('state: %s', (_name, attributes, expected) => {
    expect(describePrinter(answer(attributes))).toMatchObject(expected);
  });

  it.each<[string, Record<string, IppValue | IppValue[]>, Partial<PrinterDescription['capabilities']>]>([
    ['copies range', { 'copies-supported': { lower: 1, upper: 99 } }, { copies: { min: 1, max: 99 } }],
    ['copies as an integer', { 'copies-supported': 50 }, { copies: { min: 1, max: 50 } }],
    [
      'duplex, in our order',
      { 'sides-supported': ['two-sided-short-edge', 'one-sided', 'two-sided-long-edge'] },
      { sides: ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'] },
    ],
    [
      'colour modes: auto and process-monochrome dropped',
      { 'print-color-mode-supported': ['auto', 'process-monochrome', 'monochrome', 'color'] },
      { color: ['color', 'monochrome'] },
    ],
    [
      'print-color-mode-supported wins over color-supported',
      { 'print-color-mode-supported': ['monochrome'], 'color-supported': true },
      { color: ['monochrome'] },
    ],
    ['color-supported alone: colour', { 'color-supported': true }, { color: ['color'] }],
    ['color-supported false', { 'color-supported': false }, { color: ['monochrome'] }],
    ['page ranges refused', { 'page-ranges-supported': false }, { pageRanges: false }],
    [
      'orientations by number, reverse ones dropped',
      { 'orientation-requested-supported': [4, 3, 5, 6, 7] },
      { orientation: ['portrait', 'landscape'] },
    ],
    ['number-up integers', { 'number-up-supported': [4, 1, 2] }, { numberUp: [1, 2, 4] }],
    [
      'number-up range: the usual layouts in it',
      { 'number-up-supported': { lower: 1, upper: 8 } },
      { numberUp: [1, 2, 4, 6] },
    ],
    ['number-up one integer', { 'number-up-supported': 1 }, { numberUp: [1] }],
    ['qualities by number', { 'print-quality-supported': [5, 3] }, { quality: ['draft', 'high'] }],
    [
      'finishings without none; unnamed vendor values dropped',
      { 'finishings-supported': ['none', 'staple', 'punch-top-left', 'fold-z', 0x40000046] },
      { finishings: ['staple', 'punch-top-left', 'fold-z'] },
    ],
    [
      'formats without octet-stream',
      { 'document-format-supported': ['image/pwg-raster', 'Application/Octet-Stream', 'image/urf'] },
      { documentFormats: ['image/pwg-raster', 'image/urf'] },
    ],
  ])('capabilities: %s', (_name, attributes, expected) => {
    expect(describePrinter(answer(attributes)).capabilities).toMatchObject(expected);
  });

  it.each<[string, Record<string, IppValue | IppValue[]>, PrinterDescription['capabilities']['media']]>([
    [
      'media-supported, ready first, custom bounds dropped',
      {
        'media-supported': [
          'iso_a4_210x297mm',
          'iso_a3_297x420mm',
          'na_letter_8.5x11in',
          'custom_min_3x5in',
          'custom_max_13x19in',
          'om_photo_100x200mm',
        ],
        'media-ready': ['na_letter_8.5x11in'],
        'media-col-ready': [a4Col({ 'media-size-name': 'iso_a4_210x297mm' })],
      },
      [
        { id: 'iso_a4_210x297mm', name: 'A4' },
        { id: 'na_letter_8.5x11in', name: 'Letter' },
        { id: 'iso_a3_297x420mm', name: 'A3' },
        { id: 'om_photo_100x200mm', name: '100 × 200 mm' },
      ],
    ],
    [
      'ready media the printer does not list are not offered',
      { 'media-supported': ['iso_a4_210x297mm'], 'media-ready': ['na_letter_8.5x11in'] },
      [{ id: 'iso_a4_210x297mm', name: 'A4' }],
    ],
    [
      'media-col only: names from the ready sizes, then the database, sizes without a name',
      {
        'media-col-supported': ['media-size'],
        'media-col-ready': [a4Col({ 'media-size-name': 'iso_a4_210x297mm' })],
        'media-col-database': [
          { 'media-size': { 'x-dimension': 21590, 'y-dimension': 27940 } },
          a4Col({ 'media-source': 'tray-2' }),
          { 'media-size': { 'x-dimension': 10000, 'y-dimension': 20000 } },
          { 'media-size': { 'x-dimension': 20320, 'y-dimension': 25400 } },
          // A roll: widths and lengths are ranges, not one size.
          { 'media-size': { 'x-dimension': [7620, 21590], 'y-dimension': [12700, 1000000] } },
        ],
      },
      [
        { id: 'iso_a4_210x297mm', name: 'A4' },
        { id: 'na_letter_8.5x11in', name: 'Letter' },
        { id: 'om_100x200mm_100x200mm', name: '100 × 200 mm' },
        { id: 'oe_8x10in_8x10in', name: '8 × 10 in' },
      ],
    ],
  ])('media: %s', (_name, attributes, expected) => {
    expect(describePrinter(answer(attributes)).capabilities.media).toEqual(expected);
  });

  it.each<[string, Record<string, IppValue | IppValue[]>, Partial<PrinterDescription['defaults']>]>([
    [
      'auto colour on a colour printer',
      { 'print-color-mode-default': 'auto', 'print-color-mode-supported': ['auto', 'color', 'monochrome'] },
      { color: 'color' },
    ],
    [
      'auto colour on a monochrome printer',
      { 'print-color-mode-default': 'auto', 'print-color-mode-supported': ['auto', 'monochrome'] },
      { color: 'monochrome' },
    ],
    ['process-monochrome', { 'print-color-mode-default': 'process-monochrome' }, { color: 'monochrome' }],
    ['highlight is not ours', { 'print-color-mode-default': 'highlight' }, { color: null }],
    ['two-sided', { 'sides-default': 'two-sided-long-edge' }, { sides: 'two-sided-long-edge' }],
    ['media from media-col-default', { 'media-col-default': a4Col() }, { media: 'iso_a4_210x297mm' }],
    [
      'orientation and quality by number',
      { 'orientation-requested-default': 4, 'print-quality-default': 5 },
      { orientation: 'landscape', quality: 'high' },
    ],
    [
      'reverse orientation is not ours',
      { 'orientation-requested-default': 'reverse-landscape' },
      { orientation: null },
    ],
    ['finishings', { 'finishings-default': ['staple', 'punch'] }, { finishings: ['staple', 'punch'] }],
    ['copies and number-up', { 'copies-default': 2, 'number-up-default': 2 }, { copies: 2, numberUp: 2 }],
  ])('defaults: %s', (_name, attributes, expected) => {
    expect(describePrinter(answer(attributes)).defaults).toMatchObject(expected);
  });

  it.each<[string, Record<string, IppValue | IppValue[]>, Partial<PrinterDescription['facts']>]>([
    ['Validate-Job by number', { 'operations-supported': [2, 4, 11] }, { validateJob: true }],
    ['no Validate-Job', { 'operations-supported': ['Print-Job'] }, { validateJob: false }],
    [
      'Create-Job and Send-Document',
      { 'operations-supported': ['Print-Job', 'Create-Job', 'Send-Document'] },
      { createJob: true },
    ],
    ['Create-Job and Send-Document by number', { 'operations-supported': [2, 5, 6] }, { createJob: true }],
    [
      'Create-Job without Send-Document',
      { 'operations-supported': ['Print-Job', 'Create-Job'] },
      { createJob: false },
    ],
    [
      'media-col without media-size is not media-col',
      { 'media-col-supported': ['media-source'], 'media-supported': ['iso_a4_210x297mm'] },
      { mediaCol: false, mediaKeyword: true },
    ],
    [
      'raster facts, dpcm converted, ascending',
      {
        'pwg-raster-document-resolution-supported': [
          { cross: 600, feed: 600, units: 'dpi' },
          { cross: 118, feed: 118, units: 'dpcm' },
          { cross: 300, feed: 600, units: 'dpi' },
        ],
        'pwg-raster-document-type-supported': ['sgray_8', 'srgb_8'],
        'pwg-raster-document-sheet-back': 'rotated',
        'urf-supported': ['V1.4', 'W8', 'RS300-600', 'DM1'],
      },
      {
        raster: {
          pwgResolutions: [
            [300, 300],
            [300, 600],
            [600, 600],
          ],
          pwgTypes: ['sgray_8', 'srgb_8'],
          pwgSheetBack: 'rotated',
          urf: ['V1.4', 'W8', 'RS300-600', 'DM1'],
        },
      },
    ],
    [
      'an unknown sheet-back is normal',
      { 'pwg-raster-document-sheet-back': 'upside-down' },
      { raster: { pwgResolutions: [], pwgTypes: [], pwgSheetBack: 'normal', urf: [] } },
    ],
  ])('facts: %s', (_name, attributes, expected) => {
    expect(describePrinter(answer(attributes)).facts).toMatchObject(expected);
  });
});

type Printer = Pick<PrinterDescription, 'capabilities' | 'facts'>;
const BOTH: Printer = EVE_DESCRIPTION;
const MEDIA_ONLY: Printer = { ...BOTH, facts: { ...BOTH.facts, mediaCol: false } };
const MEDIA_COL_ONLY: Printer = { ...BOTH, facts: { ...BOTH.facts, mediaKeyword: false } };
const NO_PAGE_RANGES: Printer = { ...BOTH, capabilities: { ...BOTH.capabilities, pageRanges: false } };
const NEITHER: Printer = { ...BOTH, facts: { ...BOTH.facts, mediaCol: false, mediaKeyword: false } };

describe('ticketToJobAttributes', () => {
  it.each<[string, PrintTicket, Printer, Record<string, unknown>]>([
    ['empty ticket', {}, BOTH, {}],
    ['copies', { copies: 3 }, BOTH, { copies: 3 }],
    ['sides', { sides: 'two-sided-long-edge' }, BOTH, { sides: 'two-sided-long-edge' }],
    ['colour', { color: 'color' }, BOTH, { 'print-color-mode': 'color' }],
    ['monochrome', { color: 'monochrome' }, BOTH, { 'print-color-mode': 'monochrome' }],
    [
      'media to a printer that knows both',
      { media: 'iso_a4_210x297mm' },
      BOTH,
      { media: 'iso_a4_210x297mm' },
    ],
    [
      'media to a media-only printer',
      { media: 'na_letter_8.5x11in' },
      MEDIA_ONLY,
      { media: 'na_letter_8.5x11in' },
    ],
    [
      'media to a media-col-only printer',
      { media: 'iso_a4_210x297mm' },
      MEDIA_COL_ONLY,
      { 'media-col': { 'media-size': { 'x-dimension': 21000, 'y-dimension': 29700 } } },
    ],
    [
      'inches to a media-col-only printer, truncated like CUPS',
      { media: 'na_number-10_4.125x9.5in' },
      MEDIA_COL_ONLY,
      { 'media-col': { 'media-size': { 'x-dimension': 10477, 'y-dimension': 24130 } } },
    ],
    ['a sizeless name to a media-col-only printer', { media: 'photo' }, MEDIA_COL_ONLY, { media: 'photo' }],
    [
      'media to a printer that names neither',
      { media: 'iso_a4_210x297mm' },
      NEITHER,
      { media: 'iso_a4_210x297mm' },
    ],
    ['one range', { pageRanges: [[2, 4]] }, BOTH, { 'page-ranges': [{ lower: 2, upper: 4 }] }],
    [
      'ranges sorted and merged',
      {
        pageRanges: [
          [7, 9],
          [1, 2],
          [2, 3],
          [4, 4],
        ],
      },
      BOTH,
      {
        'page-ranges': [
          { lower: 1, upper: 4 },
          { lower: 7, upper: 9 },
        ],
      },
    ],
    ['no ranges', { pageRanges: [] }, BOTH, {}],
    ['ranges to a printer without page-ranges', { pageRanges: [[1, 2]] }, NO_PAGE_RANGES, {}],
    ['number-up', { numberUp: 4 }, BOTH, { 'number-up': 4 }],
    ['orientation', { orientation: 'landscape' }, BOTH, { 'orientation-requested': 'landscape' }],
    ['quality', { quality: 'draft' }, BOTH, { 'print-quality': 'draft' }],
    [
      'finishings',
      { finishings: ['staple', 'punch-dual-left'] },
      BOTH,
      { finishings: ['staple', 'punch-dual-left'] },
    ],
    ['no finishings', { finishings: [] }, BOTH, {}],
    [
      'everything',
      {
        copies: 2,
        sides: 'one-sided',
        color: 'monochrome',
        media: 'na_letter_8.5x11in',
        pageRanges: [[1, 1]],
        orientation: 'portrait',
        numberUp: 2,
        quality: 'high',
        finishings: ['staple'],
      },
      BOTH,
      {
        copies: 2,
        sides: 'one-sided',
        'print-color-mode': 'monochrome',
        media: 'na_letter_8.5x11in',
        'page-ranges': [{ lower: 1, upper: 1 }],
        'orientation-requested': 'portrait',
        'number-up': 2,
        'print-quality': 'high',
        finishings: ['staple'],
      },
    ],
  ])('%s', (_name, ticket, printer, expected) => {
    expect(ticketToJobAttributes(ticket, printer)).toEqual(expected);
  });
});

describe('unsupportedToOptions', () => {
  it.each<[string[], string[]]>([
    [[], []],
    [['sides'], ['sides']],
    [
      ['print-color-mode', 'copies'],
      ['color', 'copies'],
    ],
    [['media', 'media-col'], ['media']],
    [
      ['page-ranges', 'number-up', 'orientation-requested', 'print-quality'],
      ['pageRanges', 'numberUp', 'orientation', 'quality'],
    ],
    [['finishings', 'finishings-col'], ['finishings']],
    [['document-format', 'job-name', 'toString', 'sides'], ['sides']],
  ])('%j -> %j', (names, options) => {
    expect(unsupportedToOptions(names)).toEqual(options);
  });
});

describe('ippJobStateToPhase', () => {
  it.each([
    [3, 'pending'],
    [4, 'pending'],
    [5, 'processing'],
    [6, 'stopped'],
    [7, 'canceled'],
    [8, 'aborted'],
    [9, 'completed'],
    ['pending', 'pending'],
    ['pending-held', 'pending'],
    ['processing', 'processing'],
    ['processing-stopped', 'stopped'],
    ['canceled', 'canceled'],
    ['aborted', 'aborted'],
    ['completed', 'completed'],
    [2, null],
    [10, null],
    ['toString', null],
    ['held', null],
  ])('%s -> %s', (state, phase) => {
    expect(ippJobStateToPhase(state)).toBe(phase);
  });
});

describe('printerStateToState', () => {
  it.each([
    [3, 'idle'],
    [4, 'processing'],
    [5, 'stopped'],
    ['idle', 'idle'],
    ['processing', 'processing'],
    ['stopped', 'stopped'],
    [6, null],
    ['unreachable', null],
    ['constructor', null],
  ])('%s -> %s', (state, expected) => {
    expect(printerStateToState(state)).toBe(expected);
  });
});

describe('statusToError', () => {
  it.each([
    'successful-ok',
    'successful-ok-ignored-or-substituted-attributes',
    'successful-ok-conflicting-attributes',
    '0x0009',
  ])('%s is not an error', (status) => {
    expect(statusToError(status)).toBeNull();
  });

  it.each([
    ['server-error-busy', 'printer_busy', true],
    ['server-error-service-unavailable', 'printer_busy', true],
    ['server-error-temporary-error', 'printer_busy', true],
    ['client-error-document-format-not-supported', 'format_not_supported', false],
    ['client-error-not-authorized', 'printer_refused', false],
    ['client-error-bad-request', 'printer_refused', false],
    ['server-error-internal-error', 'printer_refused', false],
    ['server-error-not-accepting-jobs', 'printer_refused', false],
    ['client-error-attributes-or-values-not-supported', 'printer_refused', false],
    ['0x0599', 'printer_refused', false],
  ])('%s -> %s', (status, code, retryable) => {
    const error = statusToError(status);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error?.code).toBe(code);
    expect(error?.retryable).toBe(retryable);
    // A sentence for a person; the IPP keyword only in the cause.
    expect(error?.message).toMatch(/^[A-Z].*\.$/);
    expect(error?.message).not.toContain(status);
    expect(String((error?.cause as Error | undefined)?.message)).toContain(status);
  });

  it('treats an unsupported document-format value as format_not_supported', () => {
    const error = statusToError('client-error-attributes-or-values-not-supported', {
      unsupportedAttributes: ['document-format'],
    });
    expect(error?.code).toBe('format_not_supported');
    expect(
      statusToError('client-error-attributes-or-values-not-supported', { unsupportedAttributes: ['sides'] })
        ?.code,
    ).toBe('printer_refused');
  });

  it('uses the generic sentence for an unknown refusal', () => {
    expect(statusToError('client-error-something-new')?.message).toBe('The printer refused the job.');
  });
});

describe('printerEndpoint', () => {
  it.each([
    [
      'ipp://printer.local/ipp/print',
      'ipp://printer.local:631/ipp/print',
      'http://printer.local:631/ipp/print',
      false,
    ],
    [
      'ipp://printer.local:8631/ipp/print',
      'ipp://printer.local:8631/ipp/print',
      'http://printer.local:8631/ipp/print',
      false,
    ],
    [
      'ipps://printer.local/ipp/print',
      'ipps://printer.local:631/ipp/print',
      'https://printer.local:631/ipp/print',
      true,
    ],
    [
      'http://printer.local/ipp/print',
      'ipp://printer.local:80/ipp/print',
      'http://printer.local:80/ipp/print',
      false,
    ],
    [
      'https://printer.local/ipp/print',
      'ipps://printer.local:443/ipp/print',
      'https://printer.local:443/ipp/print',
      true,
    ],
    ['ipp://[::1]:631/ipp/print', 'ipp://[::1]:631/ipp/print', 'http://[::1]:631/ipp/print', false],
    [
      'IPP://10.0.0.5/printers/office',
      'ipp://10.0.0.5:631/printers/office',
      'http://10.0.0.5:631/printers/office',
      false,
    ],
  ])('%s', (uri, printerUri, httpUrl, tls) => {
    expect(printerEndpoint(uri)).toEqual({ printerUri, httpUrl, tls });
    expect(printerUriFromConfig(uri)).toBe(printerUri);
  });

  it.each([
    '',
    'not a uri',
    'ftp://printer/x',
    'ipp://',
    'ipp://user:pw@printer/ipp/print',
    'file:///etc/passwd',
  ])('rejects %j', (uri) => {
    expect(() => printerEndpoint(uri)).toThrow(UpstreamError);
    try {
      printerEndpoint(uri);
    } catch (err) {
      expect((err as UpstreamError).code).toBe('printer_unreachable');
    }
  });
});
