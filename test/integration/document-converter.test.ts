import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode as bmpDecode, encode as bmpEncode } from 'bmp-ts';
import { GifWriter } from 'omggif';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolDocumentConverter } from '../../src/adapters/document-converter.js';
import { runTool } from '../../src/adapters/run-tool.js';
import { AppError } from '../../src/domain/errors.js';
import type { RasterOptions } from '../../src/domain/ports.js';
import {
  JPEG,
  makeDocx,
  makePdfWithSizes,
  makePng,
  makeTiff,
  makeXlsx,
  readRaster,
  WEBP,
} from '../fixtures/documents.js';

const converter = new ToolDocumentConverter();
const tools = await converter.tools();
const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
beforeAll(async () => {
  // Like the app's TEMP_DIR: private to the service.
  dir = await mkdtemp(path.join(tmpdir(), 'converter-'));
  await chmod(dir, 0o700);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** A file in the test folder, written when `content` is given, named like the app's temp files. */
async function temp(content?: Uint8Array | string): Promise<string> {
  const file = path.join(dir, `print-${++counter}.tmp`);
  if (content !== undefined) await writeFile(file, content);
  return file;
}

/** What a failed conversion must leave: no output, and no scratch folder beside it. */
async function expectNothingLeft(output: string): Promise<void> {
  expect(existsSync(output)).toBe(false);
  const scratch = (await readdir(dir)).filter((name) => name.startsWith('.'));
  expect(scratch).toEqual([]);
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the conversion to fail');
}

async function pdfPages(file: string): Promise<Array<[number, number]>> {
  const doc = await PDFDocument.load(await readFile(file));
  return doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
}

describe.skipIf(!tools.libreoffice)('officeToPdf with LibreOffice', () => {
  const outputs: Record<'docx' | 'xlsx', string> = { docx: '', xlsx: '' };

  beforeAll(async () => {
    // One conversion each, shared by the assertions below (LibreOffice takes seconds to start).
    const docx = await temp(makeDocx(['Hallo wereld', 'Smörgåsbord för två']));
    outputs.docx = await temp('');
    await converter.officeToPdf(docx, outputs.docx, undefined, 'Brief.docx');
    const xlsx = await temp(
      makeXlsx([
        ['Name', 'Amount'],
        ['Coffee', '3'],
      ]),
    );
    outputs.xlsx = await temp('');
    await converter.officeToPdf(xlsx, outputs.xlsx, undefined, 'Budget.xlsx');
  }, 60_000);

  it('turns a DOCX into a PDF, leaving no profile or output folder behind', async () => {
    const pdf = await readFile(outputs.docx);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await pdfPages(outputs.docx)).toHaveLength(1);
    expect((await stat(outputs.docx)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it.skipIf(!hasPdftotext)('keeps the words, accented letters included', () => {
    const text = execFileSync('pdftotext', [outputs.docx, '-'], { encoding: 'utf8' });
    expect(text).toContain('Hallo wereld');
    expect(text).toContain('Smörgåsbord för två');
  });

  it('turns an XLSX into a PDF', async () => {
    expect(await pdfPages(outputs.xlsx)).toHaveLength(1);
    if (hasPdftotext)
      expect(execFileSync('pdftotext', [outputs.xlsx, '-'], { encoding: 'utf8' })).toContain('Coffee');
  });

  it('reports a file LibreOffice cannot open as conversion_failed and leaves nothing', async () => {
    const output = await temp('');
    const err = await failure(
      converter.officeToPdf(
        await temp(Buffer.from('PK\u0003\u0004 broken zip')),
        output,
        undefined,
        'x.docx',
      ),
    );
    expect([err.code, err.status]).toEqual(['conversion_failed', 502]);
    expect(err.message).toMatch(/could not be converted/);
    await expectNothingLeft(output);
  }, 30_000);
});

describe('officeToPdf without LibreOffice, and a LibreOffice that hangs', () => {
  it('sees no tools on a PATH without them, and says LibreOffice is missing', async () => {
    const empty = await mkdtemp(path.join(dir, 'bin-'));
    const bare = new ToolDocumentConverter({ path: empty });
    expect(await bare.tools()).toEqual({ libreoffice: false, ghostscript: false });
    const output = await temp('');
    const err = await failure(bare.officeToPdf(await temp(makeDocx(['x'])), output, undefined, 'a.docx'));
    expect([err.code, err.status]).toEqual(['converter_missing', 415]);
    expect(err.message).toMatch(/LibreOffice is not installed/);
    const raster = await failure(bare.rasterize(await temp(''), output, RASTER, undefined));
    expect(raster.code).toBe('converter_missing');
    await rm(empty, { recursive: true });
    await expectNothingLeft(output);
  });

  it('kills a conversion at its time limit, with everything it forked, and leaves nothing', async () => {
    const bin = await mkdtemp(path.join(dir, 'bin-'));
    const childPidFile = path.join(bin, 'child.pid');
    // A stand-in soffice that forks a sleeper (as oosplash starts soffice.bin) and then sleeps itself.
    await writeFile(
      path.join(bin, 'soffice'),
      `#!/bin/sh\nsleep 60 &\necho $! > '${childPidFile}'\nsleep 60\n`,
      { mode: 0o755 },
    );
    const slow = new ToolDocumentConverter({ path: `${bin}:/usr/bin:/bin`, timeoutMs: { office: 500 } });
    const output = await temp('');
    const started = Date.now();
    const err = await failure(slow.officeToPdf(await temp(makeDocx(['x'])), output, undefined, 'a.docx'));
    expect([err.code, err.status]).toEqual(['conversion_timeout', 502]);
    expect(Date.now() - started).toBeLessThan(5_000);
    const childPid = Number(readFileSync(childPidFile, 'utf8'));
    expect(isRunning(childPid)).toBe(false);
    await rm(bin, { recursive: true });
    await expectNothingLeft(output);
  });

  it('stops when the job is cancelled', async () => {
    const bin = await mkdtemp(path.join(dir, 'bin-'));
    await writeFile(path.join(bin, 'soffice'), '#!/bin/sh\nsleep 60\n', { mode: 0o755 });
    const slow = new ToolDocumentConverter({ path: `${bin}:/usr/bin:/bin` });
    const output = await temp('');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    await expect(
      slow.officeToPdf(await temp(makeDocx(['x'])), output, abort.signal, 'a.docx'),
    ).rejects.toThrow(/abort/i);
    await rm(bin, { recursive: true });
    await expectNothingLeft(output);
  });
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

const RASTER: RasterOptions = {
  format: 'image/pwg-raster',
  resolution: [50, 50],
  color: false,
  sides: 'one-sided',
  sheetBack: 'normal',
  pageSize: null,
};

describe.skipIf(!tools.ghostscript)('rasterize with Ghostscript', () => {
  let pdf: string;
  beforeAll(async () => {
    // Three pages told apart by size; each has a black square in its bottom-left corner.
    pdf = await temp(
      await makePdfWithSizes([
        [288, 432],
        [360, 360],
        [216, 288],
      ]),
    );
  });

  async function raster(options: Partial<RasterOptions>) {
    const output = await temp('');
    await converter.rasterize(pdf, output, { ...RASTER, ...options });
    const bytes = await readFile(output);
    expect((await stat(output)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.startsWith('.'))).toEqual([]);
    return { bytes, ...readRaster(bytes) };
  }

  /** Which corner of a page the black square is in. */
  function square(page: ReturnType<typeof readRaster>['pages'][number]): string {
    const dark = (x: number, y: number) => page.pixel(x, y) < 128;
    const [right, bottom] = [page.width - 3, page.height - 3];
    if (dark(2, bottom)) return 'bottom-left';
    if (dark(right, bottom)) return 'bottom-right';
    if (dark(2, 2)) return 'top-left';
    if (dark(right, 2)) return 'top-right';
    return 'none';
  }

  it('makes PWG raster: one page per PDF page, at the resolution and in the grey asked for', async () => {
    const { bytes, format, pages } = await raster({});
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RaS2');
    expect(format).toBe('pwg');
    expect(pages.map((p) => p.pageSize)).toEqual([
      [288, 432],
      [360, 360],
      [216, 288],
    ]);
    for (const page of pages) {
      expect(page).toMatchObject({ resolution: [50, 50], colorSpace: 18, bitsPerPixel: 8, totalPages: 3 });
      expect(page.duplex).toBe(0);
      expect(square(page)).toBe('bottom-left');
    }
    expect(pages[0]!.width).toBe(200); // 4 in at 50 dpi
  });

  it('makes colour raster when asked', async () => {
    const { pages } = await raster({ color: true, resolution: [72, 72] });
    expect(pages[0]).toMatchObject({ colorSpace: 19, bitsPerPixel: 24, resolution: [72, 72] });
  });

  it('fits every page to the paper size', async () => {
    const { pages } = await raster({ pageSize: [612, 792] });
    expect(pages.map((p) => p.pageSize)).toEqual([
      [612, 792],
      [612, 792],
      [612, 792],
    ]);
  });

  it.each<[RasterOptions['sides'], RasterOptions['sheetBack'], number, [number, number], string]>([
    ['two-sided-long-edge', 'normal', 0, [1, 1], 'bottom-left'],
    ['two-sided-long-edge', 'rotated', 0, [-1, -1], 'top-right'],
    ['two-sided-long-edge', 'flipped', 0, [1, -1], 'top-left'],
    ['two-sided-short-edge', 'flipped', 1, [-1, 1], 'bottom-right'],
    ['two-sided-short-edge', 'manual-tumble', 1, [-1, -1], 'top-right'],
    ['two-sided-short-edge', 'rotated', 1, [1, 1], 'bottom-left'],
  ])(
    '%s on a %s printer: Tumble %d, transforms %j, the back page square %s',
    async (sides, sheetBack, tumble, transform, back) => {
      const { pages } = await raster({ sides, sheetBack });
      for (const page of pages) {
        expect(page.duplex).toBe(1);
        expect(page.tumble).toBe(tumble);
        expect([page.crossFeedTransform, page.feedTransform]).toEqual(transform);
      }
      expect(pages.map(square)).toEqual(['bottom-left', back, 'bottom-left']);
    },
  );

  it('makes URF with its page count, colour and duplex in the headers, back sides turned', async () => {
    const { bytes, format, pageCount, pages } = await raster({
      format: 'image/urf',
      color: true,
      sides: 'two-sided-long-edge',
      sheetBack: 'rotated',
    });
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('UNIRAST\0');
    expect(format).toBe('urf');
    expect(pageCount).toBe(3);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatchObject({ bitsPerPixel: 24, colorSpace: 1, duplex: 3, resolution: [50, 50] });
    expect(pages.map(square)).toEqual(['bottom-left', 'top-right', 'bottom-left']);
  });

  it('reports a damaged PDF as conversion_failed and leaves nothing', async () => {
    const output = await temp('');
    const err = await failure(converter.rasterize(await temp('%PDF-1.7 nothing else'), output, RASTER));
    expect(err.code).toBe('conversion_failed');
    await expectNothingLeft(output);
  });
});

describe('imageToPdf', () => {
  async function convert(bytes: Uint8Array, mimeType: string) {
    const output = await temp('');
    await converter.imageToPdf(await temp(bytes), mimeType, output);
    return { output, pages: await pdfPages(output), bytes: await readFile(output) };
  }

  it('embeds a JPEG as it is, on one page', async () => {
    const { pages, bytes } = await convert(JPEG, 'image/jpeg');
    expect(pages).toHaveLength(1);
    // No re-encoding: the JPEG's own bytes are inside the PDF.
    expect(bytes.indexOf(JPEG)).toBeGreaterThan(0);
  });

  it.each<[string, () => Uint8Array, string, number]>([
    ['PNG', () => makePng(40, 30), 'image/png', 1],
    [
      'TIFF with three pages',
      () =>
        makeTiff([
          { width: 20, height: 30 },
          { width: 30, height: 20 },
          { width: 10, height: 10 },
        ]),
      'image/tiff',
      3,
    ],
    ['GIF', () => gif(8, 6), 'image/gif', 1],
    ['BMP', () => bmp(7, 5), 'image/bmp', 1],
    ['WebP', () => WEBP, 'image/webp', 1],
  ])('%s on A4', async (_name, make, mimeType, count) => {
    const { pages } = await convert(make(), mimeType);
    expect(pages).toHaveLength(count);
    for (const size of pages) expect([size, [...size].reverse()]).toContainEqual([595, 842]);
  });

  it('puts a wide image on a landscape page', async () => {
    const { pages } = await convert(
      makeTiff([
        { width: 20, height: 30 },
        { width: 30, height: 20 },
      ]),
      'image/tiff',
    );
    expect(pages).toEqual([
      [595, 842],
      [842, 595],
    ]);
  });

  it.each<[string, string]>([
    ['image/tiff', 'not a tiff'],
    ['image/gif', 'GIF89a?'],
    ['image/png', 'not a png'],
    ['image/webp', 'RIFF....WEBPVP8 '],
  ])('a damaged %s fails as conversion_failed and leaves nothing', async (mimeType, content) => {
    const output = await temp('');
    const err = await failure(converter.imageToPdf(await temp(content), mimeType, output));
    expect(err.code).toMatch(/conversion_failed/);
    await expectNothingLeft(output);
  });

  it('stops at its time limit', async () => {
    const quick = new ToolDocumentConverter({ timeoutMs: { image: 0 } });
    const output = await temp('');
    const err = await failure(
      quick.imageToPdf(await temp(makeTiff([{ width: 5, height: 5 }])), 'image/tiff', output),
    );
    expect(err.code).toBe('conversion_timeout');
    await expectNothingLeft(output);
  });
});

function gif(width: number, height: number): Uint8Array {
  const out = Buffer.alloc(1024);
  const writer = new GifWriter(out, width, height, { palette: [0x000000, 0xffffff] });
  writer.addFrame(
    0,
    0,
    width,
    height,
    Array.from({ length: width * height }, (_, i) => i % 2),
  );
  writer.addFrame(
    0,
    0,
    width,
    height,
    Array.from({ length: width * height }, () => 1),
  );
  return out.subarray(0, writer.end());
}

function bmp(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4, 0x80);
  const encoded = bmpEncode({ width, height, data, bitPP: 24 }).data;
  // A round trip proves the fixture is a real BMP before the converter sees it.
  expect(bmpDecode(encoded).width).toBe(width);
  return encoded;
}

describe('textToPdf', () => {
  it.skipIf(!hasPdftotext)(
    'keeps Dutch and Swedish letters and replaces what Courier cannot show',
    async () => {
      const output = await temp('');
      await converter.textToPdf(await temp('Één ijsje, naïef. Smörgåsbord för två. 漢字 ő\n'), output);
      const text = execFileSync('pdftotext', [output, '-'], { encoding: 'utf8' });
      expect(text).toContain('Één ijsje, naïef. Smörgåsbord för två. ?? o');
    },
  );

  it('wraps long lines and paginates on A4', async () => {
    const output = await temp('');
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(i % 3 === 0 ? 120 : 10)}`);
    await converter.textToPdf(await temp(lines.join('\n')), output);
    const pages = await pdfPages(output);
    // 100 lines, a third of them wrapped once, at 63 lines a page.
    expect(pages).toHaveLength(3);
    expect(pages[0]).toEqual([595, 842]);
  });

  it('refuses an empty file', async () => {
    const output = await temp('');
    const err = await failure(converter.textToPdf(await temp('  \n'), output));
    expect([err.code, err.status]).toEqual(['empty_document', 400]);
    await expectNothingLeft(output);
  });
});

describe('selectPages', () => {
  it('keeps exactly the chosen pages, in order, ignoring pages past the end', async () => {
    const input = await temp(
      await makePdfWithSizes([
        [100, 100],
        [200, 200],
        [300, 300],
        [400, 400],
        [500, 500],
      ]),
    );
    const output = await temp('');
    const kept = await converter.selectPages(input, output, [
      [2, 3],
      [5, 9],
    ]);
    expect(kept).toBe(3);
    expect(await pdfPages(output)).toEqual([
      [200, 200],
      [300, 300],
      [500, 500],
    ]);
  });

  it('refuses ranges that hold no page, and leaves nothing', async () => {
    const input = await temp(await makePdfWithSizes([[100, 100]]));
    const output = await temp('');
    const err = await failure(converter.selectPages(input, output, [[3, 4]]));
    expect([err.code, err.status]).toEqual(['page_range_empty', 400]);
    expect(err.message).toBe('The document has 1 page; the chosen pages are not in it.');
    await expectNothingLeft(output);
  });
});

describe('runTool', () => {
  const tool = { name: 'Test tool', install: 'nothing' };

  it('passes arguments without a shell and an environment of its own', async () => {
    const { stdout } = await runTool({
      executable: '/bin/sh',
      args: ['-c', 'printf "%s|%s|%s" "$1" "$HOME" "$SECRET"', 'sh', '$(touch /tmp/x); *'],
      cwd: dir,
      env: { HOME: '/nowhere' },
      timeoutMs: 5_000,
      tool,
    });
    expect(stdout).toBe('$(touch /tmp/x); *|/nowhere|');
  });

  it('keeps a bounded part of standard error for the cause of a failure', async () => {
    const err = await failure(
      runTool({
        executable: '/bin/sh',
        args: ['-c', 'head -c 100000 /dev/zero | tr "\\0" e >&2; exit 3'],
        cwd: dir,
        env: { PATH: '/usr/bin:/bin' },
        timeoutMs: 5_000,
        tool,
      }),
    );
    expect(err.code).toBe('conversion_failed');
    const cause = (err.cause as Error).message;
    expect(cause).toMatch(/exited with code 3/);
    expect(cause.length).toBeLessThan(9_000);
  });

  it('names a missing program as converter_missing', async () => {
    const err = await failure(
      runTool({
        executable: path.join(dir, 'no-such-tool'),
        args: [],
        cwd: dir,
        env: {},
        timeoutMs: 1_000,
        tool,
      }),
    );
    expect([err.code, err.status]).toEqual(['converter_missing', 415]);
  });

  it('returns when the program exits even if something it forked still holds its output', async () => {
    const started = Date.now();
    const { stdout } = await runTool({
      executable: '/bin/sh',
      args: ['-c', 'sleep 30 & echo done'],
      cwd: dir,
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 10_000,
      tool,
    });
    expect(stdout).toBe('done\n');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
