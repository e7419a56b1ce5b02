import { Router } from 'express';
import type { DriveConnector } from '../../domain/ports.js';
import type { TokenSealer } from '../../domain/sessions.js';
import { parseInput } from '../middleware/validate.js';
import { driveFor, requireUser } from '../session.js';
import { filesQuery, toListQuery } from './files-query.js';

export function fileRoutes(deps: { drives: DriveConnector; sealer: TokenSealer }): Router {
  const router = Router();
  /** list: names and the few attributes a person needs to choose; never content. */
  router.get('/api/files', requireUser, async (req, res) => {
    const query = parseInput(filesQuery, req.query);
    const page = await driveFor(req, deps).list(toListQuery(query));
    res.json({ files: page.files, nextPageToken: page.nextPageToken });
  });
  return router;
}
