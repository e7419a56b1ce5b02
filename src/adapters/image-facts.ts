// What an image file says about how it should be shown: its resolution and, for camera JPEGs, which
// way up it is. Pure byte parsing, table-tested.

/** Dots per inch across and down, or null when the file does not say (or says something implausible). */
export type Dpi = [number, number] | null;

export interface JpegFacts {
  dpi: Dpi;
  /** EXIF Orientation 1-8 (CIPA DC-008 / TIFF 6 tag 274); 1 when absent. */
  orientation: number;
}

/** Resolutions outside this band are placeholders (1 dpi, 0 dpi), not facts. */
function plausible(x: number, y: number): Dpi {
  return Number.isFinite(x) && Number.isFinite(y) && x >= 50 && x <= 4800 && y >= 50 && y <= 4800
    ? [x, y]
    : null;
}

/** Pixels per unit to dots per inch; unit 'in', 'cm' or 'm'. */
export function toDpi(x: number, y: number, unit: 'in' | 'cm' | 'm'): Dpi {
  const factor = unit === 'in' ? 1 : unit === 'cm' ? 2.54 : 0.0254;
  return plausible(x * factor, y * factor);
}

/**
 * Orientation and resolution of a JPEG from its JFIF (APP0) and EXIF (APP1) segments. Cameras and phones
 * store pixels as the sensor saw them and the EXIF Orientation says how to turn them; a PDF shows pixels
 * as stored, so a portrait photo would print on its side without it.
 */
export function jpegFacts(bytes: Uint8Array): JpegFacts {
  const facts: JpegFacts = { dpi: null, orientation: 1 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0xffd8) return facts;
  let exifDpi: Dpi = null;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) break;
    const marker = bytes[offset + 1]!;
    // Start of scan or of frame data: the metadata segments come before it.
    if (marker === 0xda || marker === 0xd9) break;
    const length = view.getUint16(offset + 2);
    const start = offset + 4;
    const end = offset + 2 + length;
    if (length < 2 || end > bytes.length) break;
    if (marker === 0xe0 && ascii(bytes, start, 5) === 'JFIF\0' && end - start >= 12) {
      const units = bytes[start + 7];
      const x = view.getUint16(start + 8);
      const y = view.getUint16(start + 10);
      if (units === 1) facts.dpi = toDpi(x, y, 'in');
      if (units === 2) facts.dpi = toDpi(x, y, 'cm');
    }
    if (marker === 0xe1 && ascii(bytes, start, 6) === 'Exif\0\0') {
      const exif = exifIfd0(new DataView(bytes.buffer, bytes.byteOffset + start + 6, end - start - 6));
      facts.orientation = exif.orientation;
      exifDpi = exif.dpi;
    }
    offset = end;
  }
  facts.dpi ??= exifDpi;
  return facts;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** Orientation (274), XResolution (282), YResolution (283) and ResolutionUnit (296) of a TIFF IFD0. */
function exifIfd0(view: DataView): { orientation: number; dpi: Dpi } {
  const result = { orientation: 1, dpi: null as Dpi };
  try {
    const order = view.getUint16(0);
    const little = order === 0x4949;
    if (!little && order !== 0x4d4d) return result;
    const u16 = (at: number) => view.getUint16(at, little);
    const u32 = (at: number) => view.getUint32(at, little);
    const ifd = u32(4);
    const count = u16(ifd);
    let x = 0;
    let y = 0;
    let unit = 2;
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * 12;
      const tag = u16(entry);
      if (tag === 274) result.orientation = u16(entry + 8);
      if (tag === 296) unit = u16(entry + 8);
      if (tag === 282 || tag === 283) {
        const at = u32(entry + 8);
        const value = u32(at) / (u32(at + 4) || 1);
        if (tag === 282) x = value;
        else y = value;
      }
    }
    if (result.orientation < 1 || result.orientation > 8) result.orientation = 1;
    if (x > 0 && y > 0 && (unit === 2 || unit === 3)) result.dpi = toDpi(x, y, unit === 2 ? 'in' : 'cm');
  } catch {
    // A truncated EXIF block tells nothing; the image itself is still fine.
  }
  return result;
}

/** The pHYs chunk of a PNG (pixels per metre), as dpi. */
export function pngDpi(bytes: Uint8Array): Dpi {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = ascii(bytes, offset + 4, 4);
    if (type === 'pHYs' && length >= 9 && offset + 17 <= bytes.length) {
      return bytes[offset + 16] === 1
        ? toDpi(view.getUint32(offset + 8), view.getUint32(offset + 12), 'm')
        : null;
    }
    if (type === 'IDAT' || type === 'IEND') return null;
    offset += 12 + length;
  }
  return null;
}
