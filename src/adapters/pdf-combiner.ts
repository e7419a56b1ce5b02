import { readFile, writeFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import type { ScanType } from '../domain/scan-files.js';
import type { PdfCombiner } from '../domain/scanning.js';

/** A4 in PDF points; image pages are fitted onto it, keeping their proportions. */
const A4 = { width: 595.28, height: 841.89 };

/** pdf-lib: PDF pages are copied as they are; JPEG and PNG pages become one A4 page each. */
export class PdfLibCombiner implements PdfCombiner {
  async combine(
    pages: Array<{ path: string; type: ScanType }>,
    outputPath: string,
  ): Promise<{ pages: number }> {
    const out = await PDFDocument.create();
    out.setProducer('Drive Print & Scan connector');
    out.setCreator('Drive Print & Scan connector');
    for (const page of pages) {
      const bytes = await readFile(page.path);
      if (page.type === 'application/pdf') {
        const src = await PDFDocument.load(bytes, { ignoreEncryption: false });
        const copied = await out.copyPages(src, src.getPageIndices());
        for (const p of copied) out.addPage(p);
        continue;
      }
      const image = page.type === 'image/png' ? await out.embedPng(bytes) : await out.embedJpg(bytes);
      const landscape = image.width > image.height;
      const size = landscape ? { width: A4.height, height: A4.width } : A4;
      const scale = Math.min(size.width / image.width, size.height / image.height);
      const w = image.width * scale;
      const h = image.height * scale;
      const p = out.addPage([size.width, size.height]);
      p.drawImage(image, { x: (size.width - w) / 2, y: (size.height - h) / 2, width: w, height: h });
    }
    await writeFile(outputPath, await out.save());
    return { pages: out.getPageCount() };
  }
}
