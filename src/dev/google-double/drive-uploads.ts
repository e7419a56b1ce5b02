// POST /upload/drive/v3/files: uploadType=multipart, media, and the start of a resumable session.
// The resumable chunks themselves are handled in resumable.ts.

import { type Request, type Response, Router } from 'express';
import type { DoubleContext } from './context.js';
import { assertCanWrite, requireViewer, viewerOf } from './drive-auth.js';
import { parseFieldsParam } from './drive-list.js';
import { DriveError, driveErrors } from './errors.js';
import { createFile, parseMetadata, resolveParent } from './file-create.js';
import { DEFAULT_FILE_FIELDS, projectFile } from './file-resource.js';
import { boolParam, parseJsonObject, queryOf, readBody } from './http-utils.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import { handleCancel, handleChunk, type UploadSessions } from './resumable.js';

/** Simple uploads are buffered whole; bigger files must use resumable uploads (as Drive advises). */
const SIMPLE_UPLOAD_LIMIT = 256 * 1024 * 1024;
const UPLOAD_PATH = '/upload/drive/v3/files';

export function driveUploadsRouter(ctx: DoubleContext, sessions: UploadSessions): Router {
  const router = Router();
  const auth = requireViewer(ctx);

  router.post(UPLOAD_PATH, auth, async (req: Request, res: Response) => {
    const query = queryOf(req);
    const viewer = viewerOf(res);
    assertCanWrite(viewer);
    const supportsAllDrives = boolParam(query, 'supportsAllDrives');
    const tree = parseFieldsParam(query.fields, DEFAULT_FILE_FIELDS);
    const uploadType = query.uploadType;

    if (uploadType === 'resumable') {
      const meta = parseMetadata(parseJsonObject(await readBody(req, 1024 * 1024)));
      // Drive checks the metadata when the session starts, not when the last chunk arrives.
      resolveParent(ctx, viewer, meta.parents, supportsAllDrives);
      const declared = req.headers['x-upload-content-length'];
      if (declared !== undefined && !/^\d+$/.test(String(declared))) {
        throw driveErrors.badRequest('Invalid X-Upload-Content-Length header.');
      }
      const contentType = req.headers['x-upload-content-type'];
      const session = sessions.create({
        viewer,
        meta,
        supportsAllDrives,
        query,
        ...(declared !== undefined ? { declaredTotal: Number(declared) } : {}),
        ...(typeof contentType === 'string' ? { contentType } : {}),
      });
      const location = new URL(`${ctx.baseUrl()}${UPLOAD_PATH}`);
      for (const [key, value] of Object.entries(query)) location.searchParams.set(key, value);
      location.searchParams.set('upload_id', session.id);
      res.setHeader('Location', location.toString());
      res.setHeader('X-GUploader-UploadID', session.id);
      res.status(200).setHeader('Content-Length', '0');
      res.end();
      return;
    }

    let meta: Record<string, unknown> = {};
    let content: Buffer;
    let contentType: string | undefined;
    if (uploadType === 'multipart') {
      const boundary = boundaryOf(req.headers['content-type']);
      const parts = parseMultipart(await readBody(req, SIMPLE_UPLOAD_LIMIT), boundary);
      const [metaPart, mediaPart] = parts;
      if (parts.length !== 2 || !metaPart || !mediaPart) {
        throw new DriveError(400, {
          reason: 'badContent',
          message: 'Multipart upload needs exactly two parts.',
        });
      }
      if (!/^application\/json/i.test(metaPart.headers['content-type'] ?? '')) {
        throw new DriveError(400, {
          reason: 'badContent',
          message: 'The first part must be application/json.',
        });
      }
      meta = parseJsonObject(metaPart.body);
      content = Buffer.from(mediaPart.body);
      contentType = mediaPart.headers['content-type'];
    } else if (uploadType === 'media') {
      content = await readBody(req, SIMPLE_UPLOAD_LIMIT);
      contentType = req.headers['content-type'];
    } else {
      throw driveErrors.invalidParam('uploadType', `Invalid value '${uploadType ?? ''}' for uploadType.`);
    }
    const file = createFile(ctx, viewer, parseMetadata(meta), {
      supportsAllDrives,
      content,
      ...(contentType ? { contentType } : {}),
    });
    res.json(projectFile(file, viewer.email, ctx.store, ctx.baseUrl(), tree));
  });

  // The session URL is the credential for chunks, as with Google: no Authorization header needed.
  router.put(UPLOAD_PATH, (req, res) => handleChunk(ctx, sessions, req, res));
  router.delete(UPLOAD_PATH, (req, res) => handleCancel(sessions, req, res));

  return router;
}
