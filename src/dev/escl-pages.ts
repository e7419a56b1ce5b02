// Scanned pages for the eSCL scanner double: an A4 page at the asked resolution with "PAGE N" (and
// FRONT/BACK for duplex) drawn large and a word of its own (pageWord), as a real baseline JPEG, a PNG or a one-page PDF.
// The JPEG encoder follows ITU-T T.81 (baseline, 8-bit, no subsampling). Instead of the Annex K
// Huffman tables it declares fixed-length ones (4-bit DC, 8-bit AC codes): any table given in DHT is
// valid, and fixed lengths keep the encoder short; the files are larger, which a test double can afford.

import type { ScanColorMode } from '../domain/ports.js';
import { buildPdf } from './sample-files/pdf.js';
import { encodePng, Raster } from './sample-files/png.js';

export interface PageSpec {
  /** 1-based, across the job (with duplex, fronts are odd and backs even). */
  number: number;
  side?: 'front' | 'back';
  colorMode: ScanColorMode;
  resolution: number;
  format: string;
}

/** Width and height in pixels of A4 (2480 x 3508 at 300 dpi) at this resolution. */
export function a4Pixels(resolution: number): { width: number; height: number } {
  return { width: Math.round((2480 * resolution) / 300), height: Math.round((3508 * resolution) / 300) };
}

export function renderPage(spec: PageSpec): Buffer {
  if (spec.format === 'application/pdf') {
    return buildPdf({
      title: `Scanned page ${spec.number}`,
      pages: [[`PAGE ${spec.number}`, sideLabel(spec), pageWord(spec.number)]],
    });
  }
  const canvas = drawPage(spec);
  if (spec.format === 'image/png') {
    const raster = new Raster(canvas.width, canvas.height);
    canvas.rgb.copy(raster.pixels);
    return encodePng(raster);
  }
  return encodeJpeg(
    canvas,
    spec.colorMode === 'color' ? 3 : 1,
    spec.resolution,
    spec.colorMode === 'blackandwhite',
  );
}

function sideLabel(spec: PageSpec): string {
  return spec.side ? spec.side.toUpperCase() : '';
}

// ---- Drawing ----------------------------------------------------------------------------------------

type Rgb = readonly [number, number, number];

class Canvas {
  readonly rgb: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = Buffer.alloc(width * height * 3, 255);
  }

  fillRect(x: number, y: number, w: number, h: number, [r, g, b]: Rgb): void {
    const x0 = Math.max(0, Math.floor(x));
    const x1 = Math.min(this.width, Math.floor(x + w));
    for (let row = Math.max(0, Math.floor(y)); row < Math.min(this.height, Math.floor(y + h)); row++) {
      for (let col = x0, at = (row * this.width + x0) * 3; col < x1; col++, at += 3) {
        this.rgb[at] = r;
        this.rgb[at + 1] = g;
        this.rgb[at + 2] = b;
      }
    }
  }
}

