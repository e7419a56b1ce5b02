// A minimal Word document (.docx): a Heading 1 title and plain paragraphs, A4 pages. Just enough of
// WordprocessingML for LibreOffice and Word to open it and convert it to PDF.

import { buildPackage, escapeXml, OFFICE_DOCUMENT_REL, relationshipsXml } from './ooxml.js';

export const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export interface DocxSpec {
  title: string;
  paragraphs: string[];
}

const W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const STYLES_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles';

const STYLES =
  `<w:styles xmlns:w="${W_NS}">` +
  '<w:docDefaults><w:rPrDefault><w:rPr>' +
  '<w:rFonts w:ascii="Liberation Sans" w:hAnsi="Liberation Sans" w:cs="Liberation Sans"/><w:sz w:val="22"/>' +
  '</w:rPr></w:rPrDefault></w:docDefaults>' +
  '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>' +
  '<w:pPr><w:spacing w:after="160"/></w:pPr></w:style>' +
  '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>' +
  '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/>' +
  '<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="240"/><w:outlineLvl w:val="0"/></w:pPr>' +
  '<w:rPr><w:b/><w:sz w:val="36"/></w:rPr></w:style>' +
  '</w:styles>';

function paragraph(text: string, style?: string): string {
  const props = style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : '';
  return `<w:p>${props}<w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`;
}

export function buildDocx(spec: DocxSpec): Buffer {
  const body = [paragraph(spec.title, 'Heading1'), ...spec.paragraphs.map((p) => paragraph(p))].join('');
  // A4 in twentieths of a point, one-inch margins.
  const section =
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>' +
    '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/>' +
    '</w:sectPr>';
  return buildPackage([
    {
      name: '_rels/.rels',
      xml: relationshipsXml([{ type: OFFICE_DOCUMENT_REL, target: 'word/document.xml' }]),
    },
    {
      name: 'word/document.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
      xml: `<w:document xmlns:w="${W_NS}"><w:body>${body}${section}</w:body></w:document>`,
    },
    {
      name: 'word/styles.xml',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml',
      xml: STYLES,
    },
    {
      name: 'word/_rels/document.xml.rels',
      xml: relationshipsXml([{ type: STYLES_REL, target: 'styles.xml' }]),
    },
  ]);
}
