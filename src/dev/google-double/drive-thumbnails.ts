// Thumbnails, like the thumbnailLink Drive gives for images and PDFs: a small PNG drawn here (a page
// with a coloured band), served only to a bearer token that may see the file, from the double's origin.

import { deflateSync } from 'node:zlib';
import { Router } from 'express';
import type { DoubleContext } from './context.js';
import { requireViewer, viewerOf } from './drive-auth.js';
import { visibleFile } from './drive-files.js';
import { driveErrors } from './errors.js';
import type { StoredFile } from './types.js';

/** Drive draws thumbnails for images and PDFs (and more; these are the ones the demo needs). */
export function hasThumbnail(file: Pick<StoredFile, 'mimeType' | 'content'>): boolean {
  return Boolean(file.content) && (file.mimeType === 'application/pdf' || file.mimeType.startsWith('image/'));
}

export function thumbnailUrl(baseUrl: string, fileId: string): string {
  return `${baseUrl}/thumbnails/${encodeURIComponent(fileId)}`;
}

export function driveThumbnailsRouter(ctx: DoubleContext): Router {
  const router = Router();
  router.get('/thumbnails/:fileId', requireViewer(ctx), (req, res) => {
    const file = visibleFile(ctx, viewerOf(res), String(req.params.fileId), true);
    if (!hasThumbnail(file)) throw driveErrors.notFound(file.id);
    res.set('Cache-Control', 'private, max-age=300').type('image/png').send(thumbnailPng(file.mimeType));
  });
  return router;
}

const WIDTH = 120;
const HEIGHT = 160;

/** A page: white, a grey border, grey text lines, and a band (red for PDF, blue for an image). */
export function thumbnailPng(mimeType: string): Buffer {
  const band = mimeType === 'application/pdf' ? [200, 40, 40] : [40, 100, 200];
  const rows: Buffer[] = [];
  for (let y = 0; y < HEIGHT; y++) {
    const row = Buffer.alloc(1 + WIDTH * 3, 255);
    row[0] = 0;
    for (let x = 0; x < WIDTH; x++) {
      let c = [255, 255, 255];
      const edge = x < 2 || y < 2 || x >= WIDTH - 2 || y >= HEIGHT - 2;
      if (edge) c = [150, 150, 150];
      else if (y >= 12 && y < 34 && x >= 12 && x < WIDTH - 12) c = band;
      else if (y >= 46 && y < HEIGHT - 12 && (y - 46) % 12 < 4 && x >= 12 && x < WIDTH - 12 - ((y * 7) % 30))
        c = [190, 190, 190];
      row.set(c, 1 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(WIDTH, 0);
  header.writeUInt32BE(HEIGHT, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
