import { PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { webpSize } from '../../src/adapters/image-decode.js';
import { jpegFacts, pngDpi } from '../../src/adapters/image-facts.js';
import { A4, type Matrix, orientationMatrix, placeImage } from '../../src/adapters/image-to-pdf.js';
import { pageIndexes } from '../../src/adapters/pdf-pages.js';
import {
  type BackTransform,
  backSideProcedure,
  backSideTransform,
  ghostscriptRasterArgs,
  headerTransform,
} from '../../src/adapters/pdf-raster-args.js';
import { decodeText, paginate, showable } from '../../src/adapters/text-to-pdf.js';
import type { RasterOptions, Sides } from '../../src/domain/ports.js';
import { JPEG, makePng, WEBP } from '../fixtures/documents.js';

describe('backSideTransform (libcupsfilters pdftopdf.c / raster.c)', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[Sides, RasterOptions['sheetBack'], BackTransform, [number, number]]>([
    ['one-sided', 'flipped', 'none', [1, 1]],
    ['one-sided', 'rotated', 'none', [1, 1]],
    ['two-sided-long-edge', 'normal', 'none', [1, 1]],
    ['two-sided-long-edge', 'flipped', 'flip-y', [1, -1]],
    ['two-sided-long-edge', 'rotated', 'rotate-180', [-1, -1]],
    ['two-sided-long-edge', 'manual-tumble', 'none', [1, 1]],
    ['two-sided-short-edge', 'normal', 'none', [1, 1]],
    ['two-sided-short-edge', 'flipped', 'flip-x', [-1, 1]],
    ['two-sided-short-edge', 'rotated', 'none', [1, 1]],
    ['two-sided-short-edge', 'manual-tumble', 'rotate-180', [-1, -1]],
  ])('%s with sheet-back %s: %s, header %j', (sides, sheetBack, transform, header) => {
    expect(backSideTransform(sides, sheetBack)).toBe(transform);
    expect(headerTransform(transform)).toEqual(header);
  });

  it('turns only even pages, with a procedure built from constants', () => {
    expect(backSideProcedure('none')).toBeNull();
    expect(backSideProcedure('rotate-180')).toBe(
      '<< /BeginPage { 2 mod 1 eq { currentpagedevice /PageSize get aload pop translate 180 rotate } if } >> setpagedevice',
    );
  });
});

describe('ghostscriptRasterArgs', () => {
  const base: RasterOptions = {
    format: 'image/pwg-raster',
    resolution: [300, 300],
    color: false,
    sides: 'one-sided',
    sheetBack: 'normal',
    pageSize: null,
  };

  it('one-sided grey PWG raster', () => {
    expect(
      ghostscriptRasterArgs({ raster: base, input: '/t/in.pdf', output: '/t/out.pwg', pageCount: 3 }),
    ).toEqual([
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-dQUIET',
      '-sDEVICE=pwgraster',
      '-r300x300',
      '-dcupsColorSpace=18',
      '-dcupsBitsPerColor=8',
      '-dUseCropBox',
      '-dcupsInteger0=3',
      '-sOutputFile=/t/out.pwg',
      '/t/in.pdf',
    ]);
  });

  it('two-sided colour URF on Letter, turning back sides', () => {
    const args = ghostscriptRasterArgs({
      raster: {
        ...base,
        format: 'image/urf',
        resolution: [600, 600],
        color: true,
        sides: 'two-sided-short-edge',
        sheetBack: 'manual-tumble',
        pageSize: [612, 792],
      },
      input: '/t/in.pdf',
      output: '/t/100%.urf',
      pageCount: 0,
    });
    expect(args).toEqual([
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-dQUIET',
      '-sDEVICE=urf',
      '-r600x600',
      '-dcupsColorSpace=19',
      '-dcupsBitsPerColor=8',
      '-dUseCropBox',
      '-dDEVICEWIDTHPOINTS=612',
      '-dDEVICEHEIGHTPOINTS=792',
      '-dFIXEDMEDIA',
      '-dPDFFitPage',
      '-dDuplex',
      '-dTumble',
      '-sOutputFile=/t/100%%.urf',
      '-c',
      backSideProcedure('rotate-180'),
      '-f',
      '/t/in.pdf',
    ]);
  });

  it('PWG raster two-sided carries the back-side transform in the header', () => {
    const args = ghostscriptRasterArgs({
      raster: { ...base, sides: 'two-sided-long-edge', sheetBack: 'flipped' },
      input: '/i',
      output: '/o',
      pageCount: 2,
    });
    expect(args).toEqual(expect.arrayContaining(['-dDuplex', '-dcupsInteger1=1', '-dcupsInteger2=-1']));
    expect(args).not.toContain('-dTumble');
  });
});

