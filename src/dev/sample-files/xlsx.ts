// A minimal Excel workbook (.xlsx): one sheet of text and numbers, text as inline strings so no
// shared-strings part is needed. Just enough SpreadsheetML for LibreOffice and Excel to open it.

import { buildPackage, escapeXml, OFFICE_DOCUMENT_REL, relationshipsXml } from './ooxml.js';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface XlsxSpec {
  sheetName: string;
  rows: Array<Array<string | number>>;
  /** Column widths in characters, from column A. */
  columnWidths?: number[];
}

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const R_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const WORKSHEET_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet';

/** 0 -> A, 25 -> Z, 26 -> AA. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

function cellXml(value: string | number, ref: string): string {
  if (typeof value === 'number') return `<c r="${ref}"><v>${value}</v></c>`;
  return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`;
}

export function buildXlsx(spec: XlsxSpec): Buffer {
  const rows = spec.rows.map((cells, r) => {
    const xml = cells.map((value, c) => cellXml(value, `${columnName(c)}${r + 1}`)).join('');
    return `<row r="${r + 1}">${xml}</row>`;
  });
  const cols = (spec.columnWidths ?? []).map(
    (width, i) => `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`,
  );
  const sheet =
    `<worksheet xmlns="${MAIN_NS}">${cols.length > 0 ? `<cols>${cols.join('')}</cols>` : ''}` +
    `<sheetData>${rows.join('')}</sheetData></worksheet>`;
  return buildPackage([
    {
      name: '_rels/.rels',
      xml: relationshipsXml([{ type: OFFICE_DOCUMENT_REL, target: 'xl/workbook.xml' }]),
    },
    {
      name: 'xl/workbook.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
      xml:
        `<workbook xmlns="${MAIN_NS}" xmlns:r="${R_NS}"><sheets>` +
        `<sheet name="${escapeXml(spec.sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      xml: relationshipsXml([{ type: WORKSHEET_REL, target: 'worksheets/sheet1.xml' }]),
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml',
      xml: sheet,
    },
  ]);
}
