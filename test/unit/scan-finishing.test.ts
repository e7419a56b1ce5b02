import { describe, expect, it } from 'vitest';
import { OcrUnavailableError } from '../../src/domain/errors.js';
import {
  AS_SCANNED,
  checkOcr,
  manualDuplexOrder,
  needsFinishing,
  ocrLanguagesFor,
  pagesToKeep,
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
