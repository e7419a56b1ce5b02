// Whether a scanned page is blank, decided from its grey pixels at low resolution. Pure.
//
// A wrongly removed page loses part of a person's document; a blank page wrongly kept costs a sheet
// of nothing. So every rule below can only keep a page: a page is blank when its paper is light, and
// nothing on it is clearly darker than that paper, neither as a scattering nor as one small mark.

/** The resolution pages are rendered at for the check: window sizes below are in its pixels. */
export const BLANK_CHECK_DPI = 50;

/** A PGM bigger than this is no page rendered at 50 dpi (that is a 100 x 100 inch page). */
export const MAX_PGM_PIXELS = 25_000_000;

export interface GrayImage {
  width: number;
  height: number;
  /** One byte a pixel, 0 black to 255 white, rows top to bottom. */
  pixels: Uint8Array;
}

export const BLANK_RULES = {
  /**
   * Each edge, as a share of the shorter side (8.4 mm on A4): scanner edge shadows and a skewed
   * sheet's dark wedge lie there. Taken from the shorter side so that the band at the foot of a
   * portrait page stays narrower than a footer's usual 10-15 mm, and a page number is looked at.
   */
  margin: 0.04,
  /** The paper's own level: most of a page is paper, so a high percentile is the paper. */
  paperPercentile: 0.9,
  /** Paper darker than this is coloured paper, a photo or a black page: never called blank. */
  minPaperLevel: 128,
  /**
   * Ink: at least this much darker than the paper. Show-through of the back (a few % darker) and
   * scanner noise, averaged over a 50 dpi pixel, stay well above it; a 12 pt stroke averages below.
   */
  inkDarker: 0.28,
  /** Faint: pencil, a light photo, grey text. At least this much darker than the paper. */
  faintDarker: 0.12,
  /** Ink on at most this share of the page (0.02 %: about 40 pixels of an A4 page at 50 dpi). */
  maxInkShare: 0.0002,
  /** Faint pixels on at most this share of the page (a light photo covers far more). */
  maxFaintShare: 0.003,
  /** The side of the square a compact mark is looked for in: 9 pixels at 50 dpi, 4.6 mm. */
  window: 9,
  /**
   * More ink pixels than this in one window is a mark: a page number, an initial, a word. A lone
   * 10 pt "1" or "7" at 50 dpi leaves 3 to 6 ink pixels (depending on where it falls on the pixel
   * grid); a full stop 0 or 1; dust that survives the averaging, single pixels far apart.
   */
  maxInkInWindow: 1,
  /** More faint pixels than this in one window is a faint mark: a pencilled word, a light stroke. */
  maxFaintInWindow: 5,
  /** A page whose inner area is smaller than this a side cannot be judged, so it is kept. */
  minSide: 32,
} as const;

/**
 * Whether this grey page (rendered at BLANK_CHECK_DPI, pixels averaged) is blank. Throws RangeError
 * when the sizes and the pixels disagree.
 */
export function isBlankPage(pixels: Uint8Array, width: number, height: number): boolean {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`bad page size ${width} x ${height}`);
  }
  if (pixels.length < width * height) throw new RangeError('fewer pixels than the page size says');
  const rules = BLANK_RULES;
  const margin = Math.round(rules.margin * Math.min(width, height));
  const left = margin;
  const top = margin;
  const w = width - 2 * margin;
  const h = height - 2 * margin;
  if (w < rules.minSide || h < rules.minSide) return false;

  const paper = percentile(pixels, width, { left, top, w, h }, rules.paperPercentile);
  if (paper < rules.minPaperLevel) return false;
  const inkBelow = paper * (1 - rules.inkDarker);
  const faintBelow = paper * (1 - rules.faintDarker);

  const area = w * h;
  // Summed-area tables of ink and faint pixels: any window's count in four lookups.
  const stride = w + 1;
  const ink = new Int32Array(stride * (h + 1));
  const faint = new Int32Array(stride * (h + 1));
  for (let y = 0; y < h; y++) {
    let inkRow = 0;
    let faintRow = 0;
    const from = (top + y) * width + left;
    for (let x = 0; x < w; x++) {
      const level = pixels[from + x]!;
      if (level < inkBelow) inkRow++;
      if (level < faintBelow) faintRow++;
      const at = (y + 1) * stride + x + 1;
      ink[at] = ink[at - stride]! + inkRow;
      faint[at] = faint[at - stride]! + faintRow;
    }
  }
  const total = (table: Int32Array) => table[h * stride + w]!;
  if (total(ink) > rules.maxInkShare * area) return false;
  if (total(faint) > rules.maxFaintShare * area) return false;
  if (total(faint) === 0) return true;
  return (
    maxInWindow(ink, w, h, rules.window) <= rules.maxInkInWindow &&
    maxInWindow(faint, w, h, rules.window) <= rules.maxFaintInWindow
  );
}

