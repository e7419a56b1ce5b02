// The sample files for every common format (Office, image, text, multi-page PDF, a multi-page Sheet
// export), fetched from the Google double through the real googleapis client and checked as files:
// LibreOffice converts the Office files, the PNG decodes, every PDF page says its number.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, inflateSync } from 'node:zlib';
import type { drive_v3 } from 'googleapis';
import { PDFDocument, PDFRawStream } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { driveFor, signIn } from '../support/google-double-session.js';

const CLIENT = {
  clientId: 'samples-client',
  clientSecret: 'samples-secret',
  redirectUris: ['http://127.0.0.1:1/cb'],
};
const SCOPE = 'https://www.googleapis.com/auth/drive.readonly';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const hasSoffice = spawnSync('soffice', ['--version'], { stdio: 'ignore' }).status === 0;

let double: GoogleDouble;
let drive: drive_v3.Drive;

beforeAll(async () => {
  double = await startGoogleDouble({ clients: [CLIENT] });
  drive = driveFor(double.baseUrl, (await signIn(double, CLIENT, 'alice@example.com', SCOPE)).client);
});

afterAll(async () => {
  await double.close();
});

async function download(fileId: string): Promise<{ bytes: Buffer; type: string | null; name: string }> {
  const meta = await drive.files.get({ fileId, fields: 'name' });
  const res = await drive.files.get({ fileId, alt: 'media' }, { responseType: 'arraybuffer' });
  // gaxios 7 hands back a fetch Headers object.
  const type = (res.headers as unknown as Headers).get('content-type');
  return { bytes: Buffer.from(res.data as unknown as ArrayBuffer), type, name: meta.data.name ?? '' };
}

/** The text drawn on each page, in page order (the double's PDFs have uncompressed content streams). */
async function pageTexts(pdf: Buffer): Promise<string[]> {
  const doc = await PDFDocument.load(pdf);
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    return contents instanceof PDFRawStream ? contents.getContentsString() : '';
  });
}

/** Names of the entries of a zip, from its local file headers. */
function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const extraLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 30, at + 30 + nameLength));
    at += 30 + nameLength + extraLength + size;
  }
  return names;
}

describe('sample files', () => {
  it('Quarterly report.docx and Price list.xlsx are Office Open XML packages', async () => {
    const docx = await download(SAMPLE_IDS.fileQuarterlyReportDocx);
    expect(docx).toMatchObject({ name: 'Quarterly report.docx', type: DOCX });
    expect(zipEntryNames(docx.bytes)).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'word/document.xml',
      'word/styles.xml',
      'word/_rels/document.xml.rels',
    ]);
    expect(docx.bytes.toString('utf8')).toContain('Malmö, Göteborg, Västerås');
    const xlsx = await download(SAMPLE_IDS.filePriceListXlsx);
    expect(xlsx).toMatchObject({ name: 'Price list.xlsx', type: XLSX });
    expect(zipEntryNames(xlsx.bytes)).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/worksheets/sheet1.xml',
    ]);
  });

  it.skipIf(!hasSoffice)(
    'LibreOffice converts the .docx and the .xlsx to one-page PDFs',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sample-office-'));
      try {
        const inputs = [
          { id: SAMPLE_IDS.fileQuarterlyReportDocx, file: 'report.docx', pdf: 'report.pdf' },
          { id: SAMPLE_IDS.filePriceListXlsx, file: 'prices.xlsx', pdf: 'prices.pdf' },
        ];
        for (const input of inputs) await writeFile(join(dir, input.file), (await download(input.id)).bytes);
        // Its own profile, so a LibreOffice already running elsewhere does not take the job over.
        await promisify(execFile)(
          'soffice',
          [
            `-env:UserInstallation=file://${join(dir, 'profile')}`,
            '--headless',
            '--convert-to',
            'pdf',
            '--outdir',
            dir,
            ...inputs.map((i) => join(dir, i.file)),
          ],
          { timeout: 90_000 },
        );
        for (const input of inputs) {
          const pdf = await PDFDocument.load(await readFile(join(dir, input.pdf)));
          expect(pdf.getPageCount(), input.file).toBe(1);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it('Floor plan.png is a 600x400 RGB PNG with valid chunks and every scanline present', async () => {
    const png = await download(SAMPLE_IDS.fileFloorPlanPng);
    expect(png.type).toBe('image/png');
    expect(png.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const chunks = new Map<string, Buffer>();
    for (let at = 8; at < png.bytes.length; ) {
      const length = png.bytes.readUInt32BE(at);
      const typeAndData = png.bytes.subarray(at + 4, at + 8 + length);
      expect(png.bytes.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
      chunks.set(typeAndData.toString('ascii', 0, 4), typeAndData.subarray(4));
      at += 12 + length;
    }
    expect([...chunks.keys()]).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = chunks.get('IHDR') ?? Buffer.alloc(13);
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([600, 400, 8, 2]);
    expect(inflateSync(chunks.get('IDAT') ?? Buffer.alloc(0)).length).toBe((600 * 3 + 1) * 400);
  });

  it('Notes.txt is UTF-8 text with å ä ö é', async () => {
    const notes = await download(SAMPLE_IDS.fileNotesTxt);
    expect(notes.type).toBe('text/plain');
    const text = notes.bytes.toString('utf8');
    for (const letter of ['å', 'ä', 'ö', 'é']) expect(text).toContain(letter);
    expect(text.split('\n').length).toBeGreaterThan(3);
  });

  it('Handbook.pdf has 6 pages, each saying its number', async () => {
    const handbook = await download(SAMPLE_IDS.fileHandbookPdf);
    expect(handbook.type).toBe('application/pdf');
    const pages = await pageTexts(handbook.bytes);
    expect(pages).toHaveLength(6);
    pages.forEach((text, i) => {
      expect(text).toContain(`(Handbook - page ${i + 1} of 6: `);
      expect(text).toContain(`(Page ${i + 1} of 6) Tj`);
    });
  });

  it('the Budget sheet exports (as a stream) to a deterministic 5-page PDF, each page saying its number', async () => {
    const exportPdf = async (): Promise<Buffer> => {
      const res = await drive.files.export(
        { fileId: SAMPLE_IDS.sheetBudget, mimeType: 'application/pdf' },
        { responseType: 'stream' },
      );
      const parts: Buffer[] = [];
      for await (const part of res.data as unknown as AsyncIterable<Uint8Array>)
        parts.push(Buffer.from(part));
      return Buffer.concat(parts);
    };
    const pdf = await exportPdf();
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await pageTexts(pdf);
    expect(pages).toHaveLength(5);
    pages.forEach((text, i) => {
      expect(text).toContain(`(Budget 2026 - page ${i + 1} of 5: `);
      expect(text).toContain(`(Page ${i + 1} of 5) Tj`);
    });
    expect((await exportPdf()).equals(pdf)).toBe(true);

    const csv = await drive.files.export(
      { fileId: SAMPLE_IDS.sheetBudget, mimeType: 'text/csv' },
      { responseType: 'text' },
    );
    const rows = String(csv.data).split('\n');
    expect(rows[0]).toBe('Item,Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec,Year');
    expect(rows).toHaveLength(11);
  });
});
