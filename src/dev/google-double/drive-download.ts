// files.get?alt=media and files.export: the bytes, streamed, with Drive's refusals and the fault knobs.

import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { buildPdf, textToPages } from '../sample-files/pdf.js';
import type { DoubleContext } from './context.js';
import { DriveError, driveErrors } from './errors.js';
import type { MidDownloadFault } from './faults.js';
import { exportFormatsOf } from './file-resource.js';
import { EDITOR_MIMES, FOLDER_MIME, type StoredFile } from './types.js';

const SLICE = 64 * 1024;
/** Drive refuses to export documents bigger than this. */
const EXPORT_LIMIT_BYTES = 10 * 1024 * 1024;

export async function sendMedia(
  ctx: DoubleContext,
  req: Request,
  res: Response,
  file: StoredFile,
): Promise<void> {
  const fault = ctx.faults.takeDownloadFault(file.id);
  if (fault?.kind === 'error') throw fault.error;
  if (file.mimeType === FOLDER_MIME || EDITOR_MIMES.has(file.mimeType) || !file.content) {
    throw driveErrors.notDownloadable();
  }
  await sendBytes(
    req,
    res,
    file.content,
    file.mimeType,
    fault && breakWith(ctx, req, fault),
    ctx.faults.downloadRate(),
  );
}

export async function sendExport(
  ctx: DoubleContext,
  req: Request,
  res: Response,
  file: StoredFile,
  targetMime: string | undefined,
): Promise<void> {
  if (!targetMime) throw driveErrors.required('mimeType', 'Required parameter: mimeType');
  const fault = ctx.faults.takeDownloadFault(file.id);
  if (fault?.kind === 'error') throw fault.error;
  if (!EDITOR_MIMES.has(file.mimeType)) {
    throw driveErrors.badRequest('Export only supports Docs Editors files.');
  }
  if (!exportFormatsOf(file.mimeType).includes(targetMime)) {
    throw driveErrors.badRequest('The requested conversion is not supported.', 'convertTo');
  }
  const bytes = exportBytes(file, targetMime);
  if (file.exportTooLarge || bytes.length > EXPORT_LIMIT_BYTES) throw driveErrors.exportTooLarge();
  await sendBytes(
    req,
    res,
    bytes,
    targetMime,
    fault && breakWith(ctx, req, fault),
    ctx.faults.downloadRate(),
  );
}

/** A download that breaks after `afterBytes`: what happens to the connection then. */
interface Break {
  afterBytes: number;
  act(res: Response): Promise<void>;
}

function breakWith(ctx: DoubleContext, req: Request, fault: MidDownloadFault): Break {
  return {
    afterBytes: fault.afterBytes,
    async act(res) {
      if (fault.kind === 'stall') {
        // Say nothing more and keep the connection until the client gives up (or the double closes).
        if (!res.destroyed) await once(res, 'close');
        return;
      }
      if (fault.kind === 'unauthorized') {
        // The token ran out while the bytes flowed: Drive cuts the transfer, and the next request with
        // the same token gets 401 from the bearer check.
        const token = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
        if (token) ctx.tokens.expire(token);
      }
      res.socket?.destroy();
    },
  };
}

/** Deterministic per file, so tests can compare two exports byte for byte. */
export function exportBytes(file: StoredFile, targetMime: string): Buffer {
  const text = file.text ?? '';
  if (targetMime === 'application/pdf') {
    return buildPdf({ title: file.name, pages: file.exportPages ?? textToPages(text) });
  }
  return Buffer.from(text, 'utf8');
}

/** Streams bytes in slices with back-pressure; honours a single `Range: bytes=` request like Drive. */
async function sendBytes(
  req: Request,
  res: Response,
  bytes: Buffer,
  mimeType: string,
  broken?: Break,
  rate?: number | null,
): Promise<void> {
  let start = 0;
  let end = bytes.length - 1;
  const range = parseRange(req.headers.range, bytes.length);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${bytes.length}`);
    throw new DriveError(416, {
      reason: 'requestedRangeNotSatisfiable',
      message: 'Request range not satisfiable',
    });
  }
  if (range) {
    [start, end] = range;
    res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${bytes.length}`);
  } else {
    res.status(200);
  }
  const body = bytes.subarray(start, end + 1);
  res.setHeader('Content-Type', mimeType);
  res.setHeader('Content-Length', String(body.length));
  res.setHeader('Content-Disposition', 'attachment');
  res.setHeader('Accept-Ranges', 'bytes');
  if (broken) {
    await writeSome(res, body.subarray(0, broken.afterBytes), rate);
    await broken.act(res);
    return;
  }
  async function* slices(): AsyncGenerator<Buffer> {
    const started = performance.now();
    for (let offset = 0; offset < body.length; offset += SLICE) {
      if (rate) {
        // Paced: the slice goes out no earlier than a link of `rate` bytes per second would carry it.
        const due = started + (offset / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      yield body.subarray(offset, offset + SLICE);
    }
  }
  try {
    await pipeline(Readable.from(slices()), res);
  } catch {
    // The client went away mid-download; nothing left to answer.
  }
}

/**
 * Writes bytes with back-pressure without ending the response; headers go out even for none. A
 * throttled link (`rate`) paces them as it paces a whole download: a download that breaks on a slow
 * link breaks as late as it would there.
 */
async function writeSome(res: Response, bytes: Buffer, rate?: number | null): Promise<void> {
  res.flushHeaders();
  const started = performance.now();
  for (let offset = 0; offset < bytes.length && !res.destroyed; offset += SLICE) {
    if (rate) {
      const wait = started + (offset / rate) * 1000 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (!res.write(bytes.subarray(offset, offset + SLICE))) {
      await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
  }
}

function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}