/** The level below which `share` of the pixels in the rectangle lie (a histogram, no sort). */
function percentile(
  pixels: Uint8Array,
  width: number,
  box: { left: number; top: number; w: number; h: number },
  share: number,
): number {
  const histogram = new Uint32Array(256);
  for (let y = 0; y < box.h; y++) {
    const from = (box.top + y) * width + box.left;
    for (let x = 0; x < box.w; x++) histogram[pixels[from + x]!]!++;
  }
  const wanted = share * box.w * box.h;
  let seen = 0;
  for (let level = 0; level < 256; level++) {
    seen += histogram[level]!;
    if (seen >= wanted) return level;
  }
  return 255;
}

/** The largest count in any `size` x `size` square (clipped at the edges) of a summed-area table. */
function maxInWindow(table: Int32Array, w: number, h: number, size: number): number {
  const stride = w + 1;
  const sw = Math.min(size, w);
  const sh = Math.min(size, h);
  let best = 0;
  for (let y = sh; y <= h; y++) {
    for (let x = sw; x <= w; x++) {
      const count =
        table[y * stride + x]! -
        table[(y - sh) * stride + x]! -
        table[y * stride + x - sw]! +
        table[(y - sh) * stride + x - sw]!;
      if (count > best) best = count;
    }
  }
  return best;
}

/**
 * A binary PGM (P5, 8-bit) as Ghostscript's pgmraw writes it: "P5", width, height, maxval 255, each
 * separated by white space and perhaps comments, one white-space byte, then the rows. Throws
 * RangeError for anything else, and for a page of more than `maxPixels` pixels.
 */
export function parsePgm(bytes: Uint8Array, maxPixels: number = MAX_PGM_PIXELS): GrayImage {
  let at = 0;
  const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  const token = (): string => {
    // White space and # comments (to the end of their line) may come before each number.
    for (;;) {
      while (at < bytes.length && isSpace(bytes[at])) at++;
      if (bytes[at] !== 0x23) break;
      while (at < bytes.length && bytes[at] !== 0x0a && bytes[at] !== 0x0d) at++;
    }
    const start = at;
    while (at < bytes.length && at - start < 12 && !isSpace(bytes[at]) && bytes[at] !== 0x23) at++;
    return String.fromCharCode(...bytes.subarray(start, at));
  };
  if (bytes[0] !== 0x50 || bytes[1] !== 0x35 || !isSpace(bytes[2])) throw new RangeError('not a binary PGM');
  at = 2;
  const [width, height, maxval] = [token(), token(), token()].map((t) =>
    /^\d{1,9}$/.test(t) ? Number(t) : -1,
  );
  if (width! <= 0 || height! <= 0) throw new RangeError('PGM without a size');
  if (maxval !== 255) throw new RangeError('not an 8-bit PGM');
  if (width! * height! > maxPixels) throw new RangeError(`PGM of ${width} x ${height} pixels is too large`);
  // Exactly one white-space byte ends the header.
  if (!isSpace(bytes[at])) throw new RangeError('bad PGM header');
  at++;
  const size = width! * height!;
  if (bytes.length - at < size) throw new RangeError('PGM shorter than its size');
  return { width: width!, height: height!, pixels: bytes.subarray(at, at + size) };
}
