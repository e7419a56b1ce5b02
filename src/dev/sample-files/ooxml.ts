// Shared pieces of Office Open XML packages (ECMA-376 part 2, Open Packaging Conventions): the
// content-types part, relationship parts and XML text escaping. docx.ts and xlsx.ts build on them.

import { buildZip, type ZipEntry } from './zip.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
export const OFFICE_DOCUMENT_REL =
  'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument';

export interface Part {
  /** Path inside the package, without a leading slash. */
  name: string;
  /** The part's content type; parts without one are covered by the `rels`/`xml` defaults. */
  contentType?: string;
  /** The part's XML, without the XML declaration (added here). */
  xml: string;
}

export interface Relationship {
  type: string;
  target: string;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** A `.rels` part: relationship ids are rId1, rId2 … in order. */
export function relationshipsXml(relationships: Relationship[]): string {
  const items = relationships.map(
    (r, i) => `<Relationship Id="rId${i + 1}" Type="${r.type}" Target="${escapeXml(r.target)}"/>`,
  );
  return `<Relationships xmlns="${RELATIONSHIPS_NS}">${items.join('')}</Relationships>`;
}

/** The package as a zip: `[Content_Types].xml` first, then the parts in order. */
export function buildPackage(parts: Part[]): Buffer {
  const overrides = parts
    .filter((p) => p.contentType)
    .map((p) => `<Override PartName="/${p.name}" ContentType="${p.contentType}"/>`);
  const contentTypes =
    `${DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `${overrides.join('')}</Types>`;
  const entries: ZipEntry[] = [
    { name: '[Content_Types].xml', data: contentTypes },
    ...parts.map((p) => ({ name: p.name, data: DECLARATION + p.xml })),
  ];
  return buildZip(entries);
}