// 5x7 glyphs for what the pages say.
const GLYPHS: Record<string, string[]> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  A: [' ### ', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  B: ['#### ', '#   #', '#   #', '#### ', '#   #', '#   #', '#### '],
  C: [' ### ', '#   #', '#    ', '#    ', '#    ', '#   #', ' ### '],
  E: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#####'],
  F: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#    '],
  G: [' ### ', '#   #', '#    ', '# ###', '#   #', '#   #', ' ####'],
  K: ['#   #', '#  # ', '# #  ', '##   ', '# #  ', '#  # ', '#   #'],
  N: ['#   #', '##  #', '# # #', '#  ##', '#   #', '#   #', '#   #'],
  O: [' ### ', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  P: ['#### ', '#   #', '#   #', '#### ', '#    ', '#    ', '#    '],
  R: ['#### ', '#   #', '#   #', '#### ', '# #  ', '#  # ', '#   #'],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
};

function drawText(canvas: Canvas, text: string, x: number, y: number, dot: number, color: Rgb): void {
  [...text].forEach((ch, i) => {
    const glyph = GLYPHS[ch];
    if (!glyph) return;
    glyph.forEach((line, row) => {
      for (let col = 0; col < 5; col++) {
        if (line[col] === '#') canvas.fillRect(x + (i * 6 + col) * dot, y + row * dot, dot, dot, color);
      }
    });
  });
}

/** A word of its own on each page, so a searchable scan can be found by what one page says. */
const PAGE_WORDS = ['CARROT', 'ORANGE', 'BANANA', 'TOFFEE'];

/** The word page `number` (1-based) shows. */
export function pageWord(number: number): string {
  return PAGE_WORDS[(number - 1) % PAGE_WORDS.length] as string;
}

function drawPage(spec: PageSpec): Canvas {
  const { width, height } = a4Pixels(spec.resolution);
  const canvas = new Canvas(width, height);
  const unit = width / 100;
  const ink: Rgb = [20, 20, 20];
  // A frame, a coloured band whose height differs per page, and the big page number.
  const frame = Math.max(1, Math.round(unit / 2));
  canvas.fillRect(4 * unit, 4 * unit, width - 8 * unit, frame, ink);
  canvas.fillRect(4 * unit, height - 4 * unit, width - 8 * unit, frame, ink);
  canvas.fillRect(4 * unit, 4 * unit, frame, height - 8 * unit, ink);
  canvas.fillRect(width - 4 * unit, 4 * unit, frame, height - 8 * unit, ink);
  canvas.fillRect(8 * unit, 8 * unit, width - 16 * unit, (4 + (spec.number % 5) * 2) * unit, [40, 90, 200]);
  const dot = Math.max(1, Math.floor(width / 60));
  drawText(canvas, `PAGE ${spec.number}`, 10 * unit, height / 3, dot, ink);
  drawText(
    canvas,
    sideLabel(spec),
    10 * unit,
    height / 3 + 10 * dot,
    Math.max(1, Math.floor(dot / 2)),
    [200, 30, 30],
  );
  drawText(
    canvas,
    pageWord(spec.number),
    10 * unit,
    height / 2,
    Math.max(1, Math.round(spec.resolution / 50)),
    ink,
  );
  return canvas;
}

// ---- Baseline JPEG ----------------------------------------------------------------------------------

// Natural (row-major) index of each coefficient in zigzag order (T.81 Figure A.6).
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

// T.81 Annex K.1 tables (natural order), scaled to quality 75 as libjpeg does.
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
].map(scaleQuant);
const CHROMA_Q = Array.from({ length: 64 }, (_, i) => {
  const [row, col] = [Math.floor(i / 8), i % 8];
  const top = [17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 99, 47, 66, 99, 99];
  return scaleQuant(row < 4 && col < 4 ? top[row * 4 + col]! : 99);
});

function scaleQuant(q: number): number {
  return Math.min(255, Math.max(1, Math.floor((q * 50 + 50) / 100)));
}

// AC symbols: end of block, sixteen zeros, then (run << 4 | size) for every run and size baseline uses.
const AC_SYMBOLS = [0x00, 0xf0];
for (let run = 0; run < 16; run++) for (let size = 1; size <= 10; size++) AC_SYMBOLS.push((run << 4) | size);
const AC_CODE = new Map(AC_SYMBOLS.map((symbol, i) => [symbol, i]));

// c[u][x] = C(u)/2 cos((2x+1)u pi/16), so F = c f c^T is the T.81 forward DCT.
const COS = Array.from({ length: 8 }, (_, u) =>
  Array.from(
    { length: 8 },
    (_, x) => ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16),
  ),
);

class BitWriter {
  private bytes = Buffer.alloc(1 << 16);
  private length = 0;
  private acc = 0;
  private bits = 0;

  write(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.bits === 8) this.flushByte();
    }
  }

  /** Pads the last byte with ones (T.81 F.1.2.3) and returns the entropy-coded data. */
  finish(): Buffer {
    while (this.bits !== 0) this.write(1, 1);
    return this.bytes.subarray(0, this.length);
  }

  private flushByte(): void {
    this.push(this.acc);
    // A 0xFF in entropy-coded data is followed by a stuffed zero byte so it is not read as a marker.
    if (this.acc === 0xff) this.push(0);
    this.acc = 0;
    this.bits = 0;
  }

  private push(byte: number): void {
    if (this.length === this.bytes.length) {
      const bigger = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(bigger);
      this.bytes = bigger;
    }
    this.bytes[this.length++] = byte;
  }
}

function category(value: number): number {
  let abs = Math.abs(value);
  let size = 0;
  while (abs > 0) {
    size++;
    abs >>= 1;
  }
  return size;
}

function writeValue(out: BitWriter, value: number, size: number): void {
  if (size > 0) out.write(value < 0 ? value + (1 << size) - 1 : value, size);
}

function segment(marker: number, body: number[]): Buffer {
  return Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
}

