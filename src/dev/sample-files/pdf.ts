// A minimal PDF writer for sample files and Google Docs exports: Helvetica text on A4 pages, with a
// correct cross-reference table so strict readers (qpdf, pdf.js, printers) accept the output.
// Deterministic: the same input always gives the same bytes.

import { createHash } from 'node:crypto';

const LINES_PER_PAGE = 46;
const WRAP_AT = 90;

export interface PdfSpec {
  title: string;
  /** Each page is a list of text lines (ASCII; other characters become '?'). */
  pages: string[][];
}

function pdfString(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return `(${ascii.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

function pageContent(title: string, lines: string[], pageNumber: number, pageCount: number): string {
  const body = lines.map((line, i) => `${i === 0 ? '' : 'T* '}${pdfString(line)} Tj`).join('\n');
  return [
    'BT /F1 18 Tf 72 780 Td',
    `${pdfString(title)} Tj`,
    'ET',
    'BT /F1 11 Tf 72 750 Td 15 TL',
    body,
    'ET',
    'BT /F1 9 Tf 72 40 Td',
    `${pdfString(`Page ${pageNumber} of ${pageCount}`)} Tj`,
    'ET',
  ].join('\n');
}

export function buildPdf(spec: PdfSpec): Buffer {
  const pages = spec.pages.length > 0 ? spec.pages : [[]];
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 5 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = `<< /Title ${pdfString(spec.title)} /Producer (drive-print-connector google double) >>`;
  pages.forEach((lines, i) => {
    const content = pageContent(spec.title, lines, i + 1, pages.length);
    objects[5 + i * 2] =
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ' +
      `/Resources << /Font << /F1 3 0 R >> >> /Contents ${6 + i * 2} 0 R >>`;
    objects[6 + i * 2] =
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
  });

  // Everything is ASCII except the binary marker comment, so latin1 length == byte length.
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = out.length;
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xrefAt = out.length;
  const size = objects.length;
  out += `xref\n0 ${size}\n0000000000 65535 f\r\n`;
  for (let id = 1; id < size; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n\r\n`;
  const fileId = createHash('md5').update(out, 'latin1').digest('hex');
  out += `trailer\n<< /Size ${size} /Root 1 0 R /Info 4 0 R /ID [<${fileId}> <${fileId}>] >>\n`;
  out += `startxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Splits free text into wrapped lines and pages. */
export function textToPages(text: string, linesPerPage = LINES_PER_PAGE): string[][] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let rest = raw;
    while (rest.length > WRAP_AT) {
      const cut = rest.lastIndexOf(' ', WRAP_AT) > 0 ? rest.lastIndexOf(' ', WRAP_AT) : WRAP_AT;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut).trimStart();
    }
    lines.push(rest);
  }
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += linesPerPage) pages.push(lines.slice(i, i + linesPerPage));
  return pages.length > 0 ? pages : [[]];
}
