import { describe, expect, it } from 'vitest';
import { BLANK_CHECK_DPI, isBlankPage, parsePgm } from '../../src/domain/blank-pages.js';
import { seededRandom } from '../support/seeded-random.js';

// Synthetic pages as Ghostscript renders a 300 dpi scan at 50 dpi with interpolation: each pixel is
// the average of 6 x 6 scanned pixels, so a thin stroke turns mid grey and scanner noise all but
// disappears. A4 at 50 dpi is 413 x 585 pixels.

const A4 = { width: Math.round(8.27 * BLANK_CHECK_DPI), height: Math.round(11.69 * BLANK_CHECK_DPI) };

class Page {
  readonly pixels: Uint8Array;
  constructor(
    readonly width = A4.width,
    readonly height = A4.height,
    paper = 250,
  ) {
    this.pixels = new Uint8Array(width * height).fill(paper);
  }
  set(x: number, y: number, level: number): this {
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.pixels[y * this.width + x] = level;
    return this;
  }
  rect(x: number, y: number, w: number, h: number, level: number | (() => number)): this {
    for (let row = y; row < y + h; row++)
      for (let col = x; col < x + w; col++) this.set(col, row, typeof level === 'number' ? level : level());
    return this;
  }
  /** Glyph-like marks: per letter two or three short strokes, as small text averages at 50 dpi. */
  text(x: number, y: number, letters: number, level: number, size = 6): this {
    for (let i = 0; i < letters; i++) {
      const left = x + i * Math.ceil(size * 0.7);
      this.rect(left, y, 1, size, level); // a stem
      this.rect(left, y + size - 1, Math.ceil(size * 0.5), 1, level); // a foot
      if (i % 2 === 0) this.rect(left, y, Math.ceil(size * 0.5), 1, level); // a bar
    }
    return this;
  }
  blank(): boolean {
    return isBlankPage(this.pixels, this.width, this.height);
  }
}

function noisy(seed: number, paper: number, spread: number): Page {
  const rnd = seededRandom(seed);
  const page = new Page(A4.width, A4.height, paper);
  for (let i = 0; i < page.pixels.length; i++)
    page.pixels[i] = paper - spread + Math.floor(rnd() * 2 * spread);
  return page;
}

