// GhostscriptPageTools against real Ghostscript, on scan-like pages: each drawn in PostScript (text,
// noisy paper, photos), rendered by Ghostscript at 300 dpi to a JPEG at scanner quality (90), and
// combined into a PDF by StreamingPdfCombiner, as the connector builds a scan.

import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFRef,
  popGraphicsState,
  pushGraphicsState,
  StandardFonts,
  setTextRenderingMode,
  TextRenderingMode,
} from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamingPdfCombiner } from '../../src/adapters/pdf-combiner.js';
import {
  blankCheckArgs,
  GhostscriptPageTools,
  REENCODE_PRESETS,
  reencodeArgs,
} from '../../src/adapters/scan-page-tools.js';
import { AppError } from '../../src/domain/errors.js';
import { seededRandom } from '../support/seeded-random.js';

const run = promisify(execFile);

function installed(program: string, args: string[]): boolean {
  try {
    execFileSync(program, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasGs = installed('gs', ['--version']);
const hasPoppler = installed('pdfinfo', ['-v']) && installed('pdftotext', ['-v']);

let dir: string;
beforeAll(async () => {
  // Like the app's TEMP_DIR: private to the service.
  dir = await mkdtemp(path.join(tmpdir(), 'scan-pages-'));
  await chmod(dir, 0o700);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** A file in the test folder, written when `content` is given, named like the app's temp files. */
async function temp(content?: Uint8Array | string): Promise<string> {
  const file = path.join(dir, `scan-${++counter}.tmp`);
  if (content !== undefined) await writeFile(file, content);
  return file;
}

/** What a failed call must leave: no output, and no scratch folder (they start with a dot). */
async function expectNothingLeft(output: string): Promise<void> {
  expect(existsSync(output)).toBe(false);
  expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

// ---- Scan-like pages ------------------------------------------------------------------------------

const A4 = { width: 2480, height: 3508 }; // pixels at 300 dpi
const pt = (px: number) => ((px * 72) / 300).toFixed(2);

interface Picture {
  x: number;
  y: number;
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}
interface PageDrawing {
  color?: boolean;
  /** The paper's grey level, 0-255. */
  paper?: number;
  /** A full-page grey image under everything (noisy paper). */
  background?: Uint8Array;
  pictures?: Picture[];
  /** Pixel coordinates from the top left; `y` is the baseline. */
  text?: Array<{ x: number; y: number; size: number; text: string; gray?: number }>;
  /** PostScript drawn in pixel coordinates from the top left (y down). */
  marks?: string;
}

/** Renders the page at 300 dpi, anti-aliased like a scanner's optics, to a JPEG of this quality. */
async function scanJpeg(page: PageDrawing, quality = 90): Promise<string> {
  const lines = [
    `<< /PageSize [${pt(A4.width)} ${pt(A4.height)}] >> setpagedevice`,
    `${((page.paper ?? 255) / 255).toFixed(4)} setgray clippath fill`,
  ];
  const image = async (p: Picture) => {
    const raw = await temp(p.data);
    lines.push(
      'gsave',
      `${pt(p.x)} ${pt(A4.height - p.y - p.height)} translate ${pt(p.width)} ${pt(p.height)} scale`,
      p.channels === 3 ? '/DeviceRGB setcolorspace' : '/DeviceGray setcolorspace',
      `<< /ImageType 1 /Width ${p.width} /Height ${p.height} /BitsPerComponent 8`,
      ` /Decode [${p.channels === 3 ? '0 1 0 1 0 1' : '0 1'}] /ImageMatrix [${p.width} 0 0 -${p.height} 0 ${p.height}]`,
      ` /DataSource (${raw}) (r) file >> image`,
      'grestore',
    );
  };
  if (page.background) {
    await image({ x: 0, y: 0, width: A4.width, height: A4.height, channels: 1, data: page.background });
  }
  for (const picture of page.pictures ?? []) await image(picture);
  for (const t of page.text ?? []) {
    lines.push(
      `${((t.gray ?? 0) / 255).toFixed(4)} setgray /Times-Roman findfont ${t.size} scalefont setfont`,
      `${pt(t.x)} ${pt(A4.height - t.y)} moveto (${t.text}) show`,
    );
  }
  if (page.marks) lines.push(`gsave 0 ${pt(A4.height)} translate 0.24 -0.24 scale ${page.marks} grestore`);
  lines.push('showpage');
  const ps = await temp(lines.join('\n'));
  const jpeg = path.join(dir, `page-${++counter}.jpg`);
  await run('gs', [
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-q',
    `--permit-file-read=${dir}/`,
    `-sDEVICE=${page.color ? 'jpeg' : 'jpeggray'}`,
    '-r300',
    '-dTextAlphaBits=4',
    '-dGraphicsAlphaBits=4',
    `-dJPEGQ=${quality}`,
    `-sOutputFile=${jpeg}`,
    ps,
  ]);
  return jpeg;
}

/** A scan PDF of these JPEG pages, built as the connector builds one. */
async function scanPdf(pages: string[]): Promise<string> {
  const pdf = await temp();
  await new StreamingPdfCombiner().combine(
    pages.map((page) => ({ path: page, type: 'image/jpeg' as const })),
    pdf,
    { dpi: 300 },
  );
  return pdf;
}

/** Grey paper (level about `paper`) with sensor noise, light-grey speckle and a few dark dust specks. */
function noisyPaper(seed: number, paper = 235): Uint8Array {
  const rnd = seededRandom(seed);
  const { width, height } = A4;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = rnd() < 0.01 ? 200 + Math.floor(rnd() * 20) : paper - 6 + Math.floor(rnd() * 12);
  }
  for (let k = 0; k < 25; k++) {
    const x = 150 + Math.floor(rnd() * (width - 300));
    const y = 150 + Math.floor(rnd() * (height - 300));
    for (const [dx, dy] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const)
      pixels[(y + dy) * width + x + dx] = 40;
  }
  return pixels;
}

/** A photo-like area: gradients, waves and grain, in `channels` channels, squeezed into [low, high]. */
function photo(
  seed: number,
  width: number,
  height: number,
  channels: 1 | 3,
  low = 0,
  high = 255,
): Uint8Array {
  const rnd = seededRandom(seed);
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v =
          60 + 120 * (x / width) + 50 * Math.sin((y + c * 40) / 37) * Math.cos(x / 53) + (rnd() - 0.5) * 40;
        data[(y * width + x) * channels + c] = low + ((high - low) * Math.max(0, Math.min(255, v))) / 255;
      }
    }
  }
  return data;
}

function letterLines(first: number, count: number, top: number, gray = 0) {
  return Array.from({ length: count }, (_, i) => ({
    x: 300,
    y: top + i * 75,
    size: 11,
    gray,
    text: `Line ${first + i} of a scanned letter, with enough words to fill the row from margin to margin.`,
  }));
}

// ---- Reading PDFs back ------------------------------------------------------------------------------

/** A digest of each page's image stream, as stored (not decoded). */
async function imageDigests(pdf: string): Promise<string[]> {
  const doc = await PDFDocument.load(await readFile(pdf));
  return doc.getPages().map((page) => {
    const xobjects = page.node.Resources()?.lookup(PDFName.of('XObject'), PDFDict);
    const [ref] = xobjects?.values() ?? [];
    const stream = ref instanceof PDFRef ? doc.context.lookup(ref) : undefined;
    if (!(stream instanceof PDFRawStream)) throw new Error('a page without an image');
    return createHash('sha256').update(stream.contents).digest('hex').slice(0, 16);
  });
}

async function pageSizes(pdf: string): Promise<Array<[number, number]>> {
  const doc = await PDFDocument.load(await readFile(pdf));
  return doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
}

/** pdfimages -list: each image's pixel size, encoding and resolution. */
async function images(
  pdf: string,
): Promise<Array<{ width: number; height: number; enc: string; ppi: number }>> {
  const { stdout } = await run('pdfimages', ['-list', pdf]);
  return stdout
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => line.trim().split(/\s+/))
    .map((f) => ({ width: Number(f[3]), height: Number(f[4]), enc: f[8]!, ppi: Number(f[12]) }));
}

/** A copy of `pdf` with an invisible text layer on every page, as OCR software adds one. */
async function withTextLayer(pdf: string, words: (page: number) => string): Promise<string> {
  const doc = await PDFDocument.load(await readFile(pdf));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.getPages().forEach((page, i) => {
    page.pushOperators(pushGraphicsState(), setTextRenderingMode(TextRenderingMode.Invisible));
    page.drawText(words(i), { x: 72, y: page.getHeight() - 100, size: 12, font });
    page.pushOperators(popGraphicsState());
  });
  return temp(await doc.save());
}

// ---- The tests -------------------------------------------------------------------------------------

const tools = new GhostscriptPageTools();

describe.skipIf(!hasGs)('GhostscriptPageTools with real Ghostscript', () => {
  /** Page 1: grey text; page 2: blank, noisy grey paper; page 3: colour photo and text. */
  let scan: string;
  beforeAll(async () => {
    const [text, blank, colour] = await Promise.all([
      scanJpeg({ text: letterLines(1, 40, 400) }),
      scanJpeg({ background: noisyPaper(1) }),
      scanJpeg({
        color: true,
        pictures: [{ x: 300, y: 300, width: 1800, height: 1400, channels: 3, data: photo(2, 1800, 1400, 3) }],
        text: letterLines(41, 20, 1900),
      }),
    ]);
    scan = await scanPdf([text, blank, colour]);
  }, 60_000);

  describe('findBlankPages', () => {
    it('finds the blank page between two pages of text, and leaves no scratch folder', async () => {
      expect(await tools.findBlankPages(scan)).toEqual([1]);
      expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
    });

    it('calls blank only the pages with nothing on them', async () => {
      // Pages are drawn in pixels at 300 dpi; a 12 pt line is 50 pixels high.
      const pages: Array<[string, PageDrawing, boolean]> = [
        ['white', {}, true],
        ['noisy grey paper with dust', { background: noisyPaper(3) }, true],
        [
          'faint show-through of the back (225 on 240 paper)',
          { background: noisyPaper(4, 240), text: letterLines(1, 40, 400, 225) },
          true,
        ],
        ['one short line of 12 pt text', { text: [{ x: 300, y: 500, size: 12, text: 'Page 2' }] }, false],
        [
          'only a signature',
          {
            marks:
              '0 setgray 4 setlinewidth 1 setlinecap newpath 1500 3000 moveto 1560 2900 1600 3080 1660 2980 curveto ' +
              '1720 2880 1740 3060 1800 2990 curveto 1840 2940 1880 3000 1900 2970 curveto stroke',
          },
          false,
        ],
        [
          'only a 10 pt page number at the foot, 12 mm from the edge',
          { text: [{ x: 1220, y: A4.height - 142, size: 10, text: '7' }] },
          false,
        ],
        [
          'a light grey photo on a white page',
          {
            pictures: [
              {
                x: 800,
                y: 1200,
                width: 600,
                height: 450,
                channels: 1,
                data: photo(5, 600, 450, 1, 170, 225),
              },
            ],
          },
          false,
        ],
      ];
      const pdf = await scanPdf(await Promise.all(pages.map(([, drawing]) => scanJpeg(drawing))));
      const blank = await tools.findBlankPages(pdf);
      const expected = pages.flatMap(([, , isBlank], i) => (isBlank ? [i] : []));
      expect(blank.map((i) => pages[i]![0])).toEqual(expected.map((i) => pages[i]![0]));
    }, 60_000);

    it('reports a file that is no PDF as a failed scan, and leaves nothing', async () => {
      const err = await failure(tools.findBlankPages(await temp('%PDF-1.7\nnot really\n')));
      expect([err.code, err.message]).toEqual([
        'conversion_failed',
        'The scan could not be processed. Scan it again.',
      ]);
      expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
    });
  });

  describe('keepPages', () => {
    it('keeps the chosen pages with their images byte for byte', async () => {
      const output = await temp('');
      await tools.keepPages(scan, output, [0, 2]);
      const [before, after] = [await imageDigests(scan), await imageDigests(output)];
      expect(after).toEqual([before[0], before[2]]);
      expect(await pageSizes(output)).toEqual([
        [595, 842],
        [595, 842],
      ]);
      expect((await stat(output)).mode & 0o777).toBe(0o600);
      if (hasPoppler) {
        const sizes = async (pdf: string) =>
          (await images(pdf)).map((i) => `${i.width}x${i.height} ${i.enc}`);
        expect(await sizes(output)).toEqual((await sizes(scan)).filter((_, i) => i !== 1));
        await run('pdfinfo', [output]); // poppler reads it without complaint
      }
    });

    it('puts the pages in the order given', async () => {
      const output = await temp('');
      await tools.keepPages(scan, output, [2, 0, 1]);
      const before = await imageDigests(scan);
      expect(await imageDigests(output)).toEqual([before[2], before[0], before[1]]);
    });

    it('keeps an OCR text layer with its page', async () => {
      const searchable = await withTextLayer(scan, (page) => `Searchable page ${page + 1}`);
      const output = await temp('');
      await tools.keepPages(searchable, output, [2, 0]);
      if (!hasPoppler) return;
      const page = (n: number) =>
        execFileSync('pdftotext', ['-f', String(n), '-l', String(n), output, '-'], {
          encoding: 'utf8',
        }).trim();
      expect([page(1), page(2)]).toEqual(['Searchable page 3', 'Searchable page 1']);
    });

    it.each([
      ['no pages', []],
      ['a page past the end', [0, 3]],
      ['a negative index', [-1]],
      ['a fraction', [0.5]],
    ])('refuses %s as a programming error, and leaves no output', async (_name, indexes) => {
      const output = await temp('');
      await expect(tools.keepPages(scan, output, indexes)).rejects.toThrow(RangeError);
      await expectNothingLeft(output);
    });

    it('reports a file that is no PDF as a failed scan', async () => {
      const output = await temp('');
      const err = await failure(tools.keepPages(await temp('no pdf'), output, [0]));
      expect(err.code).toBe('conversion_failed');
      await expectNothingLeft(output);
    });
  });

  describe.skipIf(!hasPoppler)('reencode', () => {
    /** A colour page with a photo and text, and a grey page of text, with an OCR text layer. */
    let input: string;
    const outputs = { balanced: '', smaller: '' };
    beforeAll(async () => {
      const colour = await scanJpeg({
        color: true,
        pictures: [{ x: 300, y: 300, width: 1800, height: 1400, channels: 3, data: photo(6, 1800, 1400, 3) }],
        text: letterLines(1, 20, 1900),
      });
      const gray = await scanJpeg({ text: letterLines(21, 40, 400) });
      input = await withTextLayer(await scanPdf([colour, gray]), (page) => `Invoice 4711 page ${page + 1}`);
      for (const quality of ['balanced', 'smaller'] as const) {
        outputs[quality] = await temp('');
        await tools.reencode(input, outputs[quality], quality);
      }
    }, 60_000);

    it('makes the scan smaller, and "smaller" smaller still, keeping pages and their sizes', async () => {
      const size = async (file: string) => (await stat(file)).size;
      expect(await size(outputs.balanced)).toBeLessThan((await size(input)) * 0.5);
      expect(await size(outputs.smaller)).toBeLessThan(await size(outputs.balanced));
      for (const output of Object.values(outputs)) {
        expect(await pageSizes(output)).toEqual(await pageSizes(input));
        expect((await stat(output)).mode & 0o777).toBe(0o600);
      }
      expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
    });

    it('downsamples the page images to the preset resolution as JPEG', async () => {
      expect(await images(input)).toMatchObject([{ ppi: 300 }, { ppi: 300 }]);
      expect(await images(outputs.balanced)).toMatchObject([
        { width: 1653, height: 2338, enc: 'jpeg', ppi: 200 },
        { width: 1653, height: 2338, enc: 'jpeg', ppi: 200 },
      ]);
      expect(await images(outputs.smaller)).toMatchObject([
        { width: 1240, height: 1754, enc: 'jpeg', ppi: 150 },
        { width: 1240, height: 1754, enc: 'jpeg', ppi: 150 },
      ]);
    });

    it('keeps the text layer', () => {
      for (const output of Object.values(outputs)) {
        const text = execFileSync('pdftotext', [output, '-'], { encoding: 'utf8' });
        expect(text).toContain('Invoice 4711 page 1');
        expect(text).toContain('Invoice 4711 page 2');
      }
    });

    it('never upsamples, and never makes a scan bigger: a small scan is kept as it is', async () => {
      // A 100 dpi page at quality 40: nothing to gain.
      const small = await scanPdf([await scanJpeg({ text: letterLines(1, 5, 400) }, 40)]);
      const low = await temp();
      await run('gs', [
        '-dSAFER',
        '-dBATCH',
        '-dNOPAUSE',
        '-q',
        '-sDEVICE=jpeggray',
        '-r100',
        '-dJPEGQ=40',
        `-sOutputFile=${low}.jpg`,
        small,
      ]);
      const lowPdf = await temp();
      await new StreamingPdfCombiner().combine([{ path: `${low}.jpg`, type: 'image/jpeg' }], lowPdf, {
        dpi: 100,
      });
      const output = await temp('');
      await tools.reencode(lowPdf, output, 'smaller');
      expect((await images(output))[0]!.ppi).toBe(100);
      expect(await readFile(output)).toEqual(await readFile(lowPdf));
    });
  });

  describe('when Ghostscript fails, hangs or is missing', () => {
    async function fakeGs(script: string): Promise<string> {
      const bin = await mkdtemp(path.join(dir, 'bin-'));
      await writeFile(path.join(bin, 'gs'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
      return bin;
    }

    it('reports a Ghostscript that fails as a failed scan, and leaves nothing', async () => {
      const bin = await fakeGs('echo "some gs error" >&2\nexit 1');
      const broken = new GhostscriptPageTools({ path: `${bin}:/usr/bin:/bin` });
      const output = await temp('');
      for (const call of [broken.findBlankPages(scan), broken.reencode(scan, output, 'balanced')]) {
        const err = await failure(call);
        expect([err.code, err.status, err.message]).toEqual([
          'conversion_failed',
          502,
          'The scan could not be processed. Scan it again.',
        ]);
        expect(String((err.cause as Error).message)).toMatch(/some gs error/);
      }
      await rm(bin, { recursive: true });
      await expectNothingLeft(output);
    });

    it('stops a Ghostscript that hangs at the time limit, with what it started, and leaves nothing', async () => {
      const bin = await mkdtemp(path.join(dir, 'bin-'));
      const childPidFile = path.join(bin, 'child.pid');
      await writeFile(
        path.join(bin, 'gs'),
        `#!/bin/sh\nsleep 60 &\necho $! > '${childPidFile}'\nsleep 60\n`,
        {
          mode: 0o755,
        },
      );
      const slow = new GhostscriptPageTools({ path: `${bin}:/usr/bin:/bin`, timeoutMs: 500 });
      const output = await temp('');
      for (const call of [() => slow.findBlankPages(scan), () => slow.reencode(scan, output, 'smaller')]) {
        const started = Date.now();
        const err = await failure(call());
        expect([err.code, err.status]).toEqual(['conversion_timeout', 502]);
        expect(err.message).toMatch(/scan took too long/);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(isRunning(Number(readFileSync(childPidFile, 'utf8')))).toBe(false);
      }
      await rm(bin, { recursive: true });
      await expectNothingLeft(output);
    });

    it('stops when the scan is cancelled', async () => {
      const bin = await fakeGs('sleep 60');
      const slow = new GhostscriptPageTools({ path: `${bin}:/usr/bin:/bin` });
      const output = await temp('');
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 200);
      await expect(slow.reencode(scan, output, 'balanced', abort.signal)).rejects.toThrow(/abort/i);
      await rm(bin, { recursive: true });
      await expectNothingLeft(output);
    });

    it('says Ghostscript is missing, and which package brings it', async () => {
      const empty = await mkdtemp(path.join(dir, 'bin-'));
      const bare = new GhostscriptPageTools({ path: empty });
      const output = await temp('');
      for (const call of [bare.findBlankPages(scan), bare.reencode(scan, output, 'smaller')]) {
        const err = await failure(call);
        expect([err.code, err.status]).toEqual(['converter_missing', 415]);
        expect(err.message).toMatch(/^Ghostscript is not installed .* install ghostscript\.$/);
      }
      await rm(empty, { recursive: true });
      await expectNothingLeft(output);
    });
  });
});

describe('Ghostscript command lines', () => {
  it('renders for the blank check at 50 dpi grey, averaged, stopping on a damaged page', () => {
    const args = blankCheckArgs('/t/in.pdf', '/t/.blank-1%x');
    expect(args).toEqual(
      expect.arrayContaining(['-dSAFER', '-dPDFSTOPONERROR', '-sDEVICE=pgmraw', '-r50', '-dDOINTERPOLATE']),
    );
    // A literal % in the folder is doubled; the page placeholder stays.
    expect(args).toContain('-sOutputFile=/t/.blank-1%%x/page-%d.pgm');
    expect(args.at(-1)).toBe('/t/in.pdf');
  });

  it.each([
    ['balanced', '200', '0.50'],
    ['smaller', '150', '0.90'],
  ] as const)(
    're-encodes %s at %s dpi with QFactor %s, JPEG for colour and grey, CCITT for mono',
    (quality, dpi, q) => {
      const args = reencodeArgs('/t/in.pdf', '/t/out.pdf', REENCODE_PRESETS[quality]);
      expect(args).toEqual(
        expect.arrayContaining([
          '-dSAFER',
          '-sDEVICE=pdfwrite',
          '-dAutoRotatePages=/None',
          `-dColorImageResolution=${dpi}`,
          `-dGrayImageResolution=${dpi}`,
          '-dColorImageFilter=/DCTEncode',
          '-dGrayImageFilter=/DCTEncode',
          '-dMonoImageResolution=300',
          '-dMonoImageFilter=/CCITTFaxEncode',
          '-sOutputFile=/t/out.pdf',
        ]),
      );
      const dicts = args[args.indexOf('-c') + 1]!;
      expect(dicts).toContain(`/ColorImageDict << /QFactor ${q}`);
      expect(dicts).toContain(`/GrayImageDict << /QFactor ${q}`);
      expect(args.slice(-2)).toEqual(['-f', '/t/in.pdf']);
    },
  );
});

/** Alive, and not a zombie waiting for a parent that will never reap it. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
