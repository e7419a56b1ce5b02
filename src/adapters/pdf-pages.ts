// Cutting chosen pages out of a PDF with pdf-lib, for printers that do not apply page-ranges themselves.

import { EncryptedPDFError, PDFDocument } from 'pdf-lib';
import { BadInputError, ConversionFailedError } from '../domain/errors.js';

/** 0-based indexes of the pages in `ranges` (1-based, inclusive) that a document of `pageCount` pages has. */
export function pageIndexes(ranges: ReadonlyArray<readonly [number, number]>, pageCount: number): number[] {
  const chosen = new Set<number>();
  for (const [first, last] of ranges) {
    for (let page = Math.max(1, first); page <= Math.min(last, pageCount); page++) chosen.add(page - 1);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * A new PDF with only the chosen pages, in document order; pages past the end are ignored. Throws
 * BadInputError page_range_empty when none is left, ConversionFailedError for a PDF pdf-lib cannot read
 * or one that is encrypted (its pages cannot be copied out readably).
 */
export async function selectPdfPages(
  bytes: Uint8Array,
  ranges: ReadonlyArray<readonly [number, number]>,
): Promise<{ pdf: Uint8Array; pages: number }> {
  let source: PDFDocument;
  try {
    source = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (err) {
    const message =
      err instanceof EncryptedPDFError
        ? 'This PDF is protected, so single pages cannot be taken from it. Print all pages instead.'
        : 'The file could not be read as a PDF. It may be damaged.';
    throw new ConversionFailedError(message, { cause: err });
  }
  const count = source.getPageCount();
  const indexes = pageIndexes(ranges, count);
  if (indexes.length === 0) {
    throw new BadInputError(
      `The document has ${count} ${count === 1 ? 'page' : 'pages'}; the chosen pages are not in it.`,
      'page_range_empty',
    );
  }
  const out = await PDFDocument.create({ updateMetadata: false });
  for (const page of await out.copyPages(source, indexes)) out.addPage(page);
  return { pdf: await out.save(), pages: indexes.length };
}