describe('isBlankPage', () => {
  const rnd = seededRandom(7);
  const cases: Array<[string, () => Page, boolean]> = [
    ['a white page', () => new Page(), true],
    ['an even grey sheet (recycled paper, level 200)', () => new Page(A4.width, A4.height, 200), true],
    ['scanner noise on slightly grey paper (235)', () => noisy(1, 235, 4), true],
    [
      'noise with a few isolated dark specks (dust)',
      () => {
        const page = noisy(2, 235, 4);
        for (const [x, y] of [
          [60, 80],
          [300, 200],
          [150, 400],
          [90, 520],
          [350, 530],
        ] as const)
          page.set(x, y, 120);
        return page;
      },
      true,
    ],
    [
      'faint show-through of the back: many lines at 225 on 240 paper',
      () => {
        const page = noisy(3, 240, 3);
        for (let line = 0; line < 40; line++) page.text(40, 60 + line * 12, 45, 225);
        return page;
      },
      true,
    ],
    [
      'edge shadows and a skew wedge inside the margin band',
      () =>
        new Page()
          .rect(0, 0, 8, A4.height, 40)
          .rect(0, A4.height - 10, A4.width, 10, 60)
          .rect(A4.width - 12, 0, 12, 100, 30),
      true,
    ],
    ['a full stop on its own', () => new Page().set(200, 300, 60), true],
    ['one short line of 12 pt text ("Page 2")', () => new Page().text(60, 80, 6, 110), false],
    [
      'a single digit, a page number at the foot (0.6 in up)',
      () => new Page().text(200, A4.height - 30, 1, 120, 5),
      false,
    ],
    [
      'a 10 pt "7" at its worst place on the pixel grid: three grey pixels',
      () => new Page().set(200, 300, 170).set(201, 301, 175).set(201, 302, 160),
      false,
    ],
    [
      'two dust specks close together (kept: they could be a mark)',
      () => new Page().set(200, 300, 100).set(204, 303, 100),
      false,
    ],
    ['two dust specks far apart', () => new Page().set(100, 300, 100).set(300, 100, 100), true],
    ['a single digit of light grey ink (170 on 250)', () => new Page().text(200, 300, 1, 170, 5), false],
    [
      'a signature-like scribble',
      () => {
        const page = new Page();
        for (let x = 0; x < 60; x++) page.set(250 + x, 450 + Math.round(4 * Math.sin(x / 3)), 130);
        return page;
      },
      false,
    ],
    ['a short word in light pencil (200 on 250)', () => new Page().text(100, 300, 5, 200), false],
    [
      'a light grey photo on a white page',
      () => new Page().rect(100, 150, 120, 80, () => 185 + Math.floor(rnd() * 30)),
      false,
    ],
    ['a black page', () => new Page(A4.width, A4.height, 0), false],
    ['a dark blue sheet (level 90)', () => new Page(A4.width, A4.height, 90), false],
    [
      'dark punch holes 12 mm in from the edge (kept: it cannot tell them from marks)',
      () => new Page().rect(20, 200, 12, 12, 60).rect(20, 380, 12, 12, 60),
      false,
    ],
    [
      'a full page of text',
      () => {
        const page = new Page();
        for (let line = 0; line < 40; line++) page.text(40, 60 + line * 12, 45, 60);
        return page;
      },
      false,
    ],
    ['a tiny page (too small to judge)', () => new Page(20, 20), false],
    ['a business card at 50 dpi, blank', () => new Page(175, 100), true],
    ['a business card at 50 dpi with a name', () => new Page(175, 100).text(30, 40, 8, 80), false],
  ];

  it.each(cases.map(([name, make, blank]) => [name, blank, make] as const))(
    '%s: blank %s',
    (_name, blank, make) => {
      expect(make().blank()).toBe(blank);
    },
  );

  it('refuses pixels that do not fill the size', () => {
    expect(() => isBlankPage(new Uint8Array(10), 4, 4)).toThrow(RangeError);
    expect(() => isBlankPage(new Uint8Array(10), -1, 4)).toThrow(RangeError);
    expect(() => isBlankPage(new Uint8Array(10), 1.5, 4)).toThrow(RangeError);
  });

  it('calls an empty page (0 x 0) not blank: there is nothing to judge', () => {
    expect(isBlankPage(new Uint8Array(0), 0, 0)).toBe(false);
  });
});

describe('parsePgm', () => {
  const pgm = (header: string, body: number[]) => new Uint8Array([...Buffer.from(header, 'latin1'), ...body]);

  it.each([
    ['plain', 'P5\n3 2\n255\n'],
    ["Ghostscript's, with a comment", 'P5\n# Image generated by GPL Ghostscript (device=pgmraw)\n3 2\n255\n'],
    ['all on one line', 'P5 3 2 255 '],
    ['with a comment between numbers', 'P5\n3 # width\n2\n255\r'],
  ])('reads a %s header', (_name, header) => {
    const image = parsePgm(pgm(header, [1, 2, 3, 4, 5, 6, 7]));
    expect([image.width, image.height, [...image.pixels]]).toEqual([3, 2, [1, 2, 3, 4, 5, 6]]);
  });

  it.each([
    ['a text PGM (P2)', pgm('P2\n3 2\n255\n', [1, 2, 3, 4, 5, 6])],
    ['a colour PPM (P6)', pgm('P6\n3 2\n255\n', [1, 2, 3, 4, 5, 6])],
    ['16-bit samples', pgm('P5\n3 2\n65535\n', Array(12).fill(0))],
    ['a missing size', pgm('P5\n\n255\n', [1])],
    ['a zero size', pgm('P5\n0 2\n255\n', [])],
    ['a negative size', pgm('P5\n-3 2\n255\n', [1, 2, 3, 4, 5, 6])],
    ['an absurd size', pgm('P5\n100000 100000\n255\n', [1])],
    ['too few pixels', pgm('P5\n3 2\n255\n', [1, 2, 3])],
    ['a header with no space before the pixels', pgm('P5\n3 2\n255', [])],
    ['nothing', new Uint8Array(0)],
  ])('refuses %s', (_name, bytes) => {
    expect(() => parsePgm(bytes)).toThrow(RangeError);
  });

  it('keeps to the limit it is given', () => {
    expect(() => parsePgm(pgm('P5\n3 2\n255\n', [1, 2, 3, 4, 5, 6]), 5)).toThrow(RangeError);
  });
});