/** Encodes the canvas as a baseline JPEG with 1 (grey) or 3 (YCbCr) components. */
function encodeJpeg(canvas: Canvas, components: 1 | 3, dpi: number, threshold: boolean): Buffer {
  const { width, height, rgb } = canvas;
  const planes = Array.from({ length: components }, () => new Float32Array(width * height));
  for (let i = 0, at = 0; i < width * height; i++, at += 3) {
    const [r, g, b] = [rgb[at]!, rgb[at + 1]!, rgb[at + 2]!];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    planes[0]![i] = (threshold ? (y < 128 ? 0 : 255) : y) - 128;
    if (components === 3) {
      planes[1]![i] = -0.168736 * r - 0.331264 * g + 0.5 * b;
      planes[2]![i] = 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
  }

  const out = new BitWriter();
  const previousDc = new Array<number>(components).fill(0);
  const block = new Float32Array(64);
  const rows = new Float32Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let c = 0; c < components; c++) {
        const plane = planes[c]!;
        const quant = c === 0 ? LUMA_Q : CHROMA_Q;
        let uniform = true;
        for (let y = 0; y < 8; y++) {
          // Edge blocks repeat the last row and column, as encoders usually do.
          const row = Math.min(by + y, height - 1) * width;
          for (let x = 0; x < 8; x++) {
            block[y * 8 + x] = plane[row + Math.min(bx + x, width - 1)]!;
            if (block[y * 8 + x] !== block[0]) uniform = false;
          }
        }
        const coefficients = new Int32Array(64);
        if (uniform) {
          // A flat block has only a DC term, 8 times the sample value.
          coefficients[0] = Math.round((8 * block[0]!) / quant[0]!);
        } else {
          for (let y = 0; y < 8; y++) {
            for (let u = 0; u < 8; u++) {
              let sum = 0;
              for (let x = 0; x < 8; x++) sum += COS[u]![x]! * block[y * 8 + x]!;
              rows[y * 8 + u] = sum;
            }
          }
          for (let v = 0; v < 8; v++) {
            for (let u = 0; u < 8; u++) {
              let sum = 0;
              for (let y = 0; y < 8; y++) sum += COS[v]![y]! * rows[y * 8 + u]!;
              coefficients[v * 8 + u] = Math.round(sum / quant[v * 8 + u]!);
            }
          }
        }
        const dc = coefficients[0]! - previousDc[c]!;
        previousDc[c] = coefficients[0]!;
        out.write(category(dc), 4);
        writeValue(out, dc, category(dc));
        let run = 0;
        for (let k = 1; k < 64; k++) {
          const value = coefficients[ZIGZAG[k]!]!;
          if (value === 0) {
            run++;
            continue;
          }
          while (run > 15) {
            out.write(AC_CODE.get(0xf0)!, 8);
            run -= 16;
          }
          const size = category(value);
          out.write(AC_CODE.get((run << 4) | size)!, 8);
          writeValue(out, value, size);
          run = 0;
        }
        if (run > 0) out.write(AC_CODE.get(0x00)!, 8);
      }
    }
  }
  const data = out.finish();

  const bitsAt = (length: number, count: number) =>
    Array.from({ length: 16 }, (_, i) => (i === length - 1 ? count : 0));
  const ids = components === 3 ? [1, 2, 3] : [1];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    // JFIF with the scan resolution as the pixel density (units 1: dots per inch).
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 1, dpi >> 8, dpi & 0xff, dpi >> 8, dpi & 0xff, 0, 0]),
    segment(0xdb, [
      0,
      ...ZIGZAG.map((i) => LUMA_Q[i]!),
      ...(components === 3 ? [1, ...ZIGZAG.map((i) => CHROMA_Q[i]!)] : []),
    ]),
    segment(0xc0, [
      8,
      height >> 8,
      height & 0xff,
      width >> 8,
      width & 0xff,
      components,
      ...ids.flatMap((id) => [id, 0x11, id === 1 ? 0 : 1]),
    ]),
    segment(0xc4, [
      0x00,
      ...bitsAt(4, 12),
      ...Array.from({ length: 12 }, (_, i) => i),
      0x10,
      ...bitsAt(8, AC_SYMBOLS.length),
      ...AC_SYMBOLS,
    ]),
    segment(0xda, [components, ...ids.flatMap((id) => [id, 0x00]), 0, 63, 0]),
    data,
    Buffer.from([0xff, 0xd9]),
  ]);
}
