import { chmod, copyFile, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { EncryptedPDFError, PDFDocument } from 'pdf-lib';
import { BLANK_CHECK_DPI, isBlankPage, parsePgm } from '../domain/blank-pages.js';
import { ConversionFailedError, ConversionTimeoutError, ConverterMissingError } from '../domain/errors.js';
import type { ScanPageTools, ScanQuality } from '../domain/ports.js';
import { DEFAULT_TOOLS_PATH, findExecutable } from './find-executable.js';
import { writePdfLibPages } from './pdf-lib-pages.js';
import { writePagedPdf } from './pdf-object-writer.js';
import { ghostscriptPageCountArgs } from './pdf-raster-args.js';
import { runTool } from './run-tool.js';

export interface GhostscriptPageToolsOptions {
  /** Where gs is looked for; Debian installs it in /usr/bin. */
  path?: string;
  /** The limit of one Ghostscript run, in milliseconds. */
  timeoutMs?: number;
}

/** A few hundred 300 dpi pages take about a second each to re-encode on a small machine. */
const DEFAULT_TIMEOUT_MS = 300_000;
const GHOSTSCRIPT = { name: 'Ghostscript', install: 'ghostscript' };

// The errors' defaults talk about printing; these are a person's words about their scan.
const FAILED = 'The scan could not be processed. Scan it again.';
const TOO_LONG = 'Processing the scan took too long and was stopped. Scan fewer pages at a time.';
const MISSING =
  'Ghostscript is not installed on the connector, so scans cannot be checked for blank pages or made ' +
  'smaller. An administrator can install ghostscript.';

export interface ReencodePreset {
  /** Colour and grey images above this resolution are downsampled to it (never upsampled). */
  dpi: number;
  /**
   * Ghostscript's JPEG QFactor: the scale of the standard quantisation tables, so 0.5 is about IJG
   * quality 75 and 0.9 about 55. Exactly 1.0 is Ghostscript's "leave the tables alone" (quality 75).
   */
  qFactor: number;
  /** Black-and-white images stay lossless (CCITT G4) and are brought down to this resolution. */
  monoDpi: number;
}

export const REENCODE_PRESETS: Readonly<Record<Exclude<ScanQuality, 'best'>, ReencodePreset>> = {
  balanced: { dpi: 200, qFactor: 0.5, monoDpi: 300 },
  smaller: { dpi: 150, qFactor: 0.9, monoDpi: 300 },
};

const COMMON = ['-dSAFER', '-dBATCH', '-dNOPAUSE', '-q'];

/** Ghostscript "%" is a page-number placeholder in OutputFile; a literal one is written "%%". */
function outputFile(file: string): string {
  return `-sOutputFile=${file.replaceAll('%', '%%')}`;
}

/**
 * Every page to an 8-bit grey PGM at 50 dpi, one file per page: page-1.pgm, page-2.pgm... in `dir`. Images are
 * interpolated, which averages each 50 dpi pixel over the scanned pixels it covers: noise and dust
 * fade, a thin stroke stays a grey mark. A PDF with a damaged page fails rather than rendering the
 * page white (a white page would be called blank and dropped).
 */
export function blankCheckArgs(input: string, dir: string): string[] {
  return [
    ...COMMON,
    '-dPDFSTOPONERROR',
    '-sDEVICE=pgmraw',
    `-r${BLANK_CHECK_DPI}`,
    '-dDOINTERPOLATE',
    `${outputFile(dir + path.sep)}page-%d.pgm`,
    input,
  ];
}

/**
 * pdfwrite with explicit distiller parameters: every colour and grey image above the preset's
 * resolution is downsampled (bicubic) and JPEG-encoded, JPEGs not downsampled are re-encoded too
 * (so the quality asked for holds), black-and-white images stay CCITT. Pages are never turned
 * (AutoRotatePages /None: pdfwrite would otherwise turn pages by their text direction). The JPEG
 * tables are given with setpagedevice, not setdistillerparams: Ghostscript 10's PDF interpreter
 * applies distiller parameters set that way to the first page only, and -dJPEGQ does nothing in
 * pdfwrite before 10.01 (measured on 10.00).
 */
export function reencodeArgs(input: string, output: string, preset: ReencodePreset): string[] {
  const images = (kind: 'Color' | 'Gray') => [
    `-dDownsample${kind}Images=true`,
    `-d${kind}ImageDownsampleType=/Bicubic`,
    `-d${kind}ImageResolution=${preset.dpi}`,
    // Just above 1: a page image at the preset's resolution, give or take the rounding of its page
    // size, is not resampled for nothing.
    `-d${kind}ImageDownsampleThreshold=1.05`,
    `-dAutoFilter${kind}Images=false`,
    `-d${kind}ImageFilter=/DCTEncode`,
    `-dEncode${kind}Images=true`,
  ];
  const q = preset.qFactor.toFixed(2);
  const dicts =
    `<< /ColorImageDict << /QFactor ${q} /Blend 1 /ColorTransform 1 /HSamples [2 1 1 2] /VSamples [2 1 1 2] >> ` +
    `/GrayImageDict << /QFactor ${q} /Blend 1 /HSamples [1 1 1 1] /VSamples [1 1 1 1] >> >> setpagedevice`;
  return [
    ...COMMON,
    '-dPDFSTOPONERROR',
    '-sDEVICE=pdfwrite',
    '-dCompatibilityLevel=1.7',
    '-dAutoRotatePages=/None',
    '-dPassThroughJPEGImages=false',
    '-dPassThroughJPXImages=false',
    ...images('Color'),
    ...images('Gray'),
    '-dDownsampleMonoImages=true',
    '-dMonoImageDownsampleType=/Subsample',
    `-dMonoImageResolution=${preset.monoDpi}`,
    // 600 dpi becomes 300; 400 dpi is left alone rather than resampled by an odd factor.
    '-dMonoImageDownsampleThreshold=1.5',
    '-dMonoImageFilter=/CCITTFaxEncode',
    outputFile(output),
    '-c',
    dicts,
    '-f',
    input,
  ];
}

export class GhostscriptPageTools implements ScanPageTools {
  private readonly searchPath: string;
  private readonly timeoutMs: number;

  constructor(options: GhostscriptPageToolsOptions = {}) {
    this.searchPath = options.path ?? DEFAULT_TOOLS_PATH;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async countPages(pdf: string, signal?: AbortSignal): Promise<number> {
    const source = path.resolve(pdf);
    const gs = await this.ghostscript();
    const scratch = await mkdtemp(path.join(path.dirname(source), '.count-'));
    try {
      const pages = await this.pageCount(gs, source, scratch, signal);
      if (pages < 1) throw new ConversionFailedError(FAILED, { cause: new Error('no pages counted') });
      return pages;
    } catch (err) {
      throw this.scanError(err);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async findBlankPages(pdf: string, signal?: AbortSignal): Promise<number[]> {
    const source = path.resolve(pdf);
    const gs = await this.ghostscript();
    const scratch = await mkdtemp(path.join(path.dirname(source), '.blank-'));
    try {
      await this.run(gs, blankCheckArgs(source, scratch), scratch, signal);
      const blank: number[] = [];
      // One file per page, numbered from 1; a page with no file (there should be none) is not blank.
      for (let page = 1; ; page++) {
        if (signal?.aborted) throw signal.reason;
        const file = path.join(scratch, `page-${page}.pgm`);
        let bytes: Buffer;
        try {
          bytes = await readFile(file);
        } catch {
          break;
        }
        await rm(file, { force: true });
        if (pageIsBlank(bytes)) blank.push(page - 1);
      }
      return blank;
    } catch (err) {
      throw this.scanError(err);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async keepPages(
    input: string,
    output: string,
    indexes: readonly number[],
    signal?: AbortSignal,
  ): Promise<void> {
    await producing(output, async () => {
      if (indexes.length === 0) throw new RangeError('keepPages needs at least one page');
      for (const index of indexes) {
        if (!Number.isInteger(index) || index < 0) throw new RangeError(`bad page index ${index}`);
      }
      const source = await loadPdf(input);
      const count = source.getPageCount();
      const outside = indexes.find((index) => index >= count);
      if (outside !== undefined) {
        throw new RangeError(`page index ${outside} is outside a document of ${count} pages`);
      }
      // Written one page at a time: the source is in memory once, the output never is. pdf-lib copies
      // a page's streams as they are, so its images keep their bytes.
      const out = await open(output, 'w', 0o600);
      try {
        await writePagedPdf(out, async (writer, tree) => {
          const kids: number[] = [];
          for (const index of indexes) {
            if (signal?.aborted) throw signal.reason;
            kids.push(...(await writePdfLibPages(writer, tree, (doc) => doc.copyPages(source, [index]))));
          }
          return kids;
        });
      } finally {
        await out.close();
      }
      await chmod(output, 0o600);
    });
  }

  async reencode(
    input: string,
    output: string,
    quality: Exclude<ScanQuality, 'best'>,
    signal?: AbortSignal,
  ): Promise<void> {
    const source = path.resolve(input);
    const target = path.resolve(output);
    await producing(target, async () => {
      const gs = await this.ghostscript();
      const scratch = await mkdtemp(path.join(path.dirname(target), '.reencode-'));
      try {
        const made = path.join(scratch, 'smaller.pdf');
        await this.run(gs, reencodeArgs(source, made, REENCODE_PRESETS[quality]), scratch, signal);
        // pdfwrite that skipped a page it could not read would lose part of a person's document.
        const [before, after] = [
          await this.pageCount(gs, source, scratch, signal),
          await this.pageCount(gs, made, scratch, signal),
        ];
        if (before === 0 || before !== after) {
          throw new ConversionFailedError(FAILED, {
            cause: new Error(`re-encoding turned ${before} pages into ${after}`),
          });
        }
        // Asking for smaller never makes a scan bigger: an already small scan is kept as it is.
        if ((await stat(made)).size < (await stat(source)).size) {
          await rename(made, target);
        } else {
          await copyFile(source, target);
        }
        await chmod(target, 0o600);
      } catch (err) {
        throw this.scanError(err);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
  }

  private async pageCount(gs: string, pdf: string, scratch: string, signal?: AbortSignal): Promise<number> {
    const { stdout } = await this.run(gs, ghostscriptPageCountArgs(pdf), scratch, signal);
    return Number.parseInt(stdout.trim(), 10) || 0;
  }

  private run(gs: string, args: string[], scratch: string, signal?: AbortSignal) {
    return runTool({
      executable: gs,
      args,
      cwd: scratch,
      // Nothing of the app's environment; Ghostscript keeps its temporary files in the scratch folder.
      env: { PATH: this.searchPath, TMPDIR: scratch, HOME: scratch },
      timeoutMs: this.timeoutMs,
      signal,
      tool: GHOSTSCRIPT,
      failureMessage: FAILED,
    });
  }

  /** runTool's errors, in words about a scan rather than a print. */
  private scanError(err: unknown): unknown {
    if (err instanceof ConversionTimeoutError) return new ConversionTimeoutError(TOO_LONG);
    if (err instanceof ConverterMissingError) return new ConverterMissingError(MISSING);
    if (err instanceof ConversionFailedError && err.message !== FAILED) {
      return new ConversionFailedError(FAILED, { cause: err.cause ?? err });
    }
    return err;
  }

  private async ghostscript(): Promise<string> {
    const gs = await findExecutable(this.searchPath, ['gs']);
    if (!gs) throw new ConverterMissingError(MISSING);
    return gs;
  }
}

/** A page whose render cannot be read is kept: only a page seen to be blank is reported. */
function pageIsBlank(bytes: Uint8Array): boolean {
  try {
    const image = parsePgm(bytes);
    return isBlankPage(image.pixels, image.width, image.height);
  } catch {
    return false;
  }
}

/** The PDF in memory, whole: pdf-lib reads no other way. Disk errors pass as they are. */
async function loadPdf(file: string): Promise<PDFDocument> {
  const bytes = await readFile(file);
  try {
    return await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (err) {
    const reason = err instanceof EncryptedPDFError ? 'the PDF is encrypted' : 'pdf-lib cannot read it';
    throw new ConversionFailedError(FAILED, { cause: new Error(reason, { cause: err }) });
  }
}

/** Runs `work`, which writes `output`; on any failure the output, whole or partial, is deleted. */
async function producing<T>(output: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    await rm(output, { force: true });
    throw err;
  }
}
