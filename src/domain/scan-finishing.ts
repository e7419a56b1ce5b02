// What happens to a scan between the scanner and Drive when the person asked for more than the pages
// as scanned: backs interleaved with fronts (two-sided on a one-sided feeder), blank pages removed,
// page images re-encoded to a size, and a text layer so Drive search finds the words (OCR). Each
// step writes a new temporary file in the caller's scope, which deletes them all on every path.

import { BadInputError, OcrUnavailableError } from './errors.js';
import { Semaphore } from './limits.js';
import type { FinishProgress, OcrEngine, OcrStatus, ScanFinish, ScanPageTools } from './ports.js';
import type { ScanType } from './scan-files.js';

export type { FinishProgress, ScanFinish } from './ports.js';

/** A scan exactly as it came: what every API call means when it names none of the options. */
export const AS_SCANNED: ScanFinish = Object.freeze({
  ocrLanguages: null,
  removeBlankPages: false,
  manualDuplex: false,
  quality: 'best',
}) as ScanFinish;

export function needsFinishing(finish: ScanFinish): boolean {
  return (
    finish.ocrLanguages !== null ||
    finish.removeBlankPages ||
    finish.manualDuplex ||
    finish.quality !== 'best'
  );
}

/** The panel languages and the Tesseract language that reads them. */
const TESSERACT_FOR: Readonly<Record<string, string>> = { en: 'eng', nl: 'nld', sv: 'swe' };

/**
 * The OCR languages for a request: the ones asked for ("nld+eng"), or the person's language plus
 * English (documents in an office are often in both). Codes are Tesseract's (three letters, maybe a
 * script suffix such as chi_sim); at most 4, since each one slows recognition down.
 */
export function ocrLanguagesFor(requested: string | undefined, personLanguage: string): string[] {
  if (requested === undefined || requested.trim() === '') {
    const own = TESSERACT_FOR[personLanguage] ?? 'eng';
    return own === 'eng' ? ['eng'] : [own, 'eng'];
  }
  const codes = requested.split('+').map((c) => c.trim());
  if (codes.length > 4 || codes.some((c) => !/^[a-z]{3}(_[a-z]{2,8})?$/.test(c))) {
    throw new BadInputError(
      'ocrLanguages must be up to 4 Tesseract language codes joined by "+", e.g. "nld+eng".',
      'bad_ocr_languages',
    );
  }
  return [...new Set(codes)];
}

/** Refuses OCR that cannot run here, before anything is scanned or uploaded. */
export function checkOcr(languages: readonly string[], status: OcrStatus): void {
  if (!status.installed) throw new OcrUnavailableError();
  const missing = languages.filter((l) => !status.languages.includes(l));
  if (missing.length > 0) {
    throw new OcrUnavailableError(
      `Searchable PDFs in ${missing.join(', ')} are not available on this connector. ` +
        `It reads: ${status.languages.join(', ')}. An administrator can install tesseract-ocr-${missing[0]}.`,
    );
  }
}

/**
 * Reading order for two-sided pages scanned on a one-sided feeder: fronts 1, 3, 5 come first, then
 * the turned stack gives the backs 6, 4, 2. Positions [0..n) map to [0, n-1, 1, n-2, ...].
 */
export function manualDuplexOrder(total: number): number[] {
  if (total < 2 || total % 2 !== 0) {
    throw new BadInputError(
      `Two-sided scanning needs as many backs as fronts; this scan has ${total} ${total === 1 ? 'page' : 'pages'}. Scan the fronts, turn the stack over and scan the backs.`,
      'two_sided_mismatch',
    );
  }
  const order: number[] = [];
  for (let i = 0; i < total / 2; i++) order.push(i, total - 1 - i);
  return order;
}

/** Pages to keep once blank ones are found: never none (an all-blank scan is kept whole). */
export function pagesToKeep(total: number, blank: readonly number[]): number[] {
  const drop = new Set(blank);
  const kept = Array.from({ length: total }, (_, i) => i).filter((i) => !drop.has(i));
  return kept.length === 0 ? Array.from({ length: total }, (_, i) => i) : kept;
}

export interface FinishedScan {
  path: string;
  pages: number;
  /** Blank pages left out. */
  blankRemoved: number;
  searchable: boolean;
}

