// about.get (which, like Drive v3, insists on a `fields` mask) and drives.list.

import { type Request, type Response, Router } from 'express';
import type { DoubleContext } from './context.js';
import { requireViewer, viewerOf } from './drive-auth.js';
import { parseFieldsParam } from './drive-list.js';
import { driveErrors } from './errors.js';
import { parseFields, project, subTree } from './fields.js';
import { permissionIdOf } from './file-resource.js';
import { intParam, queryOf } from './http-utils.js';
import { decodePageToken, encodePageToken } from './page-token.js';

const DEFAULT_DRIVES_FIELDS = parseFields('kind,nextPageToken,drives(kind,id,name)');

export function driveAboutRouter(ctx: DoubleContext): Router {
  const router = Router();
  const auth = requireViewer(ctx);

  router.get('/drive/v3/about', auth, (req: Request, res: Response) => {
    const query = queryOf(req);
    if (!query.fields?.trim()) {
      throw driveErrors.required('fields', "The 'fields' parameter is required for this operation.");
    }
    const tree = parseFields(query.fields);
    const { user, email } = viewerOf(res);
    const usage = [...ctx.store.files.values()]
      .filter((f) => f.ownedBy.includes(email))
      .reduce((sum, f) => sum + (f.size ?? 0), 0);
    const about = {
      kind: 'drive#about',
      user: {
        kind: 'drive#user',
        displayName: user.name,
        emailAddress: user.email,
        permissionId: permissionIdOf(user),
        me: true,
      },
      storageQuota: {
        limit: String(15 * 1024 ** 3),
        usage: String(usage),
        usageInDrive: String(usage),
        usageInDriveTrash: '0',
      },
      canCreateDrives: true,
      maxUploadSize: String(5 * 1024 ** 4),
    };
    res.json(project(about, tree));
  });

  router.get('/drive/v3/drives', auth, (req: Request, res: Response) => {
    const query = queryOf(req);
    const { email } = viewerOf(res);
    const pageSize = intParam(query, 'pageSize', 10, 1, 100);
    const tree = parseFieldsParam(query.fields, DEFAULT_DRIVES_FIELDS);
    // useDomainAdminAccess would list every drive; the double only knows membership.
    const drives = ctx.store.drivesOf(email);
    const tokenScope = JSON.stringify(['drives', email, query.q ?? '']);
    const offset = query.pageToken ? decodePageToken(ctx.pageSecret, tokenScope, query.pageToken) : 0;
    const page = drives.slice(offset, offset + pageSize);
    const response: Record<string, unknown> = { kind: 'drive#driveList' };
    if (offset + pageSize < drives.length) {
      response.nextPageToken = encodePageToken(ctx.pageSecret, tokenScope, offset + pageSize);
    }
    const itemTree = subTree(tree, 'drives') ?? true;
    response.drives = page.map((d) =>
      project(
        {
          kind: 'drive#drive',
          id: d.id,
          name: d.name,
          createdTime: d.createdTime,
          hidden: false,
          capabilities: { canAddChildren: true, canListChildren: true, canDownload: true },
        },
        itemTree,
      ),
    );
    res.json(project(response, tree));
  });

  return router;
}
