import { chmod, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type AppError,
  ConversionFailedError,
  ConversionTimeoutError,
  ConverterMissingError,
  OcrFailedError,
  OcrTimeoutError,
  OcrUnavailableError,
} from '../domain/errors.js';
import type { OcrEngine, OcrOptions, OcrStatus } from '../domain/ports.js';
import { DEFAULT_TOOLS_PATH, findExecutable } from './find-executable.js';
import { runTool } from './run-tool.js';

export interface OcrMyPdfEngineOptions {
  /** Where ocrmypdf and tesseract are looked for, and the PATH OCRmyPDF gets (it runs tesseract and gs). */
  path?: string;
  /** The whole run is killed, with every process it started, after this long; 10 minutes unless told. */
  timeoutMs?: number;
  /**
   * Tesseract's limit on one page. OCRmyPDF, at this limit, quietly puts the page in without text;
   * here that fails the run with OcrTimeoutError instead. Unless told, it is the whole run's limit, so
   * OCRmyPDF's own default (180 s) never skips a page unnoticed.
   */
  perPageTimeoutSeconds?: number;
  /** Pages read side by side in one run (OCRmyPDF --jobs); the machine's cores unless told. */
  jobs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** status() looks at the disk at most this often, so an install or removal shows within seconds. */
const STATUS_CACHE_MS = 3_000;
const LIST_LANGUAGES_TIMEOUT_MS = 15_000;
/** OCR takes whole cores for seconds a page; printing (same machine) must stay responsive. */
const NICENESS = 10;
/** Lines of OCRmyPDF's log kept for a failure's cause: with -v 1 the error is at the end, not the start. */
const LOG_TAIL_LINES = 40;

const OCRMYPDF = { name: 'OCRmyPDF', install: 'ocrmypdf' };
const TESSERACT = { name: 'Tesseract', install: 'tesseract-ocr' };

/** OCRmyPDF's exit codes (ocrmypdf/exceptions.py, ExitCode) that a person can do something about. */
const EXIT = {
  inputFile: 2,
  missingDependency: 3,
  alreadyDoneOcr: 6,
  encryptedPdf: 8,
  pdfaConversionFailed: 10,
} as const;

/** `    2 Running: ['tesseract', '-l', 'nld+eng', ...]`: page 2's recognition starts (osd only turns it). */
const PAGE_START = /^\s*(\d+)\s+Running: \['tesseract', '-l', '([^']+)'/;
/** OCRmyPDF's warning when Tesseract hit --tesseract-timeout: the page goes in without text. */
const PAGE_SKIPPED = 'took too long to OCR';

interface Found {
  status: OcrStatus;
  ocrmypdf: string | null;
}

export class OcrMyPdfEngine implements OcrEngine {
  private readonly searchPath: string;
  private readonly timeoutMs: number;
  private readonly perPageTimeoutSeconds: number;
  private readonly jobs: number;
  private cached: { at: number; found: Promise<Found> } | null = null;

  constructor(options: OcrMyPdfEngineOptions = {}) {
    this.searchPath = options.path ?? DEFAULT_TOOLS_PATH;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.perPageTimeoutSeconds =
      options.perPageTimeoutSeconds ?? Math.max(1, Math.ceil(this.timeoutMs / 1000));
    this.jobs = Math.max(1, Math.floor(options.jobs ?? os.availableParallelism()));
  }

  async status(): Promise<OcrStatus> {
    const { status } = await this.found();
    return { ...status, languages: [...status.languages] };
  }

