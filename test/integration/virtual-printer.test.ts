import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusToError } from '../../src/adapters/ipp-attributes.js';
import { encodeRequest } from '../../src/adapters/ipp-codec.js';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { exchangeIpp } from '../../src/adapters/ipp-transport.js';
import { startDemoPrinters } from '../../src/dev/demo-printer.js';
import {
  countPwgRasterPages,
  countUrfPages,
  startVirtualPrinter,
  type VirtualPrinter,
  type VirtualPrinterOptions,
} from '../../src/dev/virtual-printer.js';
import { UpstreamError } from '../../src/domain/errors.js';
import type {
  PrinterConfig,
  PrinterDescription,
  PrinterJobPhase,
  PrintSubmission,
  PrintTicket,
} from '../../src/domain/ports.js';
import { JPEG, makePdf } from '../fixtures/documents.js';

const run = promisify(execFile);
const IPPTOOL = ['/usr/bin/ipptool', '/usr/local/bin/ipptool'].find((p) => existsSync(p));
const STANDARD_TESTS = '/usr/share/cups/ipptool';

let dir = '';
let pdf = '';
let threePages = '';
let jpeg = '';
let vp: VirtualPrinter;
let printer: PrinterConfig;
let description: PrinterDescription;
const ps = new IppPrintSystem();
const started: VirtualPrinter[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'virtual-printer-test-'));
  pdf = join(dir, 'doc.pdf');
  await writeFile(
    pdf,
    Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3 * 1024 * 1024), Buffer.from('\n%%EOF\n')]),
  );
  threePages = join(dir, 'three.pdf');
  await writeFile(threePages, await makePdf(3));
  jpeg = join(dir, 'photo.jpg');
  await writeFile(jpeg, JPEG);
  vp = await startVirtualPrinter({
    spoolDir: join(dir, 'spool'),
    name: 'Test Virtual',
    documentFormats: ['application/pdf', 'image/jpeg'],
  });
  printer = { id: 'virtual', name: 'Virtual', uri: vp.uri };
  description = await ps.describe(printer);
});

afterAll(async () => {
  await vp?.close();
  for (const p of started) await p.close();
  await rm(dir, { recursive: true, force: true });
});

/** Another virtual printer, closed after all tests. */
async function virtual(
  options: Omit<VirtualPrinterOptions, 'spoolDir'>,
): Promise<{ vp: VirtualPrinter; printer: PrinterConfig; description: PrinterDescription }> {
  const other = await startVirtualPrinter({ spoolDir: join(dir, `spool-${started.length}`), ...options });
  started.push(other);
  const config = { id: `v${started.length}`, name: 'Other', uri: other.uri };
  return { vp: other, printer: config, description: await ps.describe(config) };
}

function submission(documentFormat: string, extra: Partial<PrintSubmission> = {}): PrintSubmission {
  return {
    documentPath: pdf,
    documentFormat,
    jobName: 'Report.pdf',
    userName: 'ana@example.com',
    ticket: {},
    printer: description,
    ...extra,
  };
}

