// Writes a PDF file object by object, keeping only each object's byte offset: the cross-reference
// table at the end needs those (ISO 32000-1 §7.5.4), nothing else has to stay in memory.

import type { FileHandle } from 'node:fs/promises';

/** Stream bodies are copied in pieces of this size, so no page is ever whole in memory. */
export const COPY_BYTES = 64 * 1024;

/** Where a stream's bytes come from: in memory, or a byte range of a file read piece by piece. */
export type StreamSource =
  | { bytes: Uint8Array }
  | { file: FileHandle; ranges: ReadonlyArray<{ offset: number; length: number }> };

export function sourceLength(source: StreamSource): number {
  return 'bytes' in source ? source.bytes.length : source.ranges.reduce((sum, r) => sum + r.length, 0);
}

export class PdfObjectWriter {
  /** offsets[n] is where object n starts; 0 for numbers allocated but not (yet) written. */
  private readonly offsets: number[] = [0];
  private position = 0;
  private readonly buffer = Buffer.alloc(COPY_BYTES);

  constructor(private readonly out: FileHandle) {}

  /** Starts the file: the header and the binary comment that marks it as 8-bit (§7.5.2). */
  async begin(version = '1.7'): Promise<void> {
    await this.write(Buffer.from(`%PDF-${version}\n%\xe2\xe3\xcf\xd3\n`, 'latin1'));
  }

  /** A fresh object number; objects may be written in any order once numbered. */
  allocate(): number {
    this.offsets.push(0);
    return this.offsets.length - 1;
  }

  /** Numbers 1..n handed out elsewhere (pdf-lib numbers the objects it builds itself). */
  reserveUpTo(n: number): void {
    while (this.offsets.length <= n) this.offsets.push(0);
  }

  /** The number the next allocate() returns. */
  get nextNumber(): number {
    return this.offsets.length;
  }

  /** An object whose serialized form is already bytes (a dictionary, an array, a pdf-lib object). */
  async writeObject(n: number, body: string | Uint8Array): Promise<void> {
    this.mark(n);
    await this.write(Buffer.from(`${n} 0 obj\n`, 'latin1'));
    await this.write(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
    await this.write(Buffer.from('\nendobj\n', 'latin1'));
  }

  /** A stream object; `dict` is the dictionary without /Length, which is added from the source. */
  async writeStream(n: number, dict: string, source: StreamSource): Promise<void> {
    this.mark(n);
    const length = sourceLength(source);
    await this.write(Buffer.from(`${n} 0 obj\n<< ${dict} /Length ${length} >>\nstream\n`, 'latin1'));
    if ('bytes' in source) {
      await this.write(source.bytes);
    } else {
      for (const range of source.ranges) await this.copyRange(source.file, range.offset, range.length);
    }
    await this.write(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  }

  /** The cross-reference table and trailer; every allocated object must have been written. */
  async finish(trailer: { root: number; info: number }): Promise<void> {
    const missing = this.offsets.findIndex((offset, n) => n > 0 && offset === 0);
    if (missing > 0) throw new Error(`PDF object ${missing} was numbered but never written`);
    const xrefAt = this.position;
    // Each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, and a 2-byte EOL.
    const lines = [`xref\n0 ${this.offsets.length}\n`, '0000000000 65535 f \n'];
    for (let n = 1; n < this.offsets.length; n++) {
      lines.push(`${String(this.offsets[n]).padStart(10, '0')} 00000 n \n`);
    }
    lines.push(
      `trailer\n<< /Size ${this.offsets.length} /Root ${trailer.root} 0 R /Info ${trailer.info} 0 R >>\n`,
      `startxref\n${xrefAt}\n%%EOF\n`,
    );
    await this.write(Buffer.from(lines.join(''), 'latin1'));
  }

  private mark(n: number): void {
    if (n <= 0 || n >= this.offsets.length) throw new Error(`PDF object ${n} was never numbered`);
    if (this.offsets[n] !== 0) throw new Error(`PDF object ${n} written twice`);
    this.offsets[n] = this.position;
  }

  private async copyRange(file: FileHandle, offset: number, length: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const want = Math.min(this.buffer.length, length - done);
      const { bytesRead } = await file.read(this.buffer, 0, want, offset + done);
      if (bytesRead === 0) throw new Error('page file ended early');
      await this.write(this.buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
  }

  private async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.out.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
    this.position += bytes.length;
  }
}

const PRODUCER = 'Drive Print & Scan connector';

/**
 * Writes a whole PDF into `out`: the catalog, the page tree and the document information around the
 * pages that `addPages` writes (it returns their object numbers, each with `tree` as its parent).
 * Resolves with the number of pages.
 */
export async function writePagedPdf(
  out: FileHandle,
  addPages: (writer: PdfObjectWriter, tree: number) => Promise<number[]>,
): Promise<number> {
  const writer = new PdfObjectWriter(out);
  await writer.begin();
  const catalog = writer.allocate();
  const tree = writer.allocate();
  const info = writer.allocate();
  const kids = await addPages(writer, tree);
  await writer.writeObject(
    tree,
    `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`,
  );
  await writer.writeObject(catalog, `<< /Type /Catalog /Pages ${tree} 0 R >>`);
  await writer.writeObject(info, `<< /Producer (${PRODUCER}) /Creator (${PRODUCER}) >>`);
  await writer.finish({ root: catalog, info });
  return kids.length;
}
