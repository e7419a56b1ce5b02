// Pages that pdf-lib builds (a page copied from a scanner's PDF, an image PDF cannot take as it is),
// written into a PdfObjectWriter's file one object at a time. pdf-lib holds that one page's objects;
// the pages before it are already on disk.

import { PDFDocument, PDFName, type PDFPage, PDFRef } from 'pdf-lib';
import type { PdfObjectWriter } from './pdf-object-writer.js';

/**
 * Runs `build` on a scratch pdf-lib document whose new objects are numbered after the writer's, so
 * they keep their numbers (and the references between them) in our file; its own catalog and page
 * tree keep lower numbers and are left out. Returns the object numbers of the pages built.
 */
export async function writePdfLibPages(
  writer: PdfObjectWriter,
  parent: number,
  build: (doc: PDFDocument) => Promise<PDFPage[]>,
): Promise<number[]> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  // Numbers the scratch document used for itself are burnt in ours as null objects (a free number
  // that is never written would break the cross-reference table).
  while (writer.nextNumber <= doc.context.largestObjectNumber)
    await writer.writeObject(writer.allocate(), 'null');
  const base = writer.nextNumber - 1;
  doc.context.largestObjectNumber = base;

  const pages = await build(doc);
  // Embedded images are only turned into objects on flush.
  await doc.flush();
  for (const page of pages) page.node.set(PDFName.of('Parent'), PDFRef.of(parent));

  const last = doc.context.largestObjectNumber;
  writer.reserveUpTo(last);
  const built = new Map(
    doc.context
      .enumerateIndirectObjects()
      .filter(([ref]) => ref.objectNumber > base)
      .map(([ref, object]) => [ref.objectNumber, object] as const),
  );
  for (let n = base + 1; n <= last; n++) {
    const object = built.get(n);
    if (!object) {
      await writer.writeObject(n, 'null');
      continue;
    }
    const bytes = new Uint8Array(object.sizeInBytes());
    object.copyBytesInto(bytes, 0);
    await writer.writeObject(n, bytes);
    // Let the page's objects go as soon as they are on disk.
    doc.context.delete(PDFRef.of(n));
  }
  return pages.map((page) => page.ref.objectNumber);
}