export interface ScanFinisherOptions {
  ocr: OcrEngine;
  pages: ScanPageTools;
  /** Makes a PDF of an image scan: one page for a JPEG or PNG, every page of a TIFF. */
  imageToPdf: (
    image: { path: string; type: Exclude<ScanType, 'application/pdf'> },
    output: string,
    dpi?: number,
  ) => Promise<void>;
  /** OCR processes at once on this instance; each uses a core, and printing must stay responsive. */
  ocrAtOnce?: number;
}

export interface FinishRun {
  /** The scan: a PDF, or a one-page JPEG or PNG. */
  path: string;
  type: ScanType;
  /** Pages, when the caller knows them (it combined them); counted otherwise. */
  pages?: number;
  /** The scan's resolution, for an image that does not state its own. */
  dpi?: number;
  /** A new empty temporary file of the caller's scope, deleted with it. */
  nextFile: () => Promise<string>;
  signal?: AbortSignal;
  onProgress?: (progress: FinishProgress) => void;
}

export class ScanFinisher {
  private readonly ocrSlots: Semaphore;

  constructor(private readonly o: ScanFinisherOptions) {
    this.ocrSlots = new Semaphore(o.ocrAtOnce ?? 2);
  }

  /** Whether OCR can run now, and in which languages (the panel shows the switch only when it can). */
  ocrStatus(): Promise<OcrStatus> {
    return this.o.ocr.status();
  }

  /** Refuses what cannot be done before anything is received or scanned (400 ocr_unavailable). */
  async check(finish: ScanFinish): Promise<void> {
    if (finish.ocrLanguages) checkOcr(finish.ocrLanguages, await this.o.ocr.status());
  }

  /** Runs the steps asked for; the result is always a PDF. */
  async finish(finish: ScanFinish, run: FinishRun): Promise<FinishedScan> {
    const { signal } = run;
    let current = await this.asPdf(run);
    // A JPEG or PNG scan is one page; a PDF (or a TIFF's pages) is counted unless the caller knows.
    const onePage = run.type === 'image/jpeg' || run.type === 'image/png';
    let pages = run.pages ?? (onePage ? 1 : await this.o.pages.countPages(current, signal));
    let blankRemoved = 0;
    if (finish.manualDuplex) {
      run.onProgress?.({ step: 'order' });
      const out = await run.nextFile();
      await this.o.pages.keepPages(current, out, manualDuplexOrder(pages), signal);
      current = out;
    }
    if (finish.removeBlankPages) {
      run.onProgress?.({ step: 'blank' });
      const blank = await this.o.pages.findBlankPages(current, signal);
      const keep = pagesToKeep(pages, blank);
      if (keep.length < pages) {
        const out = await run.nextFile();
        await this.o.pages.keepPages(current, out, keep, signal);
        blankRemoved = pages - keep.length;
        pages = keep.length;
        current = out;
      }
    }
    if (finish.ocrLanguages) {
      const languages = finish.ocrLanguages;
      const out = await run.nextFile();
      const total = pages;
      let started = 0;
      run.onProgress?.({ step: 'ocr', page: 0, pages: total });
      await this.ocrSlots.use(
        () =>
          this.o.ocr.makeSearchable(current, out, {
            languages,
            pages: total,
            ...(signal ? { signal } : {}),
            // Pages are read side by side, so they may start out of order: the panel counts them.
            onPage: () => {
              started = Math.min(total, started + 1);
              run.onProgress?.({ step: 'ocr', page: started, pages: total });
            },
          }),
        signal,
      );
      current = out;
    }
    // Last: OCR reads best at the scanner's full resolution, and the text layer survives re-encoding
    // (a re-encoded file is no longer PDF/A, which OCRmyPDF's output is where it can be).
    if (finish.quality !== 'best') {
      run.onProgress?.({ step: 'size' });
      const out = await run.nextFile();
      await this.o.pages.reencode(current, out, finish.quality, signal);
      current = out;
    }
    return { path: current, pages, blankRemoved, searchable: finish.ocrLanguages !== null };
  }

  private async asPdf(run: FinishRun): Promise<string> {
    if (run.type === 'application/pdf') return run.path;
    const out = await run.nextFile();
    await this.o.imageToPdf({ path: run.path, type: run.type }, out, run.dpi);
    return out;
  }
}