describe('pageIndexes', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[Array<[number, number]>, number, number[]]>([
    [[[1, 1]], 3, [0]],
    [[[2, 3], [5, 9]], 5, [1, 2, 4]],
    [[[4, 6]], 3, []],
    [[[1, 2], [2, 3]], 5, [0, 1, 2]],
    [[[3, 3], [1, 1]], 5, [0, 2]],
  ])('%j of %d pages -> %j', (ranges, count, indexes) => {
    expect(pageIndexes(ranges, count)).toEqual(indexes);
  });
});

describe('text layout', () => {
  it.each<[string, string[][]]>([
    ['one\ntwo\n', [['one', 'two']]],
    ['a\r\nb\rc', [['a', 'b', 'c']]],
    ['page one\fpage two', [['page one'], ['page two']]],
    ['\tx\ty', [['        x       y']]],
    ['trailing   \n', [['trailing']]],
  ])('%j', (text, pages) => {
    expect(paginate(text, 20, 10)).toEqual(pages);
  });

  it('wraps at the last space, or at the edge when there is none', () => {
    expect(paginate('the quick brown fox jumps', 10, 10)).toEqual([['the quick', 'brown fox', 'jumps']]);
    expect(paginate('abcdefghijklmnopqrstuvwxy', 10, 10)).toEqual([['abcdefghij', 'klmnopqrst', 'uvwxy']]);
  });

  it('starts a new page when one is full', () => {
    const pages = paginate(Array.from({ length: 25 }, (_, i) => `line ${i}`).join('\n'), 20, 10);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
  });

  it('keeps letters the font has, takes the base of those it lacks, replaces the rest', async () => {
    const courier = await (await PDFDocument.create()).embedFont(StandardFonts.Courier);
    const winAnsi = new Set(courier.getCharacterSet());
    expect(showable('smörgåsbord, één, naïef, Ærø, € 5', winAnsi)).toBe('smörgåsbord, één, naïef, Ærø, € 5');
    expect(showable('Łódź ő 漢字 😀\u0007', winAnsi)).toBe('?ódz o ?? ? ');
  });

  it('reads UTF-8, UTF-16 with a byte-order mark, and Windows-1252', () => {
    expect(decodeText(Buffer.from('\uFEFFhé', 'utf8'))).toBe('hé');
    expect(decodeText(Buffer.from([0xff, 0xfe, 0x68, 0x00, 0xe9, 0x00]))).toBe('hé');
    expect(decodeText(Buffer.from([0x68, 0xe9, 0x80]))).toBe('hé€');
  });
});

