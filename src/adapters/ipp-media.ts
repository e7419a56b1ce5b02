// Media sizes by their PWG 5101.1 self-describing names (class_name_WxHunits, e.g. iso_a4_210x297mm):
// readable names for a person, and the dimensions IPP's media-col wants. Pure, table-tested.

/** A media size in hundredths of millimetres, the unit of media-size x-/y-dimension (PWG 5100.7). */
export interface MediaSize {
  /** Width (cross-feed). */
  x: number;
  /** Length (feed). */
  y: number;
}

/** The readable names people know; any other size is named by its dimensions. */
const NAMED: ReadonlyArray<readonly [id: string, name: string]> = [
  ['iso_a3_297x420mm', 'A3'],
  ['iso_a4_210x297mm', 'A4'],
  ['iso_a5_148x210mm', 'A5'],
  ['iso_a6_105x148mm', 'A6'],
  ['iso_sra3_320x450mm', 'SRA3'],
  ['iso_b4_250x353mm', 'B4 (ISO)'],
  ['iso_b5_176x250mm', 'B5 (ISO)'],
  ['jis_b4_257x364mm', 'B4 (JIS)'],
  ['jis_b5_182x257mm', 'B5 (JIS)'],
  ['na_letter_8.5x11in', 'Letter'],
  ['na_legal_8.5x14in', 'Legal'],
  ['na_executive_7.25x10.5in', 'Executive'],
  ['na_ledger_11x17in', 'Tabloid (Ledger)'],
  ['na_invoice_5.5x8.5in', 'Statement'],
  ['na_foolscap_8.5x13in', 'Folio'],
  ['iso_dl_110x220mm', 'Envelope DL'],
  ['iso_c4_229x324mm', 'Envelope C4'],
  ['iso_c5_162x229mm', 'Envelope C5'],
  ['iso_c6_114x162mm', 'Envelope C6'],
  ['na_number-10_4.125x9.5in', 'Envelope #10'],
  ['na_number-9_3.875x8.875in', 'Envelope #9'],
  ['na_monarch_3.875x7.5in', 'Envelope Monarch'],
  ['na_a2_4.375x5.75in', 'Envelope A2'],
  ['na_index-3x5_3x5in', 'Index card 3 × 5 in'],
  ['na_index-5x8_5x8in', 'Index card 5 × 8 in'],
  ['na_index-4x6_4x6in', 'Photo 4 × 6 in'],
  ['na_5x7_5x7in', 'Photo 5 × 7 in'],
  ['oe_photo-l_3.5x5in', 'Photo L (3.5 × 5 in)'],
  ['om_small-photo_100x150mm', 'Photo 10 × 15 cm'],
  ['jpn_hagaki_100x148mm', 'Hagaki postcard'],
];

const NAMES: ReadonlyMap<string, string> = new Map(NAMED);

// PWG 5101.1: the size part is the last "_", WxH and the unit; fractions use a dot.
const SIZE_PART = /_(\d+)(?:\.(\d+))?x(\d+)(?:\.(\d+))?(mm|in)$/;

/**
 * The size a self-describing name states, in hundredths of mm; null when the name states none (a legacy
 * name such as "a4", or a custom_min_/custom_max_ range bound). Like CUPS (pwg_scan_measurement),
 * inches are converted exactly and truncated, so #10 (4.125 in) is 10477, as printers report it.
 */
export function mediaSizeFromName(name: string): MediaSize | null {
  const match = SIZE_PART.exec(name);
  if (!match) return null;
  const [, xWhole, xFraction, yWhole, yFraction, units] = match;
  const factor = units === 'in' ? 2540 : 100;
  const x = toHundredths(xWhole!, xFraction, factor);
  const y = toHundredths(yWhole!, yFraction, factor);
  return x > 0 && y > 0 ? { x, y } : null;
}

function toHundredths(whole: string, fraction: string | undefined, factor: number): number {
  const digits = (fraction ?? '').slice(0, 6);
  const scale = 10 ** digits.length;
  return Math.trunc(((Number(whole) * scale + Number(digits || '0')) * factor) / scale);
}

// Sizes within this many hundredths of mm are the same paper: printers round inches either way.
const TOLERANCE = 2;

const NAMED_SIZES: ReadonlyArray<readonly [id: string, size: MediaSize]> = NAMED.map(([id]) => [
  id,
  mediaSizeFromName(id)!,
]);

/**
 * The self-describing name for a size a printer gives only as media-size dimensions: the common name
 * when the size is one of ours, otherwise the name CUPS would give it (pwgFormatSizeName): inches when
 * both sides are whole quarter inches, millimetres otherwise, e.g. om_100x200mm_100x200mm.
 */
export function mediaNameForSize(size: MediaSize): string {
  const known = namedIdForSize(size);
  if (known) return known;
  const inches = size.x % 635 === 0 && size.y % 635 === 0;
  const format = inches ? formatInches : formatMillimetres;
  const dimensions = `${format(size.x)}x${format(size.y)}${inches ? 'in' : 'mm'}`;
  return `${inches ? 'oe' : 'om'}_${dimensions}_${dimensions}`;
}

function namedIdForSize(size: MediaSize): string | undefined {
  return NAMED_SIZES.find(
    ([, s]) => Math.abs(s.x - size.x) <= TOLERANCE && Math.abs(s.y - size.y) <= TOLERANCE,
  )?.[0];
}

/** Hundredths of mm as inches to the nearest thousandth, without trailing zeros. */
function formatInches(hundredths: number): string {
  return String(Math.floor((hundredths * 1000 + 1270) / 2540) / 1000);
}

function formatMillimetres(hundredths: number): string {
  return String(hundredths / 100);
}

/**
 * A readable name for a media id: A4, Letter, Envelope DL...; for other sizes the dimensions in the
 * name's own units ("100 × 200 mm", "8 × 10 in"); the id itself when it states no size.
 */
export function mediaDisplayName(id: string): string {
  const named = NAMES.get(id);
  if (named) return named;
  const match = SIZE_PART.exec(id);
  if (!match) return id;
  const [, xWhole, xFraction, yWhole, yFraction, units] = match;
  const number = (whole: string, fraction?: string) => (fraction ? `${whole}.${fraction}` : whole);
  // A printer's own name for a common size (say om_a4-plain_210x297mm) still reads as the common name.
  const size = mediaSizeFromName(id);
  const same = size && namedIdForSize(size);
  if (same) return NAMES.get(same)!;
  return `${number(xWhole!, xFraction)} × ${number(yWhole!, yFraction)} ${units}`;
}
