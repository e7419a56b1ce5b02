// The person's print options: parsed once from what they typed, then checked against what the chosen
// printer says it supports, so a job the printer would refuse is never created.

import { BadInputError } from './errors.js';
import type { PrinterCapabilities, PrintTicket } from './ports.js';

/** A value the printer does not support: 400, naming what it accepts. */
export class OptionUnsupportedError extends BadInputError {
  /** Our option name (copies, sides, color, media, pageRanges, orientation, numberUp, quality, finishings). */
  readonly option: string;
  constructor(option: string, message: string) {
    super(message, 'option_unsupported');
    this.option = option;
  }
}

/** Longest page list a person can type; more ranges than this is not a real request. */
const MAX_RANGES = 50;
const MAX_PAGE = 99_999;

/**
 * "1-3, 5" -> [[1,3],[5,5]]. Any order and overlaps are accepted ("5-7, 1-2, 2-3" -> [[1,3],[5,7]]):
 * the result is ascending and non-overlapping, as IPP page-ranges requires (RFC 8011 section 5.2.7).
 * "4-" means from page 4 to the end.
 */
export function parsePageRanges(text: string): Array<[number, number]> {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const parts = trimmed.split(/[,;]/);
  if (parts.length > MAX_RANGES) throw new BadInputError('Use at most 50 page ranges.', 'bad_page_ranges');
  const ranges: Array<[number, number]> = [];
  for (const part of parts) {
    const m = /^\s*(\d{1,5})\s*(?:([-–])\s*(\d{1,5})?\s*)?$/.exec(part);
    if (!m) throw new BadInputError('Pages must look like 1-3, 5.', 'bad_page_ranges');
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : m[3] === undefined ? MAX_PAGE : Number(m[3]);
    if (from < 1 || to < from)
      throw new BadInputError('Page ranges must start at 1 and go upwards, such as 2-4.', 'bad_page_ranges');
    ranges.push([from, to]);
  }
  return normalisePageRanges(ranges);
}

/** Ranges sorted and merged (overlapping or adjacent ones become one): the only form IPP accepts. */
export function normalisePageRanges(
  ranges: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of sorted) {
    const last = merged.at(-1);
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** "1-3, 5" back from ranges, for summaries; the open end reads "4-". */
export function formatPageRanges(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges
    .map(([from, to]) => (from === to ? `${from}` : to >= MAX_PAGE ? `${from}-` : `${from}-${to}`))
    .join(', ');
}

const list = (values: ReadonlyArray<string | number>): string =>
  values.length === 0 ? 'none' : values.join(', ');

/**
 * Throws OptionUnsupportedError for the first option the printer does not support, naming the values it
 * accepts. Absent options are left to the printer's defaults and always pass.
 */
export function checkTicket(ticket: PrintTicket, caps: PrinterCapabilities): void {
  if (ticket.copies !== undefined) {
    const { min, max } = caps.copies;
    if (!Number.isInteger(ticket.copies) || ticket.copies < min || ticket.copies > max) {
      throw new OptionUnsupportedError(
        'copies',
        max === min
          ? `This printer prints ${min} ${min === 1 ? 'copy' : 'copies'} at a time only.`
          : `This printer prints from ${min} to ${max} copies.`,
      );
    }
  }
  const oneOf = <T extends string | number>(option: string, value: T | undefined, accepted: readonly T[]) => {
    if (value !== undefined && !accepted.includes(value)) {
      throw new OptionUnsupportedError(
        option,
        `This printer does not support ${option} "${value}". It accepts: ${list(accepted)}.`,
      );
    }
  };
  oneOf('sides', ticket.sides, caps.sides);
  oneOf('color', ticket.color, caps.color);
  oneOf(
    'media',
    ticket.media,
    caps.media.map((m) => m.id),
  );
  oneOf('orientation', ticket.orientation, caps.orientation);
  oneOf('numberUp', ticket.numberUp, caps.numberUp);
  oneOf('quality', ticket.quality, caps.quality);
  for (const finishing of ticket.finishings ?? []) oneOf('finishings', finishing, caps.finishings);
  // Page ranges are always possible: when the printer cannot apply them, the connector cuts the pages.
}

/** The message for options a printer refused in Validate-Job (names from PrintSystem.validate). */
export function refusedOptionsError(
  options: readonly string[],
  caps: PrinterCapabilities,
): OptionUnsupportedError {
  const accepted: Record<string, string> = {
    copies: `${caps.copies.min}-${caps.copies.max}`,
    sides: list(caps.sides),
    color: list(caps.color),
    media: list(caps.media.map((m) => m.id)),
    orientation: list(caps.orientation),
    numberUp: list(caps.numberUp),
    quality: list(caps.quality),
    finishings: list(caps.finishings),
    pageRanges: 'all pages',
  };
  const first = options[0] ?? 'options';
  const detail = options.map((o) => `${o} (it accepts: ${accepted[o] ?? 'its defaults'})`).join('; ');
  return new OptionUnsupportedError(first, `The printer does not accept these settings: ${detail}.`);
}