describe('image placement', () => {
  const apply = (m: Matrix, u: number, v: number) => [m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]];

  it.each<[number, [number, number]]>([
    // Where the stored image's top-left corner (u 0, v 1) is shown, in a box 0,0 to 2,1.
    [1, [0, 1]],
    [2, [2, 1]],
    [3, [2, 0]],
    [4, [0, 0]],
    [5, [0, 1]],
    [6, [2, 1]],
    [7, [2, 0]],
    [8, [0, 0]],
  ])('EXIF orientation %d puts the first pixel at %j', (orientation, corner) => {
    const m = orientationMatrix(orientation, 0, 0, 2, 1);
    expect(apply(m, 0, 1)).toEqual(corner);
    // The unit square still covers exactly the box.
    const corners = [apply(m, 0, 0), apply(m, 1, 0), apply(m, 0, 1), apply(m, 1, 1)];
    expect(corners.map(([x]) => x).sort()).toEqual([0, 0, 2, 2]);
    expect(corners.map(([, y]) => y).sort()).toEqual([0, 0, 1, 1]);
  });

  it('keeps a small image at its own size, centred on portrait A4', () => {
    const { page, matrix } = placeImage(96, 192, null);
    expect(page).toEqual([A4[0], A4[1]]);
    expect(matrix[0]).toBeCloseTo(72);
    expect(matrix[3]).toBeCloseTo(144);
    expect(matrix[4]).toBeCloseTo((A4[0] - 72) / 2);
  });

  it('shrinks a 72 dpi phone photo onto landscape A4, inside the margins', () => {
    const { page, matrix } = placeImage(4032, 3024, [72, 72]);
    expect(page).toEqual([A4[1], A4[0]]);
    expect(matrix[0]).toBeLessThanOrEqual(A4[1] - 2 * 28.35 + 1e-9);
    expect(matrix[3]).toBeLessThanOrEqual(A4[0] - 2 * 28.35 + 1e-9);
    expect(matrix[0] / matrix[3]).toBeCloseTo(4032 / 3024);
  });

  it('a landscape-stored photo turned by EXIF 6 goes on a portrait page', () => {
    expect(placeImage(4032, 3024, [72, 72], 6).page).toEqual([A4[0], A4[1]]);
  });
});

describe('image facts', () => {
  /** A JPEG start with an EXIF block holding Orientation and a 300 dpi resolution. */
  function exifJpeg(orientation: number): Buffer {
    const tiff = Buffer.alloc(8 + 2 + 4 * 12 + 4 + 16);
    tiff.write('MM', 0, 'latin1');
    tiff.writeUInt16BE(42, 2);
    tiff.writeUInt32BE(8, 4);
    tiff.writeUInt16BE(4, 8);
    const rational = 8 + 2 + 4 * 12 + 4;
    const entries: Array<[number, number, number]> = [
      [274, 3, orientation << 16],
      [282, 5, rational],
      [283, 5, rational + 8],
      [296, 3, 2 << 16],
    ];
    entries.forEach(([tag, type, value], i) => {
      tiff.writeUInt16BE(tag, 10 + i * 12);
      tiff.writeUInt16BE(type, 12 + i * 12);
      tiff.writeUInt32BE(1, 14 + i * 12);
      tiff.writeUInt32BE(value, 18 + i * 12);
    });
    tiff.writeUInt32BE(300, rational);
    tiff.writeUInt32BE(1, rational + 4);
    tiff.writeUInt32BE(300, rational + 8);
    tiff.writeUInt32BE(1, rational + 12);
    const app1 = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(app1.length + 2);
    return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), length, app1, Buffer.from([0xff, 0xda])]);
  }

  it('reads EXIF orientation and resolution', () => {
    expect(jpegFacts(exifJpeg(6))).toEqual({ orientation: 6, dpi: [300, 300] });
    expect(jpegFacts(exifJpeg(9)).orientation).toBe(1);
  });

  it('reads a JFIF density, and says nothing for a JPEG without one', () => {
    const jfif = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00, 0x96, 0x00,
      0x96, 0x00, 0x00, 0xff, 0xda,
    ]);
    expect(jpegFacts(jfif)).toEqual({ orientation: 1, dpi: [150, 150] });
    expect(jpegFacts(Buffer.from('not a jpeg'))).toEqual({ orientation: 1, dpi: null });
    expect(jpegFacts(JPEG).orientation).toBe(1);
  });

  it('reads a PNG pHYs chunk', () => {
    expect(pngDpi(makePng())).toBeNull();
    const png = makePng();
    const phys = Buffer.alloc(21);
    phys.writeUInt32BE(9, 0);
    phys.write('pHYs', 4, 'latin1');
    phys.writeUInt32BE(11811, 8); // 300 dpi in pixels per metre
    phys.writeUInt32BE(11811, 12);
    phys[16] = 1;
    const withPhys = Buffer.concat([png.subarray(0, 33), phys, png.subarray(33)]);
    const dpi = pngDpi(withPhys);
    expect(dpi?.[0]).toBeCloseTo(300, 0);
  });

  it('reads a WebP canvas size before decoding', () => {
    expect(webpSize(WEBP)).toEqual([3, 2]);
    expect(webpSize(Buffer.from('RIFF'))).toBeNull();
  });
});