  async makeSearchable(input: string, output: string, options: OcrOptions): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    const target = path.resolve(output);
    try {
      const { status, ocrmypdf } = await this.found();
      if (!status.installed || !ocrmypdf) throw new OcrUnavailableError();
      const languages = options.languages.length > 0 ? [...options.languages] : ['eng'];
      requireLanguages(languages, status.languages);
      // OCRmyPDF keeps its page images and logs in TMPDIR; a run killed at its limit cannot delete them.
      const scratch = await mkdtemp(path.join(path.dirname(target), '.ocr-'));
      try {
        const produced = path.join(scratch, 'searchable.pdf');
        await this.run(ocrmypdf, {
          input: path.resolve(input),
          produced,
          scratch,
          languages,
          status,
          options,
        });
        if (!(await isPdf(produced))) throw new OcrFailedError();
        await chmod(produced, 0o600);
        await rename(produced, target);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    } catch (err) {
      await rm(target, { force: true });
      if (signal?.aborted) throw signal.reason;
      throw err;
    }
  }

  private async run(
    ocrmypdf: string,
    job: {
      input: string;
      produced: string;
      scratch: string;
      languages: string[];
      status: OcrStatus;
      options: OcrOptions;
    },
  ): Promise<void> {
    const { options } = job;
    const progress = pageProgress(options);
    const tail: string[] = [];
    let pageSkipped = false;
    // A page past Tesseract's limit ends the run at once, as the whole run's limit would.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const plugin = await writeLanguageOrderPlugin(job.scratch, job.languages);
    try {
      await runTool({
        executable: ocrmypdf,
        args: ocrMyPdfArgs({
          input: job.input,
          output: job.produced,
          languages: job.languages,
          rotate: job.status.orientation,
          plugin,
          perPageTimeoutSeconds: this.perPageTimeoutSeconds,
          jobs: this.jobs,
        }),
        cwd: job.scratch,
        env: {
          PATH: this.searchPath,
          HOME: job.scratch,
          TMPDIR: job.scratch,
          LANG: 'C.UTF-8',
          // Each Tesseract on one core: --jobs decides how many pages are read side by side.
          OMP_THREAD_LIMIT: '1',
        },
        timeoutMs: this.timeoutMs,
        signal,
        priority: NICENESS,
        tool: OCRMYPDF,
        onStderrLine: (line) => {
          tail.push(line);
          if (tail.length > LOG_TAIL_LINES) tail.shift();
          progress(line);
          if (line.includes(PAGE_SKIPPED)) {
            pageSkipped = true;
            stop.abort();
          }
        },
      });
    } catch (err) {
      if (pageSkipped) throw new OcrTimeoutError();
      if (options.signal?.aborted) throw options.signal.reason;
      const code = exitCodeOf(err);
      // Exit 10: the searchable PDF was written, it just is not valid PDF/A; still worth keeping.
      if (code === EXIT.pdfaConversionFailed && (await isPdf(job.produced))) return;
      throw ocrError(err, code, tail);
    }
  }

  private found(): Promise<Found> {
    const now = performance.now();
    if (!this.cached || now - this.cached.at > STATUS_CACHE_MS) {
      this.cached = { at: now, found: this.lookUp() };
    }
    return this.cached.found;
  }

  /** What is installed now; never rejects: a lookup that fails is "not installed". */
  private async lookUp(): Promise<Found> {
    const missing: Found = {
      status: { installed: false, languages: [], orientation: false },
      ocrmypdf: null,
    };
    try {
      const [ocrmypdf, tesseract] = await Promise.all([this.find('ocrmypdf'), this.find('tesseract')]);
      if (!ocrmypdf || !tesseract) return missing;
      const listed = await runTool({
        executable: tesseract,
        args: ['--list-langs'],
        cwd: '/',
        env: { PATH: this.searchPath, LANG: 'C.UTF-8' },
        timeoutMs: LIST_LANGUAGES_TIMEOUT_MS,
        tool: TESSERACT,
      });
      const { languages, orientation } = parseLanguages(listed.stdout);
      return { status: { installed: languages.length > 0, languages, orientation }, ocrmypdf };
    } catch {
      return missing;
    }
  }

  /** `name` found executable on the search path, or null. */
  private find(name: string): Promise<string | null> {
    return findExecutable(this.searchPath, [name]);
  }
}

