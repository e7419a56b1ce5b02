// The streaming combiner against poppler: page count and sizes from pdfinfo, pixels from pdftoppm,
// structure from qpdf --check, and the memory a 20-page 300 dpi scan takes.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamingPdfCombiner } from '../../src/adapters/pdf-combiner.js';
import { renderPage } from '../../src/dev/escl-pages.js';
import type { ScanType } from '../../src/domain/scan-files.js';

const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'combiner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function saved(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

/** Page sizes in points, from pdfinfo. */
async function pageSizes(pdf: string): Promise<Array<[number, number]>> {
  const { stdout } = await run('pdfinfo', ['-f', '1', '-l', '9999', pdf]);
  return [...stdout.matchAll(/Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
}

interface Pixels {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

/** Page `page` rendered by pdftoppm at `dpi`, as grey (P5) or RGB (P6) samples. */
async function rendered(pdf: string, page: number, dpi: number, gray = false): Promise<Pixels> {
  const out = path.join(dir, `render-${page}-${gray ? 'g' : 'c'}`);
  const args = [
    '-r',
    String(dpi),
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    '-aa',
    'no',
    '-aaVector',
    'no',
  ];
  await run('pdftoppm', [...args, ...(gray ? ['-gray'] : []), pdf, out]);
  return readPnm(await readFile(`${out}.${gray ? 'pgm' : 'ppm'}`));
}

function readPnm(file: Buffer): Pixels {
  const header = file.subarray(0, 64).toString('latin1');
  const m = /^(P[56])\s+(\d+)\s+(\d+)\s+255\s/.exec(header);
  if (!m) throw new Error('not a binary PNM');
  const channels = m[1] === 'P6' ? 3 : 1;
  const width = Number(m[2]);
  const height = Number(m[3]);
  return {
    width,
    height,
    channels,
    data: file.subarray(m[0].length, m[0].length + width * height * channels),
  };
}

/** Mean absolute difference per sample, the largest, and the share of samples off by more than half. */
function difference(a: Pixels, b: Pixels): { mean: number; max: number; wrong: number } {
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let sum = 0;
  let max = 0;
  let wrong = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    sum += d;
    if (d > max) max = d;
    if (d > 128) wrong++;
  }
  return { mean: sum / a.data.length, max, wrong: wrong / a.data.length };
}

// ---- PNG files of every kind a scanner might send -------------------------------------------------

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A PNG from packed rows (filter byte 0 added here), split over several IDAT chunks. */
function png(o: {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  rows: Buffer[];
  palette?: Buffer;
  dpi?: number;
}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(o.width, 0);
  ihdr.writeUInt32BE(o.height, 4);
  ihdr[8] = o.bitDepth;
  ihdr[9] = o.colorType;
  const zlib = deflateSync(Buffer.concat(o.rows.map((row) => Buffer.concat([Buffer.from([0]), row]))));
  const third = Math.ceil(zlib.length / 3);
  const phys = Buffer.alloc(9);
  if (o.dpi) {
    phys.writeUInt32BE(Math.round(o.dpi / 0.0254), 0);
    phys.writeUInt32BE(Math.round(o.dpi / 0.0254), 4);
    phys[8] = 1;
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(o.dpi ? [chunk('pHYs', phys)] : []),
    ...(o.palette ? [chunk('PLTE', o.palette)] : []),
    chunk('IDAT', zlib.subarray(0, third)),
    chunk('IDAT', zlib.subarray(third, 2 * third)),
    chunk('IDAT', zlib.subarray(2 * third)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const W = 48;
const H = 36;
/** Which of four colours pixel x, y has: quarters of the image, with a diagonal stripe. */
const colourAt = (x: number, y: number) =>
  (Math.abs(x - y) < 3 ? 3 : (x < W / 2 ? 0 : 1) + (y < H / 2 ? 0 : 2)) % 4;
const PALETTE = [
  [255, 255, 255],
  [200, 30, 30],
  [40, 90, 200],
  [20, 20, 20],
];

/** Expected RGB samples of the test images. */
function expectedRgb(colour: (x: number, y: number) => number[]): Pixels {
  const data = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set(colour(x, y), (y * W + x) * 3);
  return { width: W, height: H, channels: 3, data };
}

const rowsOf = (bytesPerRow: number, fill: (row: Buffer, y: number) => void) =>
  Array.from({ length: H }, (_, y) => {
    const row = Buffer.alloc(bytesPerRow);
    fill(row, y);
    return row;
  });

const oneBitGrey = png({
  width: W,
  height: H,
  bitDepth: 1,
  colorType: 0,
  rows: rowsOf(W / 8, (row, y) => {
    for (let x = 0; x < W; x++) if (colourAt(x, y) !== 3) row[x >> 3]! |= 0x80 >> (x & 7);
  }),
});
const fourBitPalette = png({
  width: W,
  height: H,
  bitDepth: 4,
  colorType: 3,
  palette: Buffer.from(PALETTE.flat()),
  rows: rowsOf(W / 2, (row, y) => {
    for (let x = 0; x < W; x++) row[x >> 1]! |= colourAt(x, y) << (x & 1 ? 0 : 4);
  }),
});
const rgba = png({
  width: W,
  height: H,
  bitDepth: 8,
  colorType: 6,
  // Colour 0 is fully transparent: on a PDF page it shows the white paper.
  rows: rowsOf(W * 4, (row, y) => {
    for (let x = 0; x < W; x++) row.set([...PALETTE[colourAt(x, y)]!, colourAt(x, y) === 0 ? 0 : 255], x * 4);
  }),
});

async function combine(
  pages: Array<{ path: string; type: ScanType }>,
  options?: { dpi?: number },
  check = true,
): Promise<{ pdf: string; pages: number }> {
  const pdf = path.join(dir, `out-${Math.random().toString(36).slice(2)}.pdf`);
  const result = await new StreamingPdfCombiner().combine(pages, pdf, options);
  // qpdf --check exits non-zero on a broken cross-reference table, stream length or stream data.
  if (check)
    expect((await run('qpdf', ['--check', pdf])).stdout).toContain('No syntax or stream encoding errors');
  return { pdf, ...result };
}

describe('StreamingPdfCombiner', () => {
  it('combines JPEG, PNG and PDF pages into one valid PDF, each page the size of its scan', async () => {
    const spec = { number: 2, colorMode: 'color' as const, resolution: 100 };
    const pages = [
      { path: await saved('colour.jpg', renderPage({ ...spec, format: 'image/jpeg' })), type: 'image/jpeg' },
      {
        path: await saved('grey.jpg', renderPage({ ...spec, colorMode: 'grayscale', format: 'image/jpeg' })),
        type: 'image/jpeg',
      },
      { path: await saved('colour.png', renderPage({ ...spec, format: 'image/png' })), type: 'image/png' },
      {
        path: await saved('page.pdf', renderPage({ ...spec, format: 'application/pdf' })),
        type: 'application/pdf',
      },
      {
        path: await saved(
          '300dpi.png',
          png({ width: W, height: H, bitDepth: 1, colorType: 0, dpi: 300, rows: rowsOf(W / 8, () => {}) }),
        ),
        type: 'image/png',
      },
    ] as const;
    const { pdf, pages: count } = await combine([...pages], { dpi: 100 });
    expect(count).toBe(5);
    const source = await pageSizes(pages[3].path);
    // A4 at 100 dpi is 827 x 1169 pixels: 595.44 x 841.68 points, whether the JPEG's JFIF says 100 dpi
    // or the PNG says nothing and the scan's 100 dpi is used; the PDF page keeps its own size; the
    // PNG's pHYs (300 dpi) wins over the scan's.
    expect(await pageSizes(pdf)).toEqual([
      [595.44, 841.68],
      [595.44, 841.68],
      [595.44, 841.68],
      source[0],
      [11.52, 8.64],
    ]);
  });

  it('without the scan resolution, an image that states none is 72 dpi', async () => {
    const file = await saved('72.png', oneBitGrey);
    const { pdf } = await combine([{ path: file, type: 'image/png' }]);
    expect(await pageSizes(pdf)).toEqual([[W, H]]);
  });

  it('shows the pixels of every page as the scanner sent them', async () => {
    const spec = { number: 3, colorMode: 'color' as const, resolution: 100 };
    const pngPage = renderPage({ ...spec, format: 'image/png' });
    const pdfPage = await saved('p.pdf', renderPage({ ...spec, format: 'application/pdf' }));
    const { pdf } = await combine(
      [
        { path: await saved('p.png', pngPage), type: 'image/png' },
        { path: await saved('p.jpg', renderPage({ ...spec, format: 'image/jpeg' })), type: 'image/jpeg' },
        {
          path: await saved('g.jpg', renderPage({ ...spec, colorMode: 'grayscale', format: 'image/jpeg' })),
          type: 'image/jpeg',
        },
        { path: pdfPage, type: 'application/pdf' },
      ],
      { dpi: 100 },
    );
    // The PNG page, lossless, against the same page as pdftoppm sees the PNG scanned as a lone page.
    const reference = await combine([{ path: await saved('ref.png', pngPage), type: 'image/png' }], {
      dpi: 100,
    });
    const original = await rendered(reference.pdf, 1, 100);
    const asPng = await rendered(pdf, 1, 100);
    expect(difference(asPng, original).max).toBeLessThanOrEqual(1);
    // The JPEG is lossy: close to the same drawing, not equal.
    expect(difference(await rendered(pdf, 2, 100), original).mean).toBeLessThan(4);
    expect(
      difference(await rendered(pdf, 3, 100, true), await rendered(reference.pdf, 1, 100, true)).mean,
    ).toBeLessThan(4);
    // A page from a PDF renders exactly as it did in its own file.
    expect(difference(await rendered(pdf, 4, 100), await rendered(pdfPage, 1, 100)).max).toBe(0);
  });

  it('takes 1-bit grey and palette PNGs as they are, and PNGs with alpha through pdf-lib', async () => {
    const { pdf } = await combine(
      [
        { path: await saved('bw.png', oneBitGrey), type: 'image/png' },
        { path: await saved('pal.png', fourBitPalette), type: 'image/png' },
        { path: await saved('rgba.png', rgba), type: 'image/png' },
      ],
      { dpi: 72 },
    );
    expect(await pageSizes(pdf)).toEqual([
      [W, H],
      [W, H],
      [W, H],
    ]);
    // Poppler smooths the edges of small images a little; a wrong bit order, predictor or palette
    // would turn a large share of the pixels into another colour.
    const bw = expectedRgb((x, y) => (colourAt(x, y) === 3 ? [0, 0, 0] : [255, 255, 255]));
    const colours = expectedRgb((x, y) => PALETTE[colourAt(x, y)]!);
    for (const [page, expected] of [
      [1, bw],
      [2, colours],
      [3, colours],
    ] as const) {
      const diff = difference(await rendered(pdf, page, 72), expected);
      expect(diff.mean).toBeLessThan(8);
      expect(diff.wrong).toBeLessThan(0.03);
    }
    // Only the alpha page needs pdf-lib's soft mask; the others are plain FlateDecode images.
    const text = (await readFile(pdf)).toString('latin1');
    expect(text.match(/\/SMask/g)).toHaveLength(1);
    expect(text.match(/\/Predictor 15/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('writes a CMYK JPEG from Adobe software with the inverted Decode array', async () => {
    // The smallest JPEG header poppler needs to list the image: no pixels are drawn in this test.
    const segment = (marker: number, body: number[]) => [
      0xff,
      marker,
      (body.length + 2) >> 8,
      (body.length + 2) & 0xff,
      ...body,
    ];
    const head = Buffer.from([
      0xff,
      0xd8,
      ...segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 0]),
      ...segment(0xc0, [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]),
      0xff,
      0xd9,
    ]);
    const { pdf } = await combine([{ path: await saved('cmyk.jpg', head), type: 'image/jpeg' }], {}, false);
    const text = (await readFile(pdf)).toString('latin1');
    expect(text).toContain(
      '/ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /DCTDecode /Decode [1 0 1 0 1 0 1 0]',
    );
    const { stdout } = await run('pdfimages', ['-list', pdf]);
    expect(stdout).toMatch(/image\s+8\s+8\s+cmyk\s+4\s+8\s+jpeg/);
  });

  it('refuses a page it cannot read and leaves the reason to the caller', async () => {
    const broken = await saved(
      'broken.jpg',
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 0x11)]),
    );
    await expect(
      new StreamingPdfCombiner().combine([{ path: broken, type: 'image/jpeg' }], path.join(dir, 'x.pdf')),
    ).rejects.toThrow();
  });

  it('combines a 20-page 300 dpi scan holding no more than about one page in memory', async () => {
    const spec = { number: 1, colorMode: 'color' as const, resolution: 300 };
    const jpeg = await saved('big.jpg', renderPage({ ...spec, format: 'image/jpeg' }));
    const pngFile = await saved('big.png', renderPage({ ...spec, format: 'image/png' }));
    const pages = Array.from({ length: 20 }, (_, i) => ({
      path: i % 2 ? pngFile : jpeg,
      type: (i % 2 ? 'image/png' : 'image/jpeg') as ScanType,
    }));
    const before = process.memoryUsage();
    let peak = 0;
    const sample = () => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.arrayBuffers - before.arrayBuffers, now.heapUsed - before.heapUsed);
    };
    const timer = setInterval(sample, 2);
    const out = path.join(dir, 'big.pdf');
    try {
      expect(await new StreamingPdfCombiner().combine(pages, out, { dpi: 300 })).toEqual({ pages: 20 });
    } finally {
      clearInterval(timer);
    }
    sample();
    // pdf-lib took 65 MB of buffers for these JPEGs and about 1 GB for the PNGs (it decodes each one to
    // 26 MB of RGB); one decoded page alone is 26 MB. Streaming copies 64 KiB at a time.
    expect(peak).toBeLessThan(16 * 1024 * 1024);
    expect(await pageSizes(out)).toEqual(Array(20).fill([595.2, 841.92]));
  }, 60_000);
});
