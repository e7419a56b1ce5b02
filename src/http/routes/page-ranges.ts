import { BadInputError } from '../../domain/errors.js';

/** "1-3, 5" -> [[1,3],[5,5]]; ascending, non-overlapping, as IPP page-ranges requires. */
export function parsePageRanges(text: string): Array<[number, number]> {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const ranges: Array<[number, number]> = [];
  for (const part of trimmed.split(',')) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part);
    if (!m) throw new BadInputError('Pages must look like 1-3, 5.', 'bad_page_ranges');
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to < from)
      throw new BadInputError('Page ranges must start at 1 and go upwards.', 'bad_page_ranges');
    const last = ranges.at(-1);
    if (last && from <= last[1]) {
      throw new BadInputError('Page ranges must be in order and must not overlap.', 'bad_page_ranges');
    }
    ranges.push([from, to]);
  }
  return ranges;
}
