import { describe, expect, it } from 'vitest';
import { OcrUnavailableError } from '../../src/domain/errors.js';
import type {
  FinishProgress,
  OcrEngine,
  OcrOptions,
  OcrStatus,
  ScanPageTools,
} from '../../src/domain/ports.js';
import {
  AS_SCANNED,
  checkOcr,
  manualDuplexOrder,
  needsFinishing,
  ocrLanguagesFor,
  pagesToKeep,
  ScanFinisher,
} from '../../src/domain/scan-finishing.js';
import { nameTemplateProblems, scanNameFrom } from '../../src/domain/scan-names.js';

describe('two-sided on a one-sided feeder', () => {
  it('fronts 1, 3, 5 and backs 6, 4, 2 (the turned stack) become pages 1..6 in order', () => {
    // As scanned: the fronts of sheets 1-3, then the backs in the order the turned stack gives them.
    const scanned = [1, 3, 5, 6, 4, 2];
    expect(manualDuplexOrder(scanned.length).map((i) => scanned[i])).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each([
    [2, [0, 1]],
    [4, [0, 3, 1, 2]],
    [8, [0, 7, 1, 6, 2, 5, 3, 4]],
  ])('%i pages: %j', (total, order) => {
    expect(manualDuplexOrder(total)).toEqual(order);
  });

  it.each([0, 1, 3, 7])('refuses %i pages: backs must match the fronts', (total) => {
    expect(() => manualDuplexOrder(total)).toThrow(expect.objectContaining({ code: 'two_sided_mismatch' }));
  });
});

describe('blank pages', () => {
  it.each([
    [3, [1], [0, 2]],
    [3, [], [0, 1, 2]],
    [4, [0, 3], [1, 2]],
    // Never every page: an all-blank scan is kept whole (the person sees it and decides).
    [3, [0, 1, 2], [0, 1, 2]],
    [1, [0], [0]],
  ])('%i pages, blank %j: keeps %j', (total, blank, kept) => {
    expect(pagesToKeep(total, blank)).toEqual(kept);
  });
});

describe('OCR languages', () => {
  it.each([
    [undefined, 'nl', ['nld', 'eng']],
    [undefined, 'sv', ['swe', 'eng']],
    [undefined, 'en', ['eng']],
    ['', 'sv', ['swe', 'eng']],
    ['nld+eng', 'en', ['nld', 'eng']],
    ['swe', 'nl', ['swe']],
    ['eng+eng+nld', 'en', ['eng', 'nld']],
    ['chi_sim+eng', 'en', ['chi_sim', 'eng']],
  ])('asked %j in %s: %j', (asked, lang, expected) => {
    expect(ocrLanguagesFor(asked, lang)).toEqual(expected);
  });

  it.each(['NLD', 'nl', 'nld,eng', 'nld+eng+swe+fra+deu', '../x', 'nld+'])('refuses %j', (asked) => {
    expect(() => ocrLanguagesFor(asked, 'en')).toThrow(
      expect.objectContaining({ code: 'bad_ocr_languages' }),
    );
  });

  const installed = { installed: true, languages: ['eng', 'nld', 'swe'], orientation: true };
  it('accepts installed languages', () => {
    expect(() => checkOcr(['nld', 'eng'], installed)).not.toThrow();
  });
  it('names a language that is not installed, and the package that brings it', () => {
    expect(() => checkOcr(['fin'], installed)).toThrow(/fin.*tesseract-ocr-fin/);
    expect(() => checkOcr(['fin'], installed)).toThrow(OcrUnavailableError);
  });
  it('refuses every language when OCRmyPDF is not installed', () => {
    expect(() => checkOcr(['eng'], { installed: false, languages: [], orientation: false })).toThrow(
      expect.objectContaining({ code: 'ocr_unavailable', status: 400 }),
    );
  });
});

describe('finishing', () => {
  it('a scan as it came needs none', () => {
    expect(needsFinishing(AS_SCANNED)).toBe(false);
  });
  it.each([
    [{ ocrLanguages: ['eng'] }],
    [{ removeBlankPages: true }],
    [{ manualDuplex: true }],
    [{ quality: 'smaller' as const }],
    [{ quality: 'balanced' as const }],
  ])('%j needs finishing', (change) => {
    expect(needsFinishing({ ...AS_SCANNED, ...change })).toBe(true);
  });
});

describe('scan names', () => {
  // 29 November 2026, 14:05 local time.
  const now = new Date(2026, 10, 29, 14, 5).getTime();
  it.each([
    ['{scan} {date} {time}', 'Scan', undefined, 'Scan 2026-11-29 14.05'],
    ['{scan} {date} {time}', 'Skanning', undefined, 'Skanning 2026-11-29 14.05'],
    ['{printer} {scan} {date}', 'Scan', 'Reception', 'Reception Scan 2026-11-29'],
    ['{printer} {scan} {date}', 'Scan', undefined, 'Scan 2026-11-29'],
    ['Invoice {date}_{time}', 'Scan', undefined, 'Invoice 2026-11-29_14.05'],
  ])('%s (%s, %s): %s', (template, word, printer, expected) => {
    expect(scanNameFrom(template, { word, now, ...(printer ? { printer } : {}) })).toBe(expected);
  });

  it.each([
    ['{scan} {date} {time}', []],
    ['Scan', []],
    ['{user} {date}', ['unknown field {user}; use {scan}, {date}, {time}, {printer}']],
    ['{printer}', ['must give a name besides {printer}']],
    ['  ', ['must give a name besides {printer}']],
  ])('template %j: %j', (template, problems) => {
    expect(nameTemplateProblems(template)).toEqual(problems);
  });
});

describe('ScanFinisher', () => {
  /** Records what ran, in order; OCR waits until released so that overlapping runs can be counted. */
  class FakeTools implements ScanPageTools {
    readonly calls: string[] = [];
    blank: number[] = [];
    async countPages(pdf: string) {
      this.calls.push(`count ${pdf}`);
      return 3;
    }
    async findBlankPages(pdf: string) {
      this.calls.push(`blank ${pdf}`);
      return this.blank;
    }
    async keepPages(input: string, output: string, indexes: readonly number[]) {
      this.calls.push(`keep ${input}->${output} ${indexes.join(',')}`);
    }
    async reencode(input: string, output: string, quality: string) {
      this.calls.push(`size ${input}->${output} ${quality}`);
    }
  }
  class FakeOcr implements OcrEngine {
    active = 0;
    mostAtOnce = 0;
    readonly runs: string[] = [];
    private releases: Array<() => void> = [];
    async status(): Promise<OcrStatus> {
      return { installed: true, languages: ['eng', 'nld', 'swe'], orientation: true };
    }
    async makeSearchable(input: string, output: string, o: OcrOptions) {
      this.active++;
      this.mostAtOnce = Math.max(this.mostAtOnce, this.active);
      this.runs.push(`ocr ${input}->${output} ${o.languages.join('+')}`);
      o.onPage?.(1, o.pages);
      await new Promise<void>((r) => this.releases.push(r));
      o.onPage?.(2, o.pages);
      this.active--;
    }
    release() {
      for (const r of this.releases.splice(0)) r();
    }
  }
  const files = () => {
    let n = 0;
    return async () => `t${++n}`;
  };

  it('runs the steps asked for in order: two-sided order, blank pages, OCR, then size', async () => {
    const tools = new FakeTools();
    tools.blank = [1];
    const ocr = new FakeOcr();
    const finisher = new ScanFinisher({ ocr, pages: tools, imageToPdf: async () => undefined });
    const progress: FinishProgress[] = [];
    const running = finisher.finish(
      { ocrLanguages: ['nld', 'eng'], removeBlankPages: true, manualDuplex: true, quality: 'smaller' },
      {
        path: 'scan.pdf',
        type: 'application/pdf',
        pages: 4,
        nextFile: files(),
        onProgress: (p) => progress.push(p),
      },
    );
    await until(() => ocr.runs.length === 1);
    ocr.release();
    const done = await running;
    expect(tools.calls).toEqual([
      'keep scan.pdf->t1 0,3,1,2',
      'blank t1',
      'keep t1->t2 0,2,3',
      'size t3->t4 smaller',
    ]);
    expect(ocr.runs).toEqual(['ocr t2->t3 nld+eng']);
    expect(done).toEqual({ path: 't4', pages: 3, blankRemoved: 1, searchable: true });
    expect(progress).toEqual([
      { step: 'order' },
      { step: 'blank' },
      { step: 'ocr', page: 0, pages: 3 },
      { step: 'ocr', page: 1, pages: 3 },
      { step: 'ocr', page: 2, pages: 3 },
      { step: 'size' },
    ]);
  });

  it('at most two OCR runs at a time per instance; the others wait their turn', async () => {
    const ocr = new FakeOcr();
    const finisher = new ScanFinisher({ ocr, pages: new FakeTools(), imageToPdf: async () => undefined });
    const finish = { ...AS_SCANNED, ocrLanguages: ['eng'] };
    const runs = Array.from({ length: 5 }, () =>
      finisher.finish(finish, { path: 's.pdf', type: 'application/pdf', pages: 1, nextFile: files() }),
    );
    for (let released = 0; released < 5; ) {
      await until(() => ocr.active > 0);
      expect(ocr.active).toBeLessThanOrEqual(2);
      released += ocr.active;
      ocr.release();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(runs);
    expect(ocr.runs).toHaveLength(5);
    expect(ocr.mostAtOnce).toBe(2);
  });

  it('an image scan becomes a PDF first: one page for a JPEG, every page of a TIFF (counted)', async () => {
    const tools = new FakeTools();
    const made: string[] = [];
    const finisher = new ScanFinisher({
      ocr: new FakeOcr(),
      pages: tools,
      imageToPdf: async (image, output, dpi) => {
        made.push(`${image.type} ${image.path}->${output} ${dpi}`);
      },
    });
    const done = await finisher.finish(
      { ...AS_SCANNED, quality: 'balanced' },
      { path: 'a.jpg', type: 'image/jpeg', dpi: 300, nextFile: files() },
    );
    expect(made).toEqual(['image/jpeg a.jpg->t1 300']);
    expect(tools.calls).toEqual(['size t1->t2 balanced']);
    expect(done).toMatchObject({ path: 't2', pages: 1 });
    const tiff = await finisher.finish(
      { ...AS_SCANNED, quality: 'balanced' },
      { path: 'a.tif', type: 'image/tiff', nextFile: files() },
    );
    expect(made.at(-1)).toBe('image/tiff a.tif->t1 undefined');
    expect(tiff).toMatchObject({ path: 't2', pages: 3 });
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!condition()) throw new Error('condition never held');
}
