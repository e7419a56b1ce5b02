import { describe, expect, it } from 'vitest';
import {
  type ByteReader,
  ImageLayoutError,
  type PngLayout,
  pngStreamsAsIs,
  readJpegLayout,
  readPngLayout,
} from '../../src/adapters/image-layout.js';
import { pageSize } from '../../src/adapters/pdf-combiner.js';
import { SAMPLE_JPEG } from '../../src/dev/sample-files/jpeg.js';
import { encodePng, Raster } from '../../src/dev/sample-files/png.js';

const readerOf =
  (bytes: Uint8Array): ByteReader =>
  async (at, length) =>
    bytes.subarray(at, at + length);

function segment(marker: number, body: number[]): number[] {
  return [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
}

const jfif = (units: number, x: number, y: number) =>
  segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, units, x >> 8, x & 0xff, y >> 8, y & 0xff, 0, 0]);
const adobe = segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 2]);
const sof = (marker: number, precision: number, w: number, h: number, components: number) =>
  segment(marker, [
    precision,
    h >> 8,
    h & 0xff,
    w >> 8,
    w & 0xff,
    components,
    ...Array(components * 3).fill(1),
  ]);
const jpeg = (...segments: number[][]) => Uint8Array.from([0xff, 0xd8, ...segments.flat(), 0xff, 0xda]);

describe('readJpegLayout', () => {
  it.each([
    [
      'grey, JFIF 300 dpi',
      jpeg(jfif(1, 300, 300), sof(0xc0, 8, 2480, 3508, 1)),
      [2480, 3508, 1, false, [300, 300]],
    ],
    ['RGB, no density', jpeg(sof(0xc0, 8, 10, 20, 3)), [10, 20, 3, false, null]],
    ['progressive', jpeg(jfif(1, 200, 200), sof(0xc2, 8, 640, 480, 3)), [640, 480, 3, false, [200, 200]]],
    ['CMYK from Adobe software', jpeg(adobe, sof(0xc0, 8, 8, 8, 4)), [8, 8, 4, true, null]],
    ['CMYK without APP14', jpeg(sof(0xc1, 8, 8, 8, 4)), [8, 8, 4, false, null]],
    [
      'fill bytes before a marker',
      Uint8Array.from([0xff, 0xd8, 0xff, ...sof(0xc0, 8, 3, 4, 1)]),
      [3, 4, 1, false, null],
    ],
  ])('%s', async (_name, bytes, [width, height, components, isAdobe, dpi]) => {
    expect(await readJpegLayout(readerOf(bytes))).toEqual({ width, height, components, adobe: isAdobe, dpi });
  });

  it('reads the sample photo', async () => {
    expect(await readJpegLayout(readerOf(SAMPLE_JPEG))).toMatchObject({
      width: 48,
      height: 32,
      components: 3,
    });
  });

  it.each([
    ['not a JPEG', Uint8Array.from([0x89, 0x50, 0x4e, 0x47])],
    ['no frame header before the scan', jpeg(jfif(1, 300, 300))],
    ['12-bit samples', jpeg(sof(0xc1, 12, 8, 8, 1))],
    ['lossless coding', jpeg(sof(0xc3, 8, 8, 8, 1))],
    ['arithmetic coding', jpeg(sof(0xc9, 8, 8, 8, 3))],
    ['two components', jpeg(sof(0xc0, 8, 8, 8, 2))],
    ['cut short', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a])],
    [
      'the broken page a test device sends',
      Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...Array(64).fill(0x11)]),
    ],
  ])('refuses %s', async (_name, bytes) => {
    await expect(readJpegLayout(readerOf(bytes))).rejects.toBeInstanceOf(ImageLayoutError);
  });
});

describe('readPngLayout', () => {
  it('finds the header and every IDAT range', async () => {
    const png = encodePng(new Raster(30, 20));
    const layout = await readPngLayout(readerOf(png));
    expect(layout).toMatchObject({ width: 30, height: 20, bitDepth: 8, colorType: 2, interlaced: false });
    expect(layout.dpi).toBeNull();
    const [idat] = layout.idat;
    // The IDAT data is the chunk after IHDR (8 signature + 25 IHDR chunk + 8 chunk head).
    expect(idat?.offset).toBe(41);
    expect(idat!.offset + idat!.length + 4 + 12).toBe(png.length);
  });

  it('refuses a PNG without image data', async () => {
    const png = encodePng(new Raster(2, 2));
    const noIdat = Buffer.concat([png.subarray(0, 33), png.subarray(png.length - 12)]);
    await expect(readPngLayout(readerOf(noIdat))).rejects.toBeInstanceOf(ImageLayoutError);
    await expect(readPngLayout(readerOf(png.subarray(0, 40)))).rejects.toBeInstanceOf(ImageLayoutError);
  });
});

describe('pngStreamsAsIs', () => {
  const base: PngLayout = {
    width: 1,
    height: 1,
    bitDepth: 8,
    colorType: 2,
    interlaced: false,
    palette: null,
    transparency: false,
    dpi: null,
    idat: [],
  };
  it.each([
    [{}, true],
    [{ colorType: 0, bitDepth: 1 }, true],
    [{ colorType: 0, bitDepth: 8 }, true],
    [{ colorType: 0, bitDepth: 16 }, false],
    [{ colorType: 2, bitDepth: 16 }, false],
    [{ colorType: 3, bitDepth: 4, palette: new Uint8Array(48) }, true],
    [{ colorType: 3, bitDepth: 8, palette: null }, false],
    [{ colorType: 4 }, false],
    [{ colorType: 6 }, false],
    [{ interlaced: true }, false],
    [{ transparency: true }, false],
  ])('%o -> %s', (change, expected) => {
    expect(pngStreamsAsIs({ ...base, ...change })).toBe(expected);
  });
});

describe('pageSize', () => {
  it.each([
    [
      'A4 at 300 dpi',
      { width: 2480, height: 3508, dpi: [300, 300] as [number, number] },
      72,
      [595.2, 841.92],
    ],
    ['the file says nothing: the given dpi', { width: 827, height: 1169, dpi: null }, 100, [595.44, 841.68]],
    ['unequal dpi', { width: 300, height: 300, dpi: [300, 150] as [number, number] }, 72, [72, 144]],
    ['nothing known: 72 dpi', { width: 100, height: 50, dpi: null }, 72, [100, 50]],
    ['too large for readers: shrunk whole', { width: 30000, height: 15000, dpi: null }, 72, [14400, 7200]],
  ])('%s', (_name, image, dpi, [width, height]) => {
    expect(pageSize(image, dpi)).toEqual({ width, height });
  });
});
