// Plain text to an A4 PDF with pdf-lib's built-in Courier: no font file is needed at run time.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { PDFDocument, type PDFFont, StandardFonts } from 'pdf-lib';
import { BadInputError } from '../domain/errors.js';
import { A4 } from './image-to-pdf.js';

const FONT_SIZE = 10;
const LEADING = 12;
/** 15 mm all round. */
const MARGIN = 42.52;
/** Courier's advance is 600/1000 em. */
const CHAR_WIDTH = FONT_SIZE * 0.6;
export const COLUMNS = Math.floor((A4[0] - 2 * MARGIN) / CHAR_WIDTH);
export const ROWS = Math.floor((A4[1] - 2 * MARGIN) / LEADING);
const TAB = 8;

/**
 * The text of a file: UTF-8 (with or without a byte-order mark), UTF-16 when it starts with a byte-order
 * mark, and Windows-1252 when it is not valid UTF-8 (text saved by older Windows programs).
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return windows1252(bytes);
  }
}

/** 0x80-0x9F of Windows-1252 (WHATWG Encoding); Node's TextDecoder reads them as Latin-1 controls. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function windows1252(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes)
    out += byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  return out;
}

/**
 * Pages of lines: form feeds start a page, tabs go to the next multiple of 8, lines longer than
 * `columns` wrap (at the last space in the second half of the line, else exactly at the edge).
 */
export function paginate(text: string, columns = COLUMNS, rows = ROWS): string[][] {
  const pages: string[][] = [[]];
  const push = (line: string) => {
    if (pages[pages.length - 1]!.length >= rows) pages.push([]);
    pages[pages.length - 1]!.push(line);
  };
  const sheets = text.replace(/\r\n?/g, '\n').split('\f');
  sheets.forEach((sheet, index) => {
    if (index > 0) pages.push([]);
    const lines = sheet.split('\n');
    // A file that ends with a newline has no empty last line.
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    for (const raw of lines) {
      let line = expandTabs(raw).trimEnd();
      while ([...line].length > columns) {
        const chars = [...line];
        const head = chars.slice(0, columns).join('');
        const space = head.lastIndexOf(' ');
        const cut = space >= columns / 2 ? space : columns;
        const first = chars.slice(0, cut).join('');
        push(first.trimEnd());
        line = chars.slice(cut).join('').replace(/^ /, '');
      }
      push(line);
    }
  });
  return pages;
}

function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(TAB - ([...out].length % TAB)) : ch;
  return out;
}

/**
 * Keeps what the font can show (Courier's WinAnsi set has å ä ö é ë ï ß € and the rest of Western
 * Europe); a letter with a mark it lacks (ő, ł has none) falls back to its base letter, anything else
 * (controls, CJK, emoji) to '?'.
 */
export function showable(line: string, charset: ReadonlySet<number>): string {
  let out = '';
  for (const ch of line) {
    const code = ch.codePointAt(0)!;
    if (charset.has(code)) out += ch;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else {
      const base = ch.normalize('NFD')[0]!;
      out += base !== ch && charset.has(base.codePointAt(0)!) ? base : '?';
    }
  }
  return out;
}

/** A PDF of the text on A4 in 10 pt Courier; yields to the event loop between pages. */
export async function textToPdfBytes(bytes: Uint8Array, checkpoint: () => void): Promise<Uint8Array> {
  const text = decodeText(bytes);
  if (text.trim() === '')
    throw new BadInputError('The file is empty; there is nothing to print.', 'empty_document');
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font: PDFFont = await doc.embedFont(StandardFonts.Courier);
  const charset = new Set(font.getCharacterSet());
  for (const lines of paginate(text)) {
    checkpoint();
    const page = doc.addPage([A4[0], A4[1]]);
    lines.forEach((line, row) => {
      if (line === '') return;
      page.drawText(showable(line, charset), {
        x: MARGIN,
        y: A4[1] - MARGIN - FONT_SIZE - row * LEADING,
        size: FONT_SIZE,
        font,
      });
    });
    await nextTurn();
  }
  checkpoint();
  return doc.save();
}
