import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import type { DriveConnector } from '../../domain/ports.js';
import type { TokenSealer } from '../../domain/sessions.js';
import { parseInput } from '../middleware/validate.js';
import { driveFor, requireUser } from '../session.js';
import { driveId } from './files-query.js';

export interface ThumbnailDeps {
  drives: DriveConnector;
  sealer: TokenSealer;
}

/**
 * show: a file's Drive thumbnail, fetched with the person's token and passed through from our own
 * origin, so the page never asks Google (or anyone) for it. Held in memory only, never cached.
 */
export function thumbnailRoutes(deps: ThumbnailDeps): Router {
  const router = Router();
  router.get('/thumbnails/:fileId', requireUser, async (req, res) => {
    const { fileId } = parseInput(z.object({ fileId: driveId }), req.params);
    const drive = driveFor(req, deps);
    const thumbnail = await drive.thumbnail(await drive.get(fileId));
    if (!thumbnail) throw new NotFoundError('This file has no preview.', 'file_not_found');
    res
      .set('Cache-Control', 'private, no-store')
      .set('Content-Type', thumbnail.contentType)
      .set('Content-Length', String(thumbnail.bytes.length))
      .send(thumbnail.bytes);
  });
  return router;
}