/**
 * OCRmyPDF's arguments. Measured on this machine (2 cores, OCRmyPDF 14.0.1, Tesseract 5.3.0) with the
 * test's two A4 pages at 300 dpi (8-bit gray PNG, the second upside down): 6.8 to 7.5 s for both, so 3.5 s a page or so.
 * - --rotate-pages turns a page put in upside down or sideways (needs Tesseract's osd data).
 * - --deskew straightens a crooked sheet, which Tesseract reads better. It re-encodes a turned or
 *   straightened page's image: on lossless gray pages the output was 2.06× the input (the turned page
 *   2.8×, the other one unchanged; without --deskew 1.10×); on JPEG pages the PDF/A step re-encodes
 *   them and the output was 0.47× the input. Doubling at worst is a fair price for straight, readable
 *   pages, so no further flags; --optimize stays at its default 1 (lossless: a scan keeps its pages
 *   as scanned; 2 and 3 are lossy and want pngquant and jbig2, which are optional).
 * - --skip-text: a scan has no text, but a person may send a PDF that has some (born digital, or OCRed
 *   before); its text pages are kept as they are instead of the whole run failing (PriorOcrFound).
 *   --redo-ocr cannot be combined with --deskew, and --force-ocr would rasterize real text.
 * - The output type stays OCRmyPDF's default, PDF/A-2b, for archiving in Drive.
 * - --jobs N (the machine's cores unless told): a scan's pages are read side by side, so one person's
 *   scan uses the whole machine (about 5 CPU seconds a page with --rotate-pages and --deskew on a
 *   2-core EPYC: 2.5 s a page with both cores, 5 s with one). The caller limits how many runs share
 *   it (OCR_AT_ONCE), and each runs at niceness 10, so printing and page loads come first.
 * - -v 1: page-numbered log lines, read for progress.
 */
export function ocrMyPdfArgs(options: {
  input: string;
  output: string;
  languages: readonly string[];
  rotate: boolean;
  plugin: string | null;
  perPageTimeoutSeconds: number;
  jobs: number;
}): string[] {
  return [
    '-v',
    '1',
    '--jobs',
    String(options.jobs),
    '-l',
    options.languages.join('+'),
    ...(options.plugin ? ['--plugin', options.plugin] : []),
    ...(options.rotate ? ['--rotate-pages'] : []),
    '--deskew',
    '--skip-text',
    '--output-type',
    'pdfa',
    '--tesseract-timeout',
    String(options.perPageTimeoutSeconds),
    options.input,
    options.output,
  ];
}

/** `tesseract --list-langs`: a header line, then one code a line; osd is orientation data, not a language. */
export function parseLanguages(stdout: string): { languages: string[]; orientation: boolean } {
  const codes = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)?$/.test(line));
  return {
    languages: [...new Set(codes.filter((code) => code !== 'osd'))].sort(),
    orientation: codes.includes('osd'),
  };
}

/** Throws OcrUnavailableError naming the Debian packages of the languages that are not installed. */
function requireLanguages(wanted: readonly string[], installed: readonly string[]): void {
  const missing = wanted.filter((language) => !installed.includes(language));
  if (missing.length === 0) return;
  const packages = missing.map((language) => `tesseract-ocr-${language.toLowerCase().replace(/_/g, '-')}`);
  throw new OcrUnavailableError(
    `Searchable PDFs in ${missing.join(', ')} are not available on this connector. Scan without ` +
      `"Searchable PDF", or ask your administrator to install ${packages.join(', ')}.`,
  );
}

/** Calls onPage once per page as its recognition starts, never for a page beyond `pages`. */
function pageProgress(options: OcrOptions): (line: string) => void {
  const started = new Set<number>();
  return (line) => {
    const match = PAGE_START.exec(line);
    if (!match || match[2] === 'osd') return;
    const page = Number(match[1]);
    if (page < 1 || page > options.pages || started.has(page)) return;
    started.add(page);
    options.onPage?.(page, options.pages);
  };
}

