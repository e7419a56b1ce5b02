import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { MB } from './stats.js';

/**
 * A PDF-looking file of exactly `bytes` bytes: header, padding, %%EOF. ippeveprinter with `-c /bin/true`
 * and the connector's print path pass it on without parsing pages, which is what is measured here.
 */
export async function writePdf(path: string, bytes: number): Promise<void> {
  const head = '%PDF-1.4\n';
  const tail = '\n%%EOF\n';
  const out = createWriteStream(path);
  out.write(head);
  const chunk = Buffer.alloc(MB, '%padding padding padding padding padding padding padding padding\n');
  for (let left = bytes - head.length - tail.length; left > 0; left -= chunk.length) {
    if (!out.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(out, 'drain');
  }
  out.end(tail);
  await once(out, 'finish');
}
