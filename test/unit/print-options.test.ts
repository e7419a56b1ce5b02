import { describe, expect, it } from 'vitest';
import type { PrintTicket } from '../../src/domain/ports.js';
import {
  checkTicket,
  formatPageRanges,
  OptionUnsupportedError,
  parsePageRanges,
  refusedOptionsError,
} from '../../src/domain/print-options.js';
import { fullPrinter } from '../fakes/fake-print-system.js';

describe('parsePageRanges', () => {
  it.each<[string, Array<[number, number]>]>([
    ['', []],
    ['1', [[1, 1]]],
    [
      '1-3, 5',
      [
        [1, 3],
        [5, 5],
      ],
    ],
    [
      ' 2 - 4 ,6-6',
      [
        [2, 4],
        [6, 6],
      ],
    ],
    // A person may type ranges in any order or overlapping: IPP wants them ascending and disjoint.
    [
      '5-7, 1-2, 2-3',
      [
        [1, 3],
        [5, 7],
      ],
    ],
    ['3,4,5', [[3, 5]]],
    ['1-3,2', [[1, 3]]],
    [
      '5,4;9',
      [
        [4, 5],
        [9, 9],
      ],
    ],
    ['4-', [[4, 99_999]]],
    ['2–3', [[2, 3]]],
  ])('%j', (text, ranges) => {
    expect(parsePageRanges(text)).toEqual(ranges);
  });

  it.each(['0', '3-1', 'a', '1-2-3', '-4', '1,,2', '123456', Array(51).fill('1').join(',')])(
    'refuses %j with bad_page_ranges',
    (text) => {
      expect(() => parsePageRanges(text)).toThrow(expect.objectContaining({ code: 'bad_page_ranges' }));
    },
  );

  it('formats ranges back for summaries', () => {
    expect(formatPageRanges(parsePageRanges('2-3, 5, 7-'))).toBe('2-3, 5, 7-');
  });
});

describe('checkTicket against a printer', () => {
  const full = fullPrinter().capabilities;
  const plain = {
    ...full,
    copies: { min: 1, max: 1 },
    sides: ['one-sided' as const],
    color: ['monochrome' as const],
    media: [{ id: 'iso_a4_210x297mm', name: 'A4' }],
    orientation: [],
    numberUp: [1],
    quality: [],
    finishings: [],
    pageRanges: false,
  };

  it.each<[PrintTicket]>([
    [{}],
    [{ copies: 99, sides: 'two-sided-short-edge', color: 'color', media: 'iso_a3_297x420mm' }],
    [{ orientation: 'landscape', numberUp: 4, quality: 'high', finishings: ['staple'] }],
    [{ pageRanges: [[2, 3]] }],
  ])('the full printer accepts %j', (ticket) => {
    expect(() => checkTicket(ticket, full)).not.toThrow();
  });

  it.each<[PrintTicket, string, RegExp]>([
    [{ copies: 2 }, 'copies', /1 copy at a time/],
    [{ sides: 'two-sided-long-edge' }, 'sides', /It accepts: one-sided\./],
    [{ color: 'color' }, 'color', /It accepts: monochrome\./],
    [{ media: 'iso_a3_297x420mm' }, 'media', /It accepts: iso_a4_210x297mm\./],
    [{ orientation: 'landscape' }, 'orientation', /It accepts: none\./],
    [{ numberUp: 2 }, 'numberUp', /It accepts: 1\./],
    [{ quality: 'high' }, 'quality', /It accepts: none\./],
    [{ finishings: ['staple'] }, 'finishings', /It accepts: none\./],
  ])('the plain printer refuses %j (%s)', (ticket, option, message) => {
    let error: unknown;
    try {
      checkTicket(ticket, plain);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionUnsupportedError);
    expect(error).toMatchObject({ code: 'option_unsupported', status: 400, option });
    expect((error as Error).message).toMatch(message);
  });

  it('copies beyond the printer range name the range', () => {
    expect(() => checkTicket({ copies: 100 }, full)).toThrow(/from 1 to 99 copies/);
    expect(() => checkTicket({ copies: 1.5 }, full)).toThrow(OptionUnsupportedError);
  });

  it('page ranges always pass: the connector cuts pages for printers that cannot', () => {
    expect(() => checkTicket({ pageRanges: [[2, 3]] }, plain)).not.toThrow();
  });

  it('names what the printer accepts for options Validate-Job refused', () => {
    const err = refusedOptionsError(['sides', 'media'], plain);
    expect(err).toMatchObject({ code: 'option_unsupported', status: 400, option: 'sides' });
    expect(err.message).toContain('sides (it accepts: one-sided)');
    expect(err.message).toContain('media (it accepts: iso_a4_210x297mm)');
  });
});