async function waitForPhase(target: PrinterConfig, id: number, phase: PrinterJobPhase): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await ps.jobStatus(target, id)).phase !== phase) {
    if (Date.now() > deadline) throw new Error(`job ${id} never reached ${phase}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('IppPrintSystem against the virtual printer', () => {
  it('describes itself: idle, with what it was given and full defaults for the rest', async () => {
    expect(description).toEqual({
      state: 'idle',
      stateReasons: [],
      capabilities: {
        copies: { min: 1, max: 999 },
        sides: ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'],
        color: ['color', 'monochrome'],
        media: [
          { id: 'iso_a4_210x297mm', name: 'A4' },
          { id: 'iso_a3_297x420mm', name: 'A3' },
          { id: 'na_letter_8.5x11in', name: 'Letter' },
          { id: 'na_legal_8.5x14in', name: 'Legal' },
        ],
        pageRanges: true,
        orientation: ['portrait', 'landscape'],
        numberUp: [1, 2, 4],
        quality: ['draft', 'normal', 'high'],
        finishings: ['staple'],
        documentFormats: ['application/pdf', 'image/jpeg'],
      },
      defaults: {
        copies: 1,
        sides: 'one-sided',
        color: 'monochrome',
        media: 'iso_a4_210x297mm',
        orientation: 'portrait',
        numberUp: 1,
        quality: 'normal',
        finishings: [],
      },
      facts: {
        mediaCol: true,
        mediaKeyword: true,
        validateJob: true,
        createJob: false,
        ippget: false,
        // No PWG raster or URF in its formats: no raster facts.
        raster: { pwgResolutions: [], pwgTypes: [], pwgSheetBack: 'normal', urf: [] },
      },
    });
  });

  it('stores a submitted PDF byte-identical, with its template attributes, and completes the job', async () => {
    const ticket: PrintTicket = {
      copies: 2,
      sides: 'two-sided-long-edge',
      color: 'color',
      media: 'iso_a3_297x420mm',
      pageRanges: [[1, 2]],
      orientation: 'landscape',
      numberUp: 2,
      quality: 'high',
      finishings: ['staple'],
    };
    const { ippJobId } = await ps.submit(printer, submission('application/pdf', { ticket }));
    const job = vp.jobs.find((j) => j.id === ippJobId);
    expect(job).toMatchObject({ name: 'Report.pdf', format: 'application/pdf', user: 'ana@example.com' });
    expect(job?.file).toBe(join(dir, 'spool', `job-${ippJobId}.pdf`));
    expect(await sha256(job!.file)).toBe(await sha256(pdf));
    expect(job?.attributes).toEqual({
      copies: [2],
      sides: ['two-sided-long-edge'],
      'print-color-mode': ['color'],
      media: ['iso_a3_297x420mm'],
      'page-ranges': [{ lower: 1, upper: 2 }],
      'orientation-requested': ['landscape'],
      'number-up': [2],
      'print-quality': ['high'],
      finishings: ['staple'],
    });
    expect((await ps.jobStatus(printer, ippJobId)).phase).not.toBe('completed');
    await waitForPhase(printer, ippJobId, 'completed');
    expect(job?.state).toBe('completed');
    // Random bytes are no PDF: the printer cannot count pages and says nothing.
    expect(await ps.jobStatus(printer, ippJobId)).toEqual({
      phase: 'completed',
      reasons: ['job-completed-successfully'],
      impressionsCompleted: null,
    });
  });

  it.each<[string, () => string, string, PrintTicket, number]>([
    ['a 3-page PDF', () => threePages, 'application/pdf', {}, 3],
    [
      'a 3-page PDF, pages 1-2 and 3, twice',
      () => threePages,
      'application/pdf',
      {
        copies: 2,
        pageRanges: [
          [1, 1],
          [3, 3],
        ],
      },
      4,
    ],
    ['a 3-page PDF 2-up', () => threePages, 'application/pdf', { numberUp: 2 }, 2],
    ['a JPEG, three times', () => jpeg, 'image/jpeg', { copies: 3 }, 3],
  ])('reports job-impressions-completed for %s', async (_name, document, format, ticket, impressions) => {
    const { ippJobId } = await ps.submit(printer, submission(format, { documentPath: document(), ticket }));
    await waitForPhase(printer, ippJobId, 'completed');
    expect((await ps.jobStatus(printer, ippJobId)).impressionsCompleted).toBe(impressions);
  });

  it('sends an empty document too', async () => {
    const empty = join(dir, 'empty.pdf');
    await writeFile(empty, '');
    const { ippJobId } = await ps.submit(printer, submission('application/pdf', { documentPath: empty }));
    expect((await readFile(join(dir, 'spool', `job-${ippJobId}.pdf`))).length).toBe(0);
  });

  it('refuses an unsupported format, before sending and at the printer', async () => {
    const err = await ps.submit(printer, submission('text/plain')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('format_not_supported');

    const request = encodeRequest({
      operation: 'Print-Job',
      requestId: 1,
      operationAttributes: { 'printer-uri': vp.uri, 'document-format': 'text/plain' },
    });
    const response = await exchangeIpp({ uri: vp.uri, request, documentPath: pdf, timeoutMs: 5000 });
    expect(response.statusCode).toBe('client-error-document-format-not-supported');
    expect(statusToError(response.statusCode)?.code).toBe('format_not_supported');
  });

  it('cancels a job that is still processing, and ignores canceling it again', async () => {
    const slow = await virtual({ completeAfterMs: 60_000 });
    const { ippJobId } = await ps.submit(
      slow.printer,
      submission('application/pdf', { printer: slow.description }),
    );
    expect((await ps.describe(slow.printer)).state).toBe('processing');
    await ps.cancel(slow.printer, ippJobId);
    expect((await ps.jobStatus(slow.printer, ippJobId)).phase).toBe('canceled');
    await expect(ps.cancel(slow.printer, ippJobId)).resolves.toBeUndefined();
    await expect(ps.cancel(slow.printer, 999)).resolves.toBeUndefined();
  });

  it('answers a malformed request with HTTP 400', async () => {
    const response = await fetch(vp.uri.replace('ipp:', 'http:'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/ipp' },
      body: 'this is not ipp at all',
    });
    expect(response.status).toBe(400);
  });
});

describe('the virtual printer holds jobs to what it advertises', () => {
  const plain = () =>
    virtual({
      documentFormats: ['application/pdf'],
      duplex: false,
      color: false,
      media: ['iso_a4_210x297mm'],
      finishings: [],
      numberUp: [1],
      qualities: ['normal'],
      maxCopies: 9,
    });

  it.each<[string, PrintTicket, string[]]>([
    ['an empty ticket', {}, []],
    [
      'what it supports',
      { copies: 9, sides: 'one-sided', color: 'monochrome', media: 'iso_a4_210x297mm' },
      [],
    ],
    ['two-sided', { sides: 'two-sided-long-edge' }, ['sides']],
    ['colour', { color: 'color' }, ['color']],
    ['too many copies', { copies: 10 }, ['copies']],
    ['an unlisted size', { media: 'na_letter_8.5x11in' }, ['media']],
    [
      '2-up, high quality, stapled',
      { numberUp: 2, quality: 'high', finishings: ['staple'] },
      ['numberUp', 'quality', 'finishings'],
    ],
  ])('Validate-Job: %s', async (_name, ticket, refused) => {
    const p = await plain();
    expect(
      await ps.validate(p.printer, { ...submission('application/pdf', { ticket }), printer: p.description }),
    ).toEqual(refused);
  });

  it('refuses a Print-Job with settings it does not support, with a sentence', async () => {
    const p = await plain();
    const err = await ps
      .submit(
        p.printer,
        submission('application/pdf', { ticket: { sides: 'two-sided-short-edge' }, printer: p.description }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('printer_refused');
    expect((err as UpstreamError).message).toBe('The printer does not support the chosen print settings.');
    expect(p.vp.jobs).toHaveLength(0);
  });

  it('a media-col-only printer is sent media-col, and checks its size', async () => {
    const p = await virtual({ mediaKeyword: false, media: ['iso_a4_210x297mm', 'na_letter_8.5x11in'] });
    expect(p.description.facts).toMatchObject({ mediaKeyword: false, mediaCol: true });
    expect(p.description.capabilities.media.map((m) => m.id)).toEqual([
      'iso_a4_210x297mm',
      'na_letter_8.5x11in',
    ]);
    const sub = submission('application/pdf', {
      ticket: { media: 'na_letter_8.5x11in' },
      printer: p.description,
    });
    expect(await ps.validate(p.printer, sub)).toEqual([]);
    expect(await ps.validate(p.printer, { ...sub, ticket: { media: 'iso_a3_297x420mm' } })).toEqual([
      'media',
    ]);
    const { ippJobId } = await ps.submit(p.printer, sub);
    expect(p.vp.jobs.find((j) => j.id === ippJobId)?.attributes).toEqual({
      'media-col': [{ 'media-size': { 'x-dimension': 21590, 'y-dimension': 27940 } }],
    });
  });

  it('a media-only printer is sent the media keyword', async () => {
    const p = await virtual({ mediaCol: false });
    expect(p.description.facts).toMatchObject({ mediaKeyword: true, mediaCol: false });
    const { ippJobId } = await ps.submit(
      p.printer,
      submission('application/pdf', { ticket: { media: 'na_legal_8.5x14in' }, printer: p.description }),
    );
    expect(p.vp.jobs.find((j) => j.id === ippJobId)?.attributes).toEqual({ media: ['na_legal_8.5x14in'] });
  });

  it('a printer without page-ranges is not sent them', async () => {
    const p = await virtual({ pageRanges: false });
    expect(p.description.capabilities.pageRanges).toBe(false);
    const { ippJobId } = await ps.submit(
      p.printer,
      submission('application/pdf', { ticket: { copies: 2, pageRanges: [[2, 3]] }, printer: p.description }),
    );
    expect(p.vp.jobs.find((j) => j.id === ippJobId)?.attributes).toEqual({ copies: [2] });
  });

  it('a printer without Validate-Job says so, and has no opinion when asked anyway', async () => {
    const p = await virtual({ validateJob: false });
    expect(p.description.facts.validateJob).toBe(false);
    const ticket: PrintTicket = { sides: 'two-sided-long-edge' };
    expect(
      await ps.validate(p.printer, submission('application/pdf', { ticket, printer: p.description })),
    ).toEqual([]);
  });

  it('reports state reasons set at run time; an -error reason stops it', async () => {
    const p = await virtual({ stateReasons: ['toner-low-report'] });
    expect(p.description).toMatchObject({ state: 'idle', stateReasons: ['toner-low'] });
    p.vp.setStateReasons(['media-empty-error', 'door-open-warning']);
    expect(await ps.describe(p.printer)).toMatchObject({
      state: 'stopped',
      stateReasons: ['media-empty', 'door-open'],
    });
    p.vp.setStateReasons([]);
    expect(await ps.describe(p.printer)).toMatchObject({ state: 'idle', stateReasons: [] });
  });

  it('a raster printer lists its PWG raster and URF facts', async () => {
    const p = await virtual({
      documentFormats: ['image/pwg-raster', 'image/urf'],
      duplex: true,
      color: false,
      rasterResolutions: [
        [600, 600],
        [300, 300],
      ],
      sheetBack: 'rotated',
    });
    expect(p.description.facts.raster).toEqual({
      pwgResolutions: [
        [300, 300],
        [600, 600],
      ],
      pwgTypes: ['black_1', 'sgray_8'],
      pwgSheetBack: 'rotated',
      urf: ['V1.4', 'CP1', 'W8', 'RS300-600', 'DM1'],
    });
  });
});

describe('page counts of raster documents', () => {
  /** A PWG raster page: 1796-byte header (height, bits per pixel, bytes per line), then its lines. */
  const page = (height: number, bitsPerPixel: number, bytesPerLine: number, lines: number[]) => {
    const header = Buffer.alloc(1796);
    header.writeUInt32BE(height, 376);
    header.writeUInt32BE(bitsPerPixel, 388);
    header.writeUInt32BE(bytesPerLine, 392);
    return Buffer.concat([header, Buffer.from(lines)]);
  };
  const sync = Buffer.from('RaS2');
  // 4 lines of 4 grey pixels: two repeated lines cleared to white, one of a 4-pixel run, one of 4 literal pixels.
  const grey = page(4, 8, 4, [1, 128, 0, 3, 0x20, 0, 253, 1, 2, 3, 4]);
  // 2 lines of 2 RGB pixels: both lines one run of 2 pixels.
  const rgb = page(2, 24, 6, [1, 1, 9, 9, 9]);

  it.each<[string, Buffer, number | null]>([
    ['one page', Buffer.concat([sync, grey]), 1],
    ['three pages', Buffer.concat([sync, grey, rgb, grey]), 3],
    ['no sync word', Buffer.concat([Buffer.from('RaS3'), grey]), null],
    ['no pages', sync, null],
    ['a truncated page', Buffer.concat([sync, grey, rgb.subarray(0, rgb.length - 1)]), null],
    ['a truncated header', Buffer.concat([sync, grey.subarray(0, 100)]), null],
  ])('PWG raster: %s', (_name, data, pages) => {
    expect(countPwgRasterPages(data)).toBe(pages);
  });

  it.each<[string, Buffer, number | null]>([
    ['five pages', Buffer.concat([Buffer.from('UNIRAST\0'), Buffer.from([0, 0, 0, 5])]), 5],
    ['not URF', Buffer.from('UNIRASTX\0\0\0\x05'), null],
    ['too short', Buffer.from('UNIRAST\0'), null],
  ])('URF: %s', (_name, head, pages) => {
    expect(countUrfPages(head)).toBe(pages);
  });
});

describe('the demo printers (virtual)', () => {
  it('offer what the demo shows: a full MFP and a raster-only printer', async () => {
    const printers = await startDemoPrinters({
      spoolDir: join(dir, 'demo'),
      rasterSpoolDir: join(dir, 'demo-raster'),
      preferVirtual: true,
    });
    try {
      expect(printers.map((p) => [p.id, p.name, p.kind])).toEqual([
        ['demo', 'Demo MFP (virtual)', 'virtual'],
        ['demo-raster', 'Demo Raster Printer (virtual)', 'virtual'],
      ]);
      const [mfp, raster] = await Promise.all(printers.map((p) => ps.describe(p)));
      expect(mfp?.capabilities).toEqual({
        copies: { min: 1, max: 999 },
        sides: ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'],
        color: ['color', 'monochrome'],
        media: [
          { id: 'iso_a4_210x297mm', name: 'A4' },
          { id: 'iso_a3_297x420mm', name: 'A3' },
          { id: 'na_letter_8.5x11in', name: 'Letter' },
          { id: 'na_legal_8.5x14in', name: 'Legal' },
        ],
        pageRanges: true,
        orientation: ['portrait', 'landscape'],
        numberUp: [1, 2, 4],
        quality: ['draft', 'normal', 'high'],
        finishings: ['staple'],
        documentFormats: ['application/pdf', 'image/jpeg', 'image/png', 'image/pwg-raster'],
      });
      expect(raster?.capabilities).toEqual({
        copies: { min: 1, max: 999 },
        sides: ['one-sided'],
        color: ['monochrome'],
        media: [
          { id: 'iso_a4_210x297mm', name: 'A4' },
          { id: 'na_letter_8.5x11in', name: 'Letter' },
        ],
        pageRanges: false,
        orientation: ['portrait', 'landscape'],
        numberUp: [1],
        quality: ['draft', 'normal', 'high'],
        finishings: [],
        documentFormats: ['image/pwg-raster', 'image/jpeg'],
      });
      expect(raster?.facts.raster).toEqual({
        pwgResolutions: [
          [300, 300],
          [600, 600],
        ],
        pwgTypes: ['black_1', 'sgray_8'],
        pwgSheetBack: 'normal',
        urf: [],
      });
      printers[1]!.setStateReasons?.(['media-empty-error']);
      expect(await ps.describe(printers[1]!)).toMatchObject({
        state: 'stopped',
        stateReasons: ['media-empty'],
      });
    } finally {
      for (const p of printers) await p.close();
    }
  });
});

describe.skipIf(!IPPTOOL)('ipptool standard tests against the virtual printer', () => {
  it.each(['get-printer-attributes.test', 'validate-job.test', 'print-job.test', 'get-jobs.test'])(
    '%s',
    async (test) => {
      const { stdout } = await run(IPPTOOL!, ['-t', '-f', pdf, vp.uri, join(STANDARD_TESTS, test)], {
        timeout: 20_000,
      });
      expect(stdout).toContain('[PASS]');
      expect(stdout).not.toContain('[FAIL]');
    },
  );
});
