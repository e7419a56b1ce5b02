// Real-looking scanned text pages for OCR tests and the benchmark: Ghostscript draws lines of text in
// DejaVu Sans on an A4 page and writes a grayscale PNG at scanner resolution, and pagesToPdf puts such
// pages into a PDF the way the connector does with a scan's pages.

import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { StreamingPdfCombiner } from '../../src/adapters/pdf-combiner.js';

const run = promisify(execFile);

const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
/** A4 in PostScript points. */
const PAGE = { width: 595, height: 842 };
/** An inch of margin all round; lines wrap at the right margin. */
const MARGIN = 72;

export interface TextPageOptions {
  /** Paragraphs, top to bottom; each wraps at the right margin. Latin-1 letters only (ë, å, ä, ö, é...). */
  lines: readonly string[];
  /** The PNG to write. */
  file: string;
  /** Scanner resolution; 300 unless told. */
  dpi?: number;
  /** Turned 180° about the page centre, as a sheet put in the feeder the wrong way round. */
  upsideDown?: boolean;
  /** Points; 13 unless told (ordinary body text). */
  fontSize?: number;
}

/** Draws a page of text with Ghostscript (argument array, no shell, -dSAFER) into a grayscale PNG. */
export async function renderTextPage(options: TextPageOptions): Promise<void> {
  const program = `${options.file}.ps`;
  await writeFile(program, textPageProgram(options));
  try {
    await run(
      'gs',
      [
        '-q',
        '-dSAFER',
        '-dBATCH',
        '-dNOPAUSE',
        `-sFONTPATH=${FONT_DIR}`,
        '-sDEVICE=pnggray',
        `-r${options.dpi ?? 300}`,
        // Smooth glyph edges, like a scanner's gray levels rather than a fax's hard pixels.
        '-dTextAlphaBits=4',
        '-dDEVICEWIDTHPOINTS=595',
        '-dDEVICEHEIGHTPOINTS=842',
        '-dFIXEDMEDIA',
        `-sOutputFile=${options.file}`,
        program,
      ],
      { timeout: 60_000 },
    );
  } finally {
    await rm(program, { force: true });
  }
}

/** One PDF of page images, as the connector builds it from a scan's pages. */
export async function pagesToPdf(images: readonly string[], out: string, dpi = 300): Promise<void> {
  await new StreamingPdfCombiner().combine(
    images.map((image) => ({ path: image, type: 'image/png' as const })),
    out,
    { dpi },
  );
}

/**
 * The PostScript program of a page. DejaVu Sans is re-encoded to ISO Latin-1 so that letters such as
 * ë and å can be written as one octal escape each (a TrueType font's own encoding lacks them); words are
 * set one by one and a line breaks where the next word would cross the right margin.
 */
export function textPageProgram(options: Pick<TextPageOptions, 'lines' | 'upsideDown' | 'fontSize'>): string {
  const size = options.fontSize ?? 13;
  const words = options.lines
    .map((line) =>
      line
        .split(/\s+/)
        .filter((word) => word.length > 0)
        .map((word) => `${postScriptString(word)} w`)
        .join(' '),
    )
    .map((line) => `${line} nl`);
  return [
    '%!PS',
    '/DejaVuSans findfont dup length dict begin',
    '  { 1 index /FID ne { def } { pop pop } ifelse } forall',
    '  /Encoding ISOLatin1Encoding def currentdict end',
    '/DV exch definefont pop',
    `/DV findfont ${size} scalefont setfont`,
    `/LM ${MARGIN} def /RM ${PAGE.width - MARGIN} def /LH ${size * 1.5} def`,
    '/nl { currentpoint exch pop LH sub LM exch moveto } def',
    // A word that would cross the right margin starts a new line (unless it is the first on its line).
    '/w { dup stringwidth pop currentpoint pop add RM gt currentpoint pop LM gt and { nl } if show ( ) show } def',
    options.upsideDown ? `${PAGE.width} ${PAGE.height} translate 180 rotate` : '',
    `LM ${PAGE.height - MARGIN - size} moveto`,
    ...words,
    'showpage',
    '',
  ].join('\n');
}

/** A PostScript string literal in Latin-1: printable ASCII as it is, everything else as an octal escape. */
export function postScriptString(text: string): string {
  let out = '(';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code > 0xff) throw new Error(`"${char}" is not a Latin-1 letter, so it cannot be drawn`);
    if (char === '(' || char === ')' || char === '\\') out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else out += `\\${code.toString(8).padStart(3, '0')}`;
  }
  return `${out})`;
}
