import { type FileHandle, open, readFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import type { ScanType } from '../domain/scan-files.js';
import type { CombineOptions, PdfCombiner } from '../domain/scanning.js';
import type { Dpi } from './image-facts.js';
import {
  type ByteReader,
  type JpegLayout,
  type PngLayout,
  pngStreamsAsIs,
  readJpegLayout,
  readPngLayout,
} from './image-layout.js';
import { writePdfLibPages } from './pdf-lib-pages.js';
import { type PdfObjectWriter, type StreamSource, writePagedPdf } from './pdf-object-writer.js';

// One PDF from the pages of a scan, written to disk object by object as each page file is read, so
// a long scan never has to fit in memory (pdf-lib would hold every page and then the whole output).
// JPEG pages go in as they are (DCTDecode); PNG pages as their own zlib data (FlateDecode with the
// PNG predictors) when PDF can read it so; other PNGs (alpha, interlaced, 16-bit) and PDF pages go
// through pdf-lib, one page file at a time.

/** ISO 32000-1 Annex C: readers need not show pages larger than 14 400 units a side. */
const MAX_PAGE_POINTS = 14_400;

export interface StreamingPdfCombinerOptions {
  /** Resolution of an image page whose file does not say, when the caller does not either. */
  defaultDpi?: number;
}

type Page = { path: string; type: ScanType };

export class StreamingPdfCombiner implements PdfCombiner {
  private readonly defaultDpi: number;

  constructor(options: StreamingPdfCombinerOptions = {}) {
    this.defaultDpi = options.defaultDpi ?? 72;
  }

  async combine(pages: Page[], outputPath: string, options: CombineOptions = {}): Promise<{ pages: number }> {
    const fallbackDpi = options.dpi ?? this.defaultDpi;
    const out = await open(outputPath, 'w');
    try {
      const count = await writePagedPdf(out, async (writer, tree) => {
        const kids: number[] = [];
        for (const page of pages) kids.push(...(await addPage(writer, tree, page, fallbackDpi)));
        return kids;
      });
      return { pages: count };
    } finally {
      await out.close();
    }
  }
}

async function addPage(
  writer: PdfObjectWriter,
  tree: number,
  page: Page,
  fallbackDpi: number,
): Promise<number[]> {
  if (page.type === 'application/pdf') {
    return writePdfLibPages(writer, tree, async (doc) => {
      const source = await PDFDocument.load(await readFile(page.path), { ignoreEncryption: false });
      return doc.copyPages(source, source.getPageIndices());
    });
  }
  if (page.type !== 'image/jpeg' && page.type !== 'image/png') {
    throw new Error(`cannot combine a page of type ${page.type}`);
  }
  const file = await open(page.path, 'r');
  try {
    const read = readerOf(file);
    if (page.type === 'image/jpeg') {
      const jpeg = await readJpegLayout(read);
      const size = (await file.stat()).size;
      return [await writeImagePage(writer, tree, jpegImage(jpeg, file, size), pageSize(jpeg, fallbackDpi))];
    }
    const png = await readPngLayout(read);
    if (pngStreamsAsIs(png)) {
      return [await writeImagePage(writer, tree, pngImage(png, file), pageSize(png, fallbackDpi))];
    }
    // Alpha, interlacing or 16-bit samples: pdf-lib decodes this one page and builds it (with a soft mask
    // for the alpha channel).
    const bytes = await readFile(page.path);
    return writePdfLibPages(writer, tree, async (doc) => {
      const image = await doc.embedPng(bytes);
      const { width, height } = pageSize(png, fallbackDpi);
      const p = doc.addPage([width, height]);
      p.drawImage(image, { x: 0, y: 0, width, height });
      return [p];
    });
  } finally {
    await file.close();
  }
}

interface ImageObject {
  dict: string;
  source: StreamSource;
}

/** The JPEG file itself is the image's data: PDF's DCTDecode is a JPEG decoder. */
export function jpegImage(jpeg: JpegLayout, file: FileHandle, size: number): ImageObject {
  const space = jpeg.components === 1 ? '/DeviceGray' : jpeg.components === 3 ? '/DeviceRGB' : '/DeviceCMYK';
  // Adobe's CMYK JPEGs store ink inverted (255 = no ink); pdf.js and MuPDF assume so when APP14 is there.
  const decode = jpeg.components === 4 && jpeg.adobe ? ' /Decode [1 0 1 0 1 0 1 0]' : '';
  return {
    dict:
      `/Type /XObject /Subtype /Image /Width ${jpeg.width} /Height ${jpeg.height} ` +
      `/ColorSpace ${space} /BitsPerComponent 8 /Filter /DCTDecode${decode}`,
    source: { file, ranges: [{ offset: 0, length: size }] },
  };
}

/** The IDAT chunks' zlib data; Predictor 15 tells the reader each row starts with PNG's filter byte. */
export function pngImage(png: PngLayout, file: FileHandle): ImageObject {
  const colors = png.colorType === 2 ? 3 : 1;
  const space =
    png.colorType === 0
      ? '/DeviceGray'
      : png.colorType === 2
        ? '/DeviceRGB'
        : `[/Indexed /DeviceRGB ${Math.floor((png.palette?.length ?? 0) / 3) - 1} <${Buffer.from(png.palette ?? []).toString('hex')}>]`;
  return {
    dict:
      `/Type /XObject /Subtype /Image /Width ${png.width} /Height ${png.height} ` +
      `/ColorSpace ${space} /BitsPerComponent ${png.bitDepth} /Filter /FlateDecode ` +
      `/DecodeParms << /Predictor 15 /Colors ${colors} /BitsPerComponent ${png.bitDepth} /Columns ${png.width} >>`,
    source: { file, ranges: png.idat },
  };
}

/**
 * The page an image fills, in points: its pixels at its own resolution, else the one given. A page
 * larger than PDF readers must show is scaled down whole, keeping its proportions.
 */
export function pageSize(
  image: { width: number; height: number; dpi: Dpi },
  fallbackDpi: number,
): { width: number; height: number } {
  const [dx, dy] = image.dpi ?? [fallbackDpi, fallbackDpi];
  const width = (image.width * 72) / dx;
  const height = (image.height * 72) / dy;
  const shrink = Math.min(1, MAX_PAGE_POINTS / width, MAX_PAGE_POINTS / height);
  return { width: round(width * shrink), height: round(height * shrink) };
}

async function writeImagePage(
  writer: PdfObjectWriter,
  tree: number,
  image: ImageObject,
  size: { width: number; height: number },
): Promise<number> {
  const xobject = writer.allocate();
  const contents = writer.allocate();
  const page = writer.allocate();
  await writer.writeStream(xobject, image.dict, image.source);
  await writer.writeStream(contents, '', {
    bytes: Buffer.from(`q ${size.width} 0 0 ${size.height} 0 0 cm /Im0 Do Q`, 'latin1'),
  });
  await writer.writeObject(
    page,
    `<< /Type /Page /Parent ${tree} 0 R /MediaBox [0 0 ${size.width} ${size.height}] ` +
      `/Resources << /XObject << /Im0 ${xobject} 0 R >> >> /Contents ${contents} 0 R >>`,
  );
  return page;
}

function readerOf(file: FileHandle): ByteReader {
  return async (at, length) => {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, at);
    return buffer.subarray(0, bytesRead);
  };
}

/** Two decimals are far finer than a printer's dot, and keep the numbers short. */
function round(points: number): number {
  return Math.round(points * 100) / 100;
}
