// Ghostscript command lines for PDF to PWG raster (PWG 5102.4) or Apple URF. Pure, table-tested.

import type { RasterOptions, Sides } from '../domain/ports.js';

/** What is done to the back side (even pages) of each two-sided sheet before it is sent. */
export type BackTransform = 'none' | 'flip-x' | 'flip-y' | 'rotate-180';

/**
 * PWG 5100.13 pwg-raster-document-sheet-back: how the printer puts the back of a sheet on paper, so the
 * connector must send it pre-turned. The table is libcupsfilters' (cupsfilters/pdftopdf.c,
 * prepare_documents, and the CrossFeed/FeedTransform table in cupsfilters/raster.c):
 *
 * | sheet-back    | long edge (no tumble) | short edge (tumble) |
 * | normal        | none                  | none                |
 * | flipped       | flip in y (feed)      | flip in x (across)  |
 * | rotated       | rotate 180°           | none                |
 * | manual-tumble | none                  | rotate 180°         |
 */
export function backSideTransform(sides: Sides, sheetBack: RasterOptions['sheetBack']): BackTransform {
  if (sides === 'one-sided' || sheetBack === 'normal') return 'none';
  const longEdge = sides === 'two-sided-long-edge';
  if (sheetBack === 'flipped') return longEdge ? 'flip-y' : 'flip-x';
  if (sheetBack === 'rotated') return longEdge ? 'rotate-180' : 'none';
  return longEdge ? 'none' : 'rotate-180';
}

/** The PWG header's CrossFeedTransform and FeedTransform (cupsInteger[1], [2]) describing that transform. */
export function headerTransform(transform: BackTransform): [number, number] {
  switch (transform) {
    case 'flip-x':
      return [-1, 1];
    case 'flip-y':
      return [1, -1];
    case 'rotate-180':
      return [-1, -1];
    default:
      return [1, 1];
  }
}

/**
 * PostScript that turns every even page in device space as Ghostscript starts it (PLRM BeginPage gets the
 * count of pages already shown). Working on the sheet rather than the PDF keeps annotations and form
 * fields with their page and applies after the page is fitted to the paper. Built from constants only.
 */
export function backSideProcedure(transform: BackTransform): string | null {
  const size = 'currentpagedevice /PageSize get';
  const turn: Record<Exclude<BackTransform, 'none'>, string> = {
    'flip-x': `${size} 0 get 0 translate -1 1 scale`,
    'flip-y': `0 ${size} 1 get translate 1 -1 scale`,
    'rotate-180': `${size} aload pop translate 180 rotate`,
  };
  if (transform === 'none') return null;
  return `<< /BeginPage { 2 mod 1 eq { ${turn[transform]} } if } >> setpagedevice`;
}

/** Ghostscript treats % in -sOutputFile as a page-number format; a literal one is doubled. */
function outputFileArg(output: string): string {
  return `-sOutputFile=${output.replaceAll('%', '%%')}`;
}

/**
 * The arguments for `gs`: 8-bit sGray or sRGB (cupsColorSpace 18 / 19; Ghostscript's pwgraster default
 * is 1-bit black), the chosen resolution, Duplex and Tumble in the page headers, the total page count in
 * the PWG header and the URF file header when known, pages fitted to the paper when its size is known.
 * `input` and `output` must be absolute paths (a path that starts with '-' would read as a switch).
 */
export function ghostscriptRasterArgs(options: {
  raster: RasterOptions;
  input: string;
  output: string;
  /** Pages in the input, or 0 when unknown. */
  pageCount: number;
}): string[] {
  const { raster } = options;
  const [x, y] = raster.resolution;
  const args = [
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-dQUIET',
    raster.format === 'image/urf' ? '-sDEVICE=urf' : '-sDEVICE=pwgraster',
    `-r${x}x${y}`,
    `-dcupsColorSpace=${raster.color ? 19 : 18}`,
    '-dcupsBitsPerColor=8',
    // What a PDF viewer and a PDF printer show is the crop box, not the whole media box.
    '-dUseCropBox',
  ];
  if (options.pageCount > 0) args.push(`-dcupsInteger0=${options.pageCount}`);
  if (raster.pageSize) {
    const [width, height] = raster.pageSize;
    args.push(
      `-dDEVICEWIDTHPOINTS=${width}`,
      `-dDEVICEHEIGHTPOINTS=${height}`,
      '-dFIXEDMEDIA',
      '-dPDFFitPage',
    );
  }
  const transform = backSideTransform(raster.sides, raster.sheetBack);
  if (raster.sides !== 'one-sided') {
    args.push('-dDuplex');
    if (raster.sides === 'two-sided-short-edge') args.push('-dTumble');
    if (raster.format === 'image/pwg-raster') {
      const [crossFeed, feed] = headerTransform(transform);
      args.push(`-dcupsInteger1=${crossFeed}`, `-dcupsInteger2=${feed}`);
    }
  }
  args.push(outputFileArg(options.output));
  const procedure = backSideProcedure(transform);
  if (procedure) args.push('-c', procedure, '-f');
  args.push(options.input);
  return args;
}

/** Arguments that make Ghostscript print the number of pages of a PDF on standard output. */
export function ghostscriptPageCountArgs(input: string): string[] {
  return [
    '-q',
    '-dNODISPLAY',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    `--permit-file-read=${input}`,
    `-sFile=${input}`,
    '-c',
    'File (r) file runpdfbegin pdfpagecount = quit',
  ];
}
