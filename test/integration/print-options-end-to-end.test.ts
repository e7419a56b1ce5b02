import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ToolDocumentConverter } from '../../src/adapters/document-converter.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { readRaster } from '../fixtures/documents.js';
import { PanelClient } from '../support/browser-less-client.js';
import {
  hasIppEvePrinter,
  hasIpptool,
  type IppEvePrinter,
  ippJobAttributes,
  ippPrinterAttributes,
  startIppEvePrinter,
} from '../support/ippeveprinter.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hasGhostscript = async () => new ToolDocumentConverter().tools().then((t) => t.ghostscript);
const hasLibreOffice = async () => new ToolDocumentConverter().tools().then((t) => t.libreoffice);

// The "done when", with real parts only: the googleapis client against the Google double, three
// real ippeveprinters with different capabilities, Ghostscript and LibreOffice, and ipptool (a client no
// one here wrote) reading back what each printer received.
describe.skipIf(!hasIppEvePrinter() || !hasIpptool())('print options and formats end to end', () => {
  let dir: string;
  let stack: Stack;
  let noOffice: Stack;
  let full: IppEvePrinter;
  let raster: IppEvePrinter;
  let noRanges: IppEvePrinter;
  let client: PanelClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-options-'));
    [full, raster, noRanges] = await Promise.all([
      // Duplex, colour (a colour speed), PDF: a full office MFP.
      startIppEvePrinter({
        name: 'Full MFP',
        formats: ['application/pdf', 'image/jpeg', 'image/pwg-raster'],
        duplex: true,
        speed: { ppm: 20, colorPpm: 10 },
      }),
      // IPP Everywhere at its minimum: PWG raster and JPEG only, one-sided, monochrome.
      startIppEvePrinter({ name: 'Raster only', formats: ['image/pwg-raster', 'image/jpeg'] }),
      // A printer that does not apply page ranges itself (and takes raster only, as ippeveprinter's -a
      // files always do): the connector cuts the pages.
      startIppEvePrinter({
        name: 'No page ranges',
        attributes: { media: ['iso_a4_210x297mm', 'na_letter_8.5x11in'], pageRanges: false },
      }),
    ]);
    const printer = {
      uri: full.uri,
      name: 'Full MFP',
      kind: 'ippeveprinter' as const,
      close: async () => {},
    };
    const extraPrinters = [
      { id: 'raster', name: 'Raster only', uri: raster.uri },
      { id: 'noranges', name: 'No page ranges', uri: noRanges.uri },
    ];
    const overrides = { pollIntervalMs: 100, retry: { attempts: 5, baseDelayMs: 20, maxDelayMs: 200 } };
    stack = await startStack({
      dir: path.join(dir, 'a'),
      autoApprove: 'alice@example.com',
      printer,
      extraPrinters,
      overrides,
      clientSecret: 'shared-client-secret',
      logLevel: 'silent',
    });
    // The same connector on a machine without LibreOffice (a PATH that lacks soffice).
    noOffice = await startStack({
      dir: path.join(dir, 'b'),
      google: stack.google,
      printer,
      extraPrinters,
      overrides: { ...overrides, converter: new ToolDocumentConverter({ path: '/nonexistent' }) },
      clientSecret: 'shared-client-secret',
      logLevel: 'silent',
    });
  }, 90_000);
  afterAll(async () => {
    await noOffice?.close();
    await stack?.close();
    await Promise.all([full?.stop(), raster?.stop(), noRanges?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    stack.google.faults.clear();
    client = new PanelClient(stack.url);
    await client.signIn();
  });

  const tempDirEmpty = async (s = stack) => expect(await readdir(s.config.tempDir)).toEqual([]);
  const print = async (body: Record<string, unknown>) => {
    const res = await client.post('/api/print', body);
    expect(res.status, await res.clone().text()).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    return client.waitForJob(jobId, 60_000);
  };
  /** What a printer kept for one of its jobs (ippeveprinter -k names it "<job-id>-<name>.<ext>"). */
  const spooled = async (printer: IppEvePrinter, ippJobId: number) => {
    const files = (await printer.spooledFiles()).filter((f) => path.basename(f).startsWith(`${ippJobId}-`));
    expect(files).toHaveLength(1);
    return readFile(files[0] as string);
  };
  const exportOf = async (fileId: string) => {
    const token = stack.google.issuedTokens.at(-1)?.accessToken as string;
    const res = await fetch(
      `${stack.google.baseUrl}/drive/v3/files/${fileId}/export?mimeType=application/pdf`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    return Buffer.from(await res.arrayBuffer());
  };

  it('GET /api/printers/:id offers exactly what each printer advertises', async () => {
    for (const [id, printer] of [
      ['demo', full],
      ['raster', raster],
      ['noranges', noRanges],
    ] as const) {
      const shown = await client.json(`/api/printers/${id}`);
      const ipp = await ippPrinterAttributes(printer.uri);
      const list = (name: string) => (ipp[name] ?? '').split(',').filter((v) => v !== '');
      expect(shown.state).toBe('idle');
      expect(shown.capabilities.sides.sort()).toEqual(list('sides-supported').sort());
      expect(shown.capabilities.media.map((m: { id: string }) => m.id).sort()).toEqual(
        list('media-supported').sort(),
      );
      expect(shown.capabilities.documentFormats.sort()).toEqual(
        list('document-format-supported')
          .filter((f) => f !== 'application/octet-stream')
          .sort(),
      );
      expect(shown.capabilities.copies).toEqual({
        min: Number(ipp['copies-supported']?.split('-')[0]),
        max: Number(ipp['copies-supported']?.split('-')[1]),
      });
      expect(shown.capabilities.pageRanges).toBe(ipp['page-ranges-supported'] === 'true');
      expect(shown.defaults.media).toBe(ipp['media-default']);
      expect(shown.defaults.sides).toBe(ipp['sides-default']);
    }
    const fullShown = await client.json('/api/printers/demo');
    expect(fullShown.capabilities.sides).toEqual([
      'one-sided',
      'two-sided-long-edge',
      'two-sided-short-edge',
    ]);
    expect(fullShown.capabilities.color.sort()).toEqual(['color', 'monochrome']);
    expect(fullShown.capabilities.media).toContainEqual({ id: 'iso_a4_210x297mm', name: 'A4' });
    const rasterShown = await client.json('/api/printers/raster');
    expect(rasterShown.capabilities.sides).toEqual(['one-sided']);
    expect(rasterShown.capabilities.color).toEqual(['monochrome']);
    expect(rasterShown.scanner).toBeNull();
  });

  it('the print page offers each printer only its own options', async () => {
    const html = await (await client.fetch(`/print/${SAMPLE_IDS.fileHandbookPdf}`)).text();
    const block = (id: string) => {
      const start = html.indexOf(`data-printer="${id}"`);
      expect(start).toBeGreaterThan(0);
      return html.slice(start, html.indexOf('</fieldset>', start));
    };
    expect(block('demo')).toContain('value="two-sided-long-edge"');
    expect(block('demo')).toContain('value="color"');
    expect(block('demo')).toContain('value="iso_a4_210x297mm"');
    expect(block('raster')).not.toContain('value="two-sided-long-edge"');
    expect(block('raster')).not.toContain('value="color"');
  });

  it.skipIf(!hasIpptool())(
    'a Google Sheet prints two-sided, monochrome, A4, pages 2-3, two copies: the job attributes say exactly that',
    async () => {
      const job = await print({
        fileId: SAMPLE_IDS.sheetBudget,
        printerId: 'demo',
        copies: 2,
        sides: 'two-sided-long-edge',
        color: 'monochrome',
        media: 'iso_a4_210x297mm',
        pageRanges: '2-3',
      });
      expect(job).toMatchObject({ state: 'completed', error: null, converts: false });
      const attributes = await ippJobAttributes(full.uri, job.ippJobId);
      expect(attributes).toMatchObject({
        copies: '2',
        sides: 'two-sided-long-edge',
        'print-color-mode': 'monochrome',
        media: 'iso_a4_210x297mm',
        'page-ranges': '2-3',
        'document-format-supplied': 'application/pdf',
      });
      // The printer got the Sheet's PDF export exactly, and applies the page range itself.
      expect(sha(await spooled(full, job.ippJobId))).toBe(sha(await exportOf(SAMPLE_IDS.sheetBudget)));
      await tempDirEmpty();
    },
  );

  it.skipIf(!hasGhostscript)(
    'the same kind of PDF on the raster-only printer arrives as PWG raster (RaS2)',
    async () => {
      const job = await print({ fileId: SAMPLE_IDS.fileHandbookPdf, printerId: 'raster', pageRanges: '2-3' });
      expect(job).toMatchObject({ state: 'completed', converts: true });
      const document = await spooled(raster, job.ippJobId);
      expect(document.subarray(0, 4).toString('latin1')).toBe('RaS2');
      const pages = readRaster(document).pages;
      expect(pages).toHaveLength(2); // pages 2 and 3, cut by the connector before rasterising
      expect(pages[0]?.colorSpace).toBe(18); // sGray: the printer is monochrome
      const attributes = await ippJobAttributes(raster.uri, job.ippJobId);
      expect(attributes['document-format-supplied']).toBe('image/pwg-raster');
      expect(attributes['page-ranges']).toBeUndefined();
      await tempDirEmpty();
    },
  );

  it.skipIf(!hasGhostscript)('a printer without page-ranges gets exactly the chosen pages', async () => {
    const job = await print({
      fileId: SAMPLE_IDS.fileHandbookPdf,
      printerId: 'noranges',
      pageRanges: '1, 4-6',
    });
    expect(job.state).toBe('completed');
    const document = await spooled(noRanges, job.ippJobId);
    expect(readRaster(document).pages).toHaveLength(4);
    expect((await ippJobAttributes(noRanges.uri, job.ippJobId))['page-ranges']).toBeUndefined();
    await tempDirEmpty();
  });

  it('a PNG on a printer without PNG arrives as a PDF', async () => {
    const job = await print({ fileId: SAMPLE_IDS.fileFloorPlanPng, printerId: 'demo' });
    expect(job).toMatchObject({ state: 'completed', converts: true });
    const document = await spooled(full, job.ippJobId);
    expect(document.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await PDFDocument.load(document)).getPageCount()).toBe(1);
    expect((await ippJobAttributes(full.uri, job.ippJobId))['document-format-supplied']).toBe(
      'application/pdf',
    );
    await tempDirEmpty();
  });

  it.skipIf(!hasLibreOffice)(
    'a DOCX arrives as a PDF made by LibreOffice',
    async () => {
      const job = await print({ fileId: SAMPLE_IDS.fileQuarterlyReportDocx, printerId: 'demo', copies: 1 });
      expect(job).toMatchObject({ state: 'completed', converts: true, error: null });
      const document = await spooled(full, job.ippJobId);
      expect(document.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect((await PDFDocument.load(document)).getPageCount()).toBeGreaterThanOrEqual(1);
      await tempDirEmpty();
    },
    60_000,
  );

  it('without LibreOffice a DOCX is 415 naming what can be printed; no job, no file', async () => {
    const other = new PanelClient(noOffice.url);
    await other.signIn();
    const res = await other.post('/api/print', {
      fileId: SAMPLE_IDS.fileQuarterlyReportDocx,
      printerId: 'demo',
    });
    expect(res.status).toBe(415);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('unsupported_type');
    expect(error.message).toMatch(/LibreOffice/);
    expect(error.message).toMatch(/PDF/);
    expect(error.message).toMatch(/Google Docs/);
    // A PDF still prints on that connector.
    const ok = await other.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    expect(ok.status).toBe(202);
    await other.waitForJob(((await ok.json()) as { jobId: string }).jobId);
    await tempDirEmpty(noOffice);
  });

  it('an option the printer does not support is 400 option_unsupported: no job, no file, nothing sent', async () => {
    const before = await raster.spooledFiles();
    for (const option of [
      { sides: 'two-sided-long-edge' },
      { color: 'color' },
      { media: 'iso_a3_297x420mm' },
      { copies: 1000 },
    ]) {
      const res = await client.post('/api/print', {
        fileId: SAMPLE_IDS.fileWelcomePdf,
        printerId: 'raster',
        ...option,
      });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('option_unsupported');
      expect(error.message).toMatch(/accepts|copies/);
    }
    expect(await raster.spooledFiles()).toEqual(before);
    await tempDirEmpty();
  });

  it('a rate-limited metadata request prints after retries', async () => {
    stack.google.faults.rateLimitMetadata(SAMPLE_IDS.fileWelcomePdf, 2);
    const job = await print({ fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    expect(job.state).toBe('completed');
    const metadata = stack.google.requests.filter(
      (r) => r.path === `/drive/v3/files/${SAMPLE_IDS.fileWelcomePdf}` && r.query.alt !== 'media',
    );
    expect(metadata.length).toBeGreaterThanOrEqual(3);
  });
});
