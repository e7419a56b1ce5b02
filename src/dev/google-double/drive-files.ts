// Drive v3 files resource: list, get (metadata or alt=media), export and metadata-only create.

import { type Request, type Response, Router } from 'express';
import type { DoubleContext, Viewer } from './context.js';
import { requireViewer, viewerOf } from './drive-auth.js';
import { sendExport, sendMedia } from './drive-download.js';
import { listFiles, parseFieldsParam } from './drive-list.js';
import { driveErrors } from './errors.js';
import { createFile, parseMetadata } from './file-create.js';
import { DEFAULT_FILE_FIELDS, projectFile } from './file-resource.js';
import { boolParam, parseJsonObject, queryOf, readBody } from './http-utils.js';
import type { StoredFile } from './types.js';

export function driveFilesRouter(ctx: DoubleContext): Router {
  const router = Router();
  const auth = requireViewer(ctx);

  router.get('/drive/v3/files', auth, (req: Request, res: Response) => {
    res.json(listFiles(ctx, viewerOf(res), queryOf(req)));
  });

  router.get('/drive/v3/files/:fileId', auth, async (req: Request, res: Response) => {
    const query = queryOf(req);
    const viewer = viewerOf(res);
    const tree = parseFieldsParam(query.fields, DEFAULT_FILE_FIELDS);
    const file = visibleFile(ctx, viewer, String(req.params.fileId), boolParam(query, 'supportsAllDrives'));
    const alt = query.alt ?? 'json';
    if (alt === 'media') {
      await sendMedia(ctx, req, res, file);
      return;
    }
    if (alt !== 'json') {
      throw driveErrors.invalidParam('alt', `Invalid value '${alt}'. Valid values are: [json, media]`);
    }
    const fault = ctx.faults.takeMetadataFault(file.id);
    if (fault) throw fault;
    res.json(projectFile(file, viewer.email, ctx.store, ctx.baseUrl(), tree));
  });

  router.get('/drive/v3/files/:fileId/export', auth, async (req: Request, res: Response) => {
    const query = queryOf(req);
    // Export has no supportsAllDrives parameter: shared-drive docs are exportable by members.
    const file = visibleFile(ctx, viewerOf(res), String(req.params.fileId), true);
    await sendExport(ctx, req, res, file, query.mimeType);
  });

  router.post('/drive/v3/files', auth, async (req: Request, res: Response) => {
    const query = queryOf(req);
    const viewer = viewerOf(res);
    const tree = parseFieldsParam(query.fields, DEFAULT_FILE_FIELDS);
    const meta = parseMetadata(parseJsonObject(await readBody(req, 1024 * 1024)));
    const file = createFile(ctx, viewer, meta, { supportsAllDrives: boolParam(query, 'supportsAllDrives') });
    res.json(projectFile(file, viewer.email, ctx.store, ctx.baseUrl(), tree));
  });

  return router;
}

/** The file if the viewer may see it; Drive answers 404 (not 403) for files you cannot see. */
export function visibleFile(
  ctx: DoubleContext,
  viewer: Viewer,
  rawId: string,
  supportsAllDrives: boolean,
): StoredFile {
  const file = ctx.store.get(ctx.store.resolveId(rawId, viewer.email));
  if (!file) throw driveErrors.notFound(rawId);
  if (file.driveId) {
    if (!supportsAllDrives || !ctx.store.isMember(viewer.email, file.driveId)) {
      throw driveErrors.notFound(rawId);
    }
    return file;
  }
  if (!ctx.store.canSee(viewer.email, file)) throw driveErrors.notFound(rawId);
  return file;
}
