// The layout of a JPEG or PNG page file: what a PDF image XObject needs to say about it, and where its
// compressed pixels are, read from the file's headers without loading the pixels.
// JPEG: ITU-T T.81 Annex B; PNG: https://www.w3.org/TR/png-3/#5Chunk-layout.

import { type Dpi, jpegFacts, pngDpi } from './image-facts.js';

/** Up to `length` bytes of the file from `at` (fewer at its end). */
export type ByteReader = (at: number, length: number) => Promise<Uint8Array>;

export interface JpegLayout {
  width: number;
  height: number;
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** An Adobe APP14 segment: with 4 components, Adobe software stores CMYK inverted. */
  adobe: boolean;
  dpi: Dpi;
}

export interface PngLayout {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
  /** PLTE's RGB triples, for colour type 3. */
  palette: Uint8Array | null;
  /** A tRNS chunk: some pixels are (partly) transparent. */
  transparency: boolean;
  dpi: Dpi;
  /** Where the IDAT chunks' data lie: together, one zlib stream. */
  idat: Array<{ offset: number; length: number }>;
}

export class ImageLayoutError extends Error {}

/** Start-of-frame markers PDF's DCTDecode reads: baseline, extended sequential, progressive (8-bit). */
const DCT_FRAMES = new Set([0xc0, 0xc1, 0xc2]);
/** Other SOFn: lossless, hierarchical, arithmetic-coded; not DCTDecode material. */
const OTHER_FRAMES = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks the marker segments up to the frame header; reads only APP0, APP1, APP14 and SOF payloads. */
export async function readJpegLayout(read: ByteReader): Promise<JpegLayout> {
  const soi = await read(0, 2);
  if (soi[0] !== 0xff || soi[1] !== 0xd8) throw new ImageLayoutError('not a JPEG');
  // Resolution segments are handed to jpegFacts, so JFIF and EXIF dpi are read in one place.
  const metadata: Uint8Array[] = [Uint8Array.of(0xff, 0xd8)];
  let adobe = false;
  let at = 2;
  for (;;) {
    const head = await read(at, 4);
    if (head.length < 4 || head[0] !== 0xff) throw new ImageLayoutError('JPEG ended before its frame header');
    const marker = head[1]!;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) throw new ImageLayoutError('JPEG has no frame header');
    const length = (head[2]! << 8) | head[3]!;
    if (length < 2) throw new ImageLayoutError('bad JPEG segment length');
    if (OTHER_FRAMES.has(marker)) throw new ImageLayoutError('JPEG coding a PDF cannot show');
    if (DCT_FRAMES.has(marker)) {
      const frame = await read(at + 4, 6);
      if (frame.length < 6) throw new ImageLayoutError('JPEG frame header cut short');
      const [precision, h1, h0, w1, w0, components] = frame as unknown as number[];
      const height = (h1! << 8) | h0!;
      const width = (w1! << 8) | w0!;
      if (precision !== 8 || width === 0 || height === 0 || ![1, 3, 4].includes(components!)) {
        throw new ImageLayoutError('JPEG frame a PDF cannot show');
      }
      const dpi = jpegFacts(concat(metadata)).dpi;
      return { width, height, components: components!, adobe, dpi };
    }
    if (marker === 0xe0 || marker === 0xe1 || marker === 0xee) {
      const segment = await read(at, 2 + length);
      if (segment.length < 2 + length) throw new ImageLayoutError('JPEG segment cut short');
      if (marker === 0xee && ascii(segment, 4, 5) === 'Adobe') adobe = true;
      else if (marker !== 0xee) metadata.push(segment);
    }
    at += 2 + length;
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Walks the chunks: reads IHDR, PLTE, tRNS and pHYs, and notes where each IDAT's data is. */
export async function readPngLayout(read: ByteReader): Promise<PngLayout> {
  const signature = await read(0, 8);
  if (!PNG_SIGNATURE.every((b, i) => signature[i] === b)) throw new ImageLayoutError('not a PNG');
  let header: Uint8Array | null = null;
  let palette: Uint8Array | null = null;
  let transparency = false;
  let dpi: Dpi = null;
  const idat: PngLayout['idat'] = [];
  let at = 8;
  for (;;) {
    const head = await read(at, 8);
    if (head.length < 8) throw new ImageLayoutError('PNG ended without IEND');
    const length = new DataView(head.buffer, head.byteOffset).getUint32(0);
    const type = ascii(head, 4, 4);
    const data = at + 8;
    if (type === 'IHDR' || type === 'PLTE' || type === 'pHYs') {
      const body = await read(data, length);
      if (body.length < length) throw new ImageLayoutError('PNG chunk cut short');
      if (type === 'IHDR') header = body;
      if (type === 'PLTE') palette = body;
      // pngDpi reads a whole file's chunks; one pHYs chunk after a signature is such a file.
      if (type === 'pHYs') dpi = pngDpi(concat([Uint8Array.from(PNG_SIGNATURE), head, body]));
    }
    if (type === 'tRNS') transparency = true;
    if (type === 'IDAT' && length > 0) idat.push({ offset: data, length });
    if (type === 'IEND') break;
    at = data + length + 4; // data, then its CRC
  }
  if (!header || header.length < 13 || idat.length === 0) throw new ImageLayoutError('PNG without image');
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  if (width === 0 || height === 0) throw new ImageLayoutError('empty PNG');
  return {
    width,
    height,
    bitDepth: header[8]!,
    colorType: header[9]!,
    interlaced: header[12] === 1,
    palette,
    transparency,
    dpi,
    idat,
  };
}

/**
 * Whether the PNG's IDAT stream can be a PDF image's data as it is: PDF's FlateDecode with the PNG
 * predictors (Predictor 15) undoes PNG's row filters, but it has no alpha channel, no Adam7
 * interlacing, and PDF 1.4 readers need 16-bit samples no more than we need to send them.
 */
export function pngStreamsAsIs(png: PngLayout): boolean {
  if (png.interlaced || png.transparency) return false;
  if (png.colorType === 0) return [1, 2, 4, 8].includes(png.bitDepth);
  if (png.colorType === 2) return png.bitDepth === 8;
  if (png.colorType === 3) return [1, 2, 4, 8].includes(png.bitDepth) && (png.palette?.length ?? 0) >= 3;
  return false;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
