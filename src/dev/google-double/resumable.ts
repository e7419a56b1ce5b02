// Resumable upload sessions: PUT chunks with Content-Range, 308 Resume Incomplete with Range, status
// queries (bytes */total), and the upload fault knobs. Bytes go straight into one buffer of the final
// size when the total is known, so a 200 MB upload costs 200 MB, not 400 MB at the end.

import { constants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { DoubleContext, Viewer } from './context.js';
import { parseFieldsParam } from './drive-list.js';
import { DriveError, driveErrors } from './errors.js';
import { createFile, type NewFileMetadata } from './file-create.js';
import { DEFAULT_FILE_FIELDS, projectFile } from './file-resource.js';
import { queryOf } from './http-utils.js';
import type { StoredFile } from './types.js';

const CHUNK_GRANULARITY = 256 * 1024;
const MAX_UPLOAD = Math.min(constants.MAX_LENGTH, 4 * 1024 ** 3);

interface UploadSession {
  id: string;
  viewer: Viewer;
  meta: NewFileMetadata;
  supportsAllDrives: boolean;
  query: Record<string, string>;
  contentType?: string;
  declaredTotal?: number;
  total?: number;
  received: number;
  /** Preallocated when the total is known. */
  buffer?: Buffer;
  /** Committed chunks while the total is still unknown. */
  chunks: Buffer[];
  file?: StoredFile;
}

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  create(init: Omit<UploadSession, 'id' | 'received' | 'chunks'>): UploadSession {
    const session: UploadSession = {
      ...init,
      id: randomBytes(24).toString('base64url'),
      received: 0,
      chunks: [],
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): UploadSession | undefined {
    return id === undefined ? undefined : this.sessions.get(id);
  }

  /** Ids of sessions cancelled with DELETE, in order. */
  readonly canceled: string[] = [];

  delete(id: string): void {
    this.sessions.delete(id);
  }

  cancel(id: string): void {
    this.sessions.delete(id);
    this.canceled.push(id);
  }

  /** Sessions neither finished nor cancelled: each holds bytes at Google until it expires. */
  open(): string[] {
    return [...this.sessions.values()].filter((s) => !s.file).map((s) => s.id);
  }

  clear(): void {
    this.sessions.clear();
    this.canceled.length = 0;
  }
}

type ChunkRange =
  | { kind: 'status'; total?: number }
  | { kind: 'bytes'; start: number; end: number; total?: number }
  | { kind: 'whole' };

function parseContentRange(header: string | undefined): ChunkRange {
  if (header === undefined) return { kind: 'whole' };
  const status = /^bytes \*\/(\d+|\*)$/.exec(header.trim());
  if (status) return { kind: 'status', ...(status[1] === '*' ? {} : { total: Number(status[1]) }) };
  const bytes = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (!bytes) throw driveErrors.badRequest('Failed to parse Content-Range header.');
  const start = Number(bytes[1]);
  const end = Number(bytes[2]);
  if (end < start) throw driveErrors.badRequest('Failed to parse Content-Range header.');
  return { kind: 'bytes', start, end, ...(bytes[3] === '*' ? {} : { total: Number(bytes[3]) }) };
}

export async function handleChunk(
  ctx: DoubleContext,
  sessions: UploadSessions,
  req: Request,
  res: Response,
): Promise<void> {
  const session = sessions.get(queryOf(req).upload_id);
  if (!session) {
    await drain(req);
    throw new DriveError(404, { reason: 'notFound', message: 'Upload session not found.' });
  }
  res.setHeader('X-GUploader-UploadID', session.id);
  if (session.file) {
    await drain(req);
    sendFile(ctx, req, res, session, session.file);
    return;
  }
  // X-Upload-Content-Length at the start makes the total known before any chunk arrives.
  if (session.total === undefined && session.declaredTotal !== undefined) {
    setTotal(session, session.declaredTotal);
  }
  let range = parseContentRange(req.headers['content-range']);
  if (range.kind === 'whole') {
    const length = Number(req.headers['content-length'] ?? Number.NaN);
    if (!Number.isInteger(length)) {
      throw driveErrors.badRequest('Content-Length or Content-Range is required.');
    }
    range =
      length === 0
        ? { kind: 'status', total: 0 }
        : { kind: 'bytes', start: 0, end: length - 1, total: length };
  }
  setTotal(session, range.total);

  if (range.kind === 'status') {
    await drain(req);
    if (session.total !== undefined && session.received === session.total) {
      finish(ctx, req, res, session);
    } else {
      resumeIncomplete(res, session);
    }
    return;
  }

  const length = range.end - range.start + 1;
  const final = session.total !== undefined && range.end + 1 === session.total;
  if (range.start !== session.received) {
    await drain(req);
    throw driveErrors.badRequest(
      `Invalid request. According to the Content-Range header, the upload offset is ${range.start} byte(s), ` +
        `which does not match the ${session.received} byte(s) already uploaded.`,
    );
  }
  if (session.total !== undefined && range.end >= session.total) {
    await drain(req);
    throw driveErrors.badRequest('Content-Range end is beyond the total size.');
  }
  if (!final && length % CHUNK_GRANULARITY !== 0) {
    await drain(req);
    throw driveErrors.badRequest(
      `Chunks other than the last must be a multiple of ${CHUNK_GRANULARITY} bytes.`,
    );
  }

  if (ctx.faults.takeUploadDrop()) {
    await dropMidBody(req, Math.max(1, Math.min(Math.floor(length / 2), 64 * 1024)));
    return;
  }
  const failure = ctx.faults.takeUploadChunkFailure();
  if (failure !== undefined) {
    await drain(req);
    if (failure === 401) throw driveErrors.unauthenticated();
    throw failure >= 500
      ? new DriveError(failure, { reason: 'backendError', message: 'Backend Error' })
      : driveErrors.backend(failure);
  }

  const received = await receive(req, session, length);
  if (received !== length) {
    throw driveErrors.badRequest(`The body has ${received} byte(s) but Content-Range announced ${length}.`);
  }
  session.received += length;
  if (final) finish(ctx, req, res, session);
  else resumeIncomplete(res, session);
}

export async function handleCancel(sessions: UploadSessions, req: Request, res: Response): Promise<void> {
  const id = queryOf(req).upload_id;
  await drain(req);
  if (!id || !sessions.get(id)) {
    throw new DriveError(404, { reason: 'notFound', message: 'Upload session not found.' });
  }
  sessions.cancel(id);
  // Google answers a cancelled session with the non-standard 499.
  res.status(499).end();
}

function setTotal(session: UploadSession, total: number | undefined): void {
  if (total === undefined) return;
  const known = session.total ?? session.declaredTotal;
  if (known !== undefined && known !== total) {
    throw driveErrors.badRequest(`The total size ${total} does not match the declared size ${known}.`);
  }
  if (total > MAX_UPLOAD) {
    throw new DriveError(413, { reason: 'uploadTooLarge', message: 'The double keeps uploads in memory.' });
  }
  if (total < session.received) {
    throw driveErrors.badRequest('The total size is smaller than the bytes received.');
  }
  session.total = total;
}

/** Reads one chunk into the session's storage without committing it (received is advanced later). */
async function receive(req: Request, session: UploadSession, length: number): Promise<number> {
  if (session.total !== undefined && !session.buffer) {
    session.buffer = Buffer.allocUnsafe(session.total);
    Buffer.concat(session.chunks).copy(session.buffer, 0);
    session.chunks = [];
  }
  const parts: Buffer[] = [];
  let got = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (got + chunk.length > length) {
      got += chunk.length;
      continue;
    }
    if (session.buffer) chunk.copy(session.buffer, session.received + got);
    else parts.push(chunk);
    got += chunk.length;
  }
  if (got === length && !session.buffer) session.chunks.push(Buffer.concat(parts, length));
  return got;
}

