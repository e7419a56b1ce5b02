// TIFF, GIF, BMP and WebP to RGBA pixels, with small pure-JS (and, for WebP, WebAssembly) decoders:
// Ghostscript reads none of them, and the connector must print them with no LibreOffice installed.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import webpDecode, { init as initWebp } from '@jsquash/webp/decode.js';
import { decode as bmpDecode } from 'bmp-ts';
import { GifReader } from 'omggif';
import UTIF from 'utif2';
import { ConversionFailedError } from '../domain/errors.js';
import { type Dpi, toDpi } from './image-facts.js';

export interface PixelFrame {
  width: number;
  height: number;
  /** 4 bytes a pixel, rows top to bottom. */
  rgba: Uint8Array;
  dpi: Dpi;
}

/** 80 megapixels (an A3 page scanned at 600 dpi is 70): 320 MB of RGBA, decoded one frame at a time. */
export const MAX_PIXELS = 80_000_000;

/**
 * The frames to print, one at a time so only one is in memory: every page of a TIFF (faxes and scans
 * are multi-page TIFFs), the first frame of a GIF (the others are animation, not pages), the single image
 * of a BMP or WebP. Throws ConversionFailedError when the bytes are not such an image.
 */
export async function* decodeFrames(bytes: Uint8Array, mimeType: string): AsyncGenerator<PixelFrame> {
  try {
    if (mimeType === 'image/tiff') yield* tiffFrames(bytes);
    else if (mimeType === 'image/gif') yield gifFrame(bytes);
    else if (mimeType === 'image/bmp') yield bmpFrame(bytes);
    else if (mimeType === 'image/webp') yield await webpFrame(bytes);
    else throw new Error(`no decoder for ${mimeType}`);
  } catch (err) {
    if (err instanceof ConversionFailedError) throw err;
    throw new ConversionFailedError('The image could not be read for printing. It may be damaged.', {
      cause: err,
    });
  }
}

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new Error('image without pixels');
  if (width * height > MAX_PIXELS) {
    throw new ConversionFailedError(
      `The image is too large to print (over ${MAX_PIXELS / 1_000_000} megapixels). Make it smaller and try again.`,
    );
  }
}

type Ifd = UTIF.IFD;

function tagNumber(ifd: Ifd, tag: string): number | undefined {
  const value = ifd[tag];
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return undefined;
}

function* tiffFrames(bytes: Uint8Array): Generator<PixelFrame> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const ifds = UTIF.decode(buffer);
  let frames = 0;
  for (const ifd of ifds) {
    const width = tagNumber(ifd, 't256');
    const height = tagNumber(ifd, 't257');
    // NewSubfileType bit 0: a reduced-resolution copy (a thumbnail) of another page.
    if (width === undefined || height === undefined || ((tagNumber(ifd, 't254') ?? 0) & 1) === 1) continue;
    checkSize(width, height);
    UTIF.decodeImage(buffer, ifd);
    const rgba = UTIF.toRGBA8(ifd);
    // ResolutionUnit (296): 2 inch (the default), 3 centimetre, 1 none.
    const unit = tagNumber(ifd, 't296') ?? 2;
    const x = tagNumber(ifd, 't282');
    const y = tagNumber(ifd, 't283');
    const dpi = x && y && unit !== 1 ? toDpi(x, y, unit === 3 ? 'cm' : 'in') : null;
    frames++;
    yield { width: ifd.width, height: ifd.height, rgba, dpi };
  }
  if (frames === 0) throw new Error('TIFF without an image');
}

function gifFrame(bytes: Uint8Array): PixelFrame {
  const reader = new GifReader(bytes);
  checkSize(reader.width, reader.height);
  const rgba = new Uint8Array(reader.width * reader.height * 4);
  reader.decodeAndBlitFrameRGBA(0, rgba);
  return { width: reader.width, height: reader.height, rgba, dpi: null };
}

function bmpFrame(bytes: Uint8Array): PixelFrame {
  // BITMAPINFOHEADER width and height (negative for top-down rows), checked before decoding.
  if (bytes.length >= 26) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true)));
  }
  const image = bmpDecode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { toRGBA: true });
  checkSize(image.width, image.height);
  const rgba = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  // Only 32-bit BMPs carry alpha, and many of those leave it 0 as unused: an image that is wholly
  // transparent means no alpha at all, not a blank page.
  let hasAlpha = false;
  if (image.bitPP === 32) for (let i = 3; i < rgba.length && !hasAlpha; i += 4) hasAlpha = rgba[i] !== 0;
  if (!hasAlpha) for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  const dpi = image.hr > 0 && image.vr > 0 ? toDpi(image.hr, image.vr, 'm') : null;
  return { width: image.width, height: image.height, rgba, dpi };
}

let webpReady: Promise<void> | null = null;

/** The decoder's WebAssembly is read from the package once; its own loader fetches, which Node cannot. */
function webpInit(): Promise<void> {
  webpReady ??= (async () => {
    const wasmPath = createRequire(import.meta.url).resolve('@jsquash/webp/codec/dec/webp_dec.wasm');
    await initWebp(await WebAssembly.compile(await readFile(wasmPath)));
  })();
  return webpReady;
}

async function webpFrame(bytes: Uint8Array): Promise<PixelFrame> {
  const size = webpSize(bytes);
  if (size) checkSize(size[0], size[1]);
  await webpInit();
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const image = await webpDecode(copy);
  checkSize(image.width, image.height);
  const rgba = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { width: image.width, height: image.height, rgba, dpi: null };
}

/** Canvas size from the first chunk of a WebP (RIFF) file: VP8X, VP8 (lossy) or VP8L (lossless). */
export function webpSize(bytes: Uint8Array): [number, number] | null {
  if (bytes.length < 30) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourCC = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (fourCC(0) !== 'RIFF' || fourCC(8) !== 'WEBP') return null;
  const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
  switch (fourCC(12)) {
    case 'VP8X':
      return [u24(24) + 1, u24(27) + 1];
    case 'VP8 ':
      return [view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff];
    case 'VP8L': {
      const bits = view.getUint32(21, true);
      return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
    }
    default:
      return null;
  }
}