/**
 * OCRmyPDF 14 holds the -l languages in a Python set, so Tesseract gets them in hash order, which
 * changes from run to run; Tesseract favours the first, and with the wrong one first it read "Små" as
 * "Sma" or "financiële" as "financiéle" in our tests. This plugin puts them back in the caller's order (most
 * likely first). It does nothing where OCRmyPDF keeps them in order already (a list, in later versions).
 */
async function writeLanguageOrderPlugin(
  scratch: string,
  languages: readonly string[],
): Promise<string | null> {
  if (languages.length < 2) return null;
  const file = path.join(scratch, 'language_order.py');
  // JSON string literals of these codes ([A-Za-z0-9_/], checked against Tesseract's list) are Python's too.
  await writeFile(
    file,
    [
      'from ocrmypdf import hookimpl',
      '',
      `ORDER = [${languages.map((language) => JSON.stringify(language)).join(', ')}]`,
      '',
      '',
      'class OrderedLanguages(set):',
      '    def __init__(self, order=()):',
      '        super().__init__(order)',
      '        self.order = list(order)',
      '',
      '    def __iter__(self):',
      '        return iter([lang for lang in self.order if set.__contains__(self, lang)])',
      '',
      '    def __reduce__(self):',
      '        return (OrderedLanguages, (self.order,))',
      '',
      '',
      '@hookimpl',
      'def check_options(options):',
      '    if isinstance(options.languages, set) and set(options.languages) == set(ORDER):',
      '        options.languages = OrderedLanguages(ORDER)',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

/** The exit code in runTool's failure cause ("OCRmyPDF exited with code 8: ..."), if it says one. */
function exitCodeOf(err: unknown): number | null {
  if (!(err instanceof ConversionFailedError) || !(err.cause instanceof Error)) return null;
  const match = / exited with code (\d+):/.exec(err.cause.message);
  return match ? Number(match[1]) : null;
}

/** runTool's errors and OCRmyPDF's exit codes as the OCR errors a person can act on. */
function ocrError(err: unknown, code: number | null, tail: readonly string[]): AppError {
  if (err instanceof ConverterMissingError) return new OcrUnavailableError();
  if (err instanceof ConversionTimeoutError) return new OcrTimeoutError();
  if (err instanceof OcrFailedError || err instanceof OcrUnavailableError || err instanceof OcrTimeoutError) {
    return err;
  }
  if (!(err instanceof ConversionFailedError)) return new OcrFailedError(undefined, { cause: err });
  // With -v 1 the start of the log is chatter; OCRmyPDF's own error is at its end.
  const cause = new Error(`OCRmyPDF exited with code ${code}: ${tail.join('\n')}`, { cause: err });
  switch (code) {
    case EXIT.encryptedPdf:
      return new OcrFailedError('This PDF is protected, so it cannot be made searchable.', { cause });
    case EXIT.inputFile:
      return new OcrFailedError(
        'This file could not be read as a PDF, so it cannot be made searchable. It may be damaged.',
        { cause },
      );
    case EXIT.alreadyDoneOcr:
      return new OcrFailedError('This PDF already has text, so it was not made searchable again.', { cause });
    case EXIT.missingDependency:
      return new OcrUnavailableError(
        'Searchable PDFs are not available on this connector: a program OCRmyPDF needs is missing. ' +
          'Scan without "Searchable PDF", or ask your administrator to check the OCRmyPDF installation.',
      );
    default:
      return new OcrFailedError(undefined, { cause });
  }
}

async function isPdf(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const head = Buffer.alloc(5);
      const { bytesRead } = await handle.read(head, 0, 5, 0);
      return bytesRead === 5 && head.toString('latin1') === '%PDF-';
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}