function finish(ctx: DoubleContext, req: Request, res: Response, session: UploadSession): void {
  const content = session.buffer ?? Buffer.concat(session.chunks, session.received);
  session.buffer = undefined;
  session.chunks = [];
  const file = createFile(ctx, session.viewer, session.meta, {
    supportsAllDrives: session.supportsAllDrives,
    content,
    ...(session.contentType ? { contentType: session.contentType } : {}),
  });
  session.file = file;
  sendFile(ctx, req, res, session, file);
}

function sendFile(
  ctx: DoubleContext,
  req: Request,
  res: Response,
  session: UploadSession,
  file: StoredFile,
): void {
  const fields = queryOf(req).fields ?? session.query.fields;
  const tree = parseFieldsParam(fields, DEFAULT_FILE_FIELDS);
  res.status(200).json(projectFile(file, session.viewer.email, ctx.store, ctx.baseUrl(), tree));
}

function resumeIncomplete(res: Response, session: UploadSession): void {
  res.status(308);
  res.statusMessage = 'Resume Incomplete';
  // No Range header at all until a first byte has arrived, as Google does.
  if (session.received > 0) res.setHeader('Range', `bytes=0-${session.received - 1}`);
  res.setHeader('Content-Length', '0');
  res.end();
}

async function drain(req: Request): Promise<void> {
  for await (const _ of req as AsyncIterable<Buffer>) {
    // discard
  }
}

/** Reads at least `atLeast` bytes (or the whole body if shorter), then kills the connection. */
function dropMidBody(req: Request, atLeast: number): Promise<void> {
  // Keep the socket: destroying the request stream can detach it from req.
  const socket = req.socket;
  return new Promise((resolve) => {
    let got = 0;
    const kill = (): void => {
      req.off('data', onData);
      req.off('end', kill);
      socket.destroy();
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      got += chunk.length;
      if (got >= atLeast) kill();
    };
    req.on('data', onData);
    req.on('end', kill);
    req.on('error', kill);
  });
}
