// Images to a PDF with pdf-lib: JPEG goes in as it is (no re-encoding), PNG through pdf-lib's own
// embedder, the other types as decoded pixels compressed off the main thread.

import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import {
  concatTransformationMatrix,
  drawObject,
  PDFDocument,
  type PDFPage,
  type PDFRef,
  popGraphicsState,
  pushGraphicsState,
} from 'pdf-lib';
import { ConversionFailedError } from '../domain/errors.js';
import { decodeFrames, type PixelFrame } from './image-decode.js';
import { type Dpi, jpegFacts, pngDpi } from './image-facts.js';

const deflateAsync = promisify(deflate);

/** ISO A4 in points, the page every image is printed on (as text is, and as scans are combined). */
export const A4: readonly [number, number] = [595.28, 841.89];
/** 10 mm: more than any printer's unprintable edge, so nothing of the image is cut off. */
const MARGIN = 28.35;
/** Images that do not say their resolution are screen images: 96 dpi is what screens show them at. */
const DEFAULT_DPI = 96;

/** A PDF content-stream matrix [a b c d e f] that maps the image's unit square onto the page. */
export type Matrix = [number, number, number, number, number, number];

export interface Placement {
  page: [number, number];
  matrix: Matrix;
}

/**
 * Where an image of `width` x `height` stored pixels goes: on an A4 page, portrait unless the image (as
 * shown, after its EXIF orientation) is wider than tall, centred, at the size its resolution gives (96 dpi
 * when it names none), shrunk to fit inside the margins but never enlarged. A phone photo (4032 px at
 * 72 dpi, 1.4 m) fills the page; a small logo stays small. One predictable paper size also spares
 * printers that would otherwise ask for custom paper to be loaded.
 */
export function placeImage(width: number, height: number, dpi: Dpi, orientation = 1): Placement {
  const [dpiX, dpiY] = dpi ?? [DEFAULT_DPI, DEFAULT_DPI];
  // Orientations 5-8 turn the image a quarter: stored columns become shown rows.
  const turned = orientation >= 5 && orientation <= 8;
  const naturalW = ((turned ? height : width) * 72) / (turned ? dpiY : dpiX);
  const naturalH = ((turned ? width : height) * 72) / (turned ? dpiX : dpiY);
  const page: [number, number] = naturalW > naturalH ? [A4[1], A4[0]] : [A4[0], A4[1]];
  const scale = Math.min(1, (page[0] - 2 * MARGIN) / naturalW, (page[1] - 2 * MARGIN) / naturalH);
  const w = naturalW * scale;
  const h = naturalH * scale;
  const x = (page[0] - w) / 2;
  const y = (page[1] - h) / 2;
  return { page, matrix: orientationMatrix(orientation, x, y, w, h) };
}

/**
 * The matrix drawing an image's unit square (stored pixels, first row at the top) into the box x, y, w, h
 * turned as EXIF Orientation says (TIFF 6 tag 274: 1 as stored, 2 mirrored, 3 half turn, 4 flipped,
 * 5 transposed, 6 quarter turn clockwise, 7 transversed, 8 quarter turn anticlockwise).
 */
export function orientationMatrix(orientation: number, x: number, y: number, w: number, h: number): Matrix {
  switch (orientation) {
    case 2:
      return [-w, 0, 0, h, x + w, y];
    case 3:
      return [-w, 0, 0, -h, x + w, y + h];
    case 4:
      return [w, 0, 0, -h, x, y + h];
    case 5:
      return [0, -h, -w, 0, x + w, y + h];
    case 6:
      return [0, -h, w, 0, x, y + h];
    case 7:
      return [0, h, w, 0, x, y];
    case 8:
      return [0, h, -w, 0, x + w, y];
    default:
      return [w, 0, 0, h, x, y];
  }
}

/**
 * One A4 page per image: the JPEG or PNG itself, every page of a TIFF, the first frame of a GIF.
 * `checkpoint` runs between frames and before saving; it throws to stop (time limit, abort).
 */
export async function imageToPdfBytes(
  bytes: Uint8Array,
  mimeType: string,
  checkpoint: () => void,
): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  if (mimeType === 'image/jpeg') {
    const image = await unreadable(() => doc.embedJpg(bytes));
    const facts = jpegFacts(bytes);
    addImagePage(doc, image.ref, placeImage(image.width, image.height, facts.dpi, facts.orientation));
  } else if (mimeType === 'image/png') {
    const image = await unreadable(() => doc.embedPng(bytes));
    addImagePage(doc, image.ref, placeImage(image.width, image.height, pngDpi(bytes)));
  } else {
    for await (const frame of decodeFrames(bytes, mimeType)) {
      checkpoint();
      const ref = await embedPixels(doc, frame);
      addImagePage(doc, ref, placeImage(frame.width, frame.height, frame.dpi));
    }
  }
  checkpoint();
  return doc.save();
}

/** pdf-lib's own words for a damaged JPEG or PNG ("SOI not found") become the one a person can act on. */
async function unreadable<T>(embed: () => Promise<T>): Promise<T> {
  try {
    return await embed();
  } catch (err) {
    throw new ConversionFailedError('The image could not be read for printing. It may be damaged.', {
      cause: err,
    });
  }
}

function addImagePage(doc: PDFDocument, image: PDFRef, placement: Placement): PDFPage {
  const page = doc.addPage(placement.page);
  const name = page.node.newXObject('Image', image);
  page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(...placement.matrix),
    drawObject(name),
    popGraphicsState(),
  );
  return page;
}

/**
 * An image XObject from RGBA pixels: composited onto white (what paper is, so no soft mask is needed),
 * grey when every pixel is, Flate-compressed on libuv's thread pool rather than the event loop.
 */
async function embedPixels(doc: PDFDocument, frame: PixelFrame): Promise<PDFRef> {
  const { rgba, width, height } = frame;
  const pixels = width * height;
  let grey = true;
  for (let i = 0; i < pixels * 4 && grey; i += 4) grey = rgba[i] === rgba[i + 1] && rgba[i] === rgba[i + 2];
  const channels = grey ? 1 : 3;
  const samples = Buffer.allocUnsafe(pixels * channels);
  for (let p = 0, o = 0; p < pixels * 4; p += 4) {
    const alpha = rgba[p + 3]!;
    for (let c = 0; c < channels; c++) {
      const value = rgba[p + c]!;
      samples[o++] = alpha === 255 ? value : Math.round((value * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  const stream = doc.context.stream(await deflateAsync(samples), {
    Type: 'XObject',
    Subtype: 'Image',
    Width: width,
    Height: height,
    BitsPerComponent: 8,
    ColorSpace: grey ? 'DeviceGray' : 'DeviceRGB',
    Filter: 'FlateDecode',
  });
  return doc.context.register(stream);
}
