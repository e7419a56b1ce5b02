// files.list: corpora and shared-drive rules, the q filter, orderBy, paging and the fields mask.

import type { DoubleContext, Viewer } from './context.js';
import { DriveError, driveErrors } from './errors.js';
import { type FieldTree, parseFields, project, subTree } from './fields.js';
import { fileResource } from './file-resource.js';
import { boolParam, intParam } from './http-utils.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { matchesQuery, parseQuery, type QueryNode, QuerySyntaxError } from './query-language.js';
import { FOLDER_MIME, type StoredFile } from './types.js';

const DEFAULT_LIST_FIELDS = parseFields('kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)');
const CORPORA = ['user', 'domain', 'drive', 'allDrives'];

type Comparator = (a: StoredFile, b: StoredFile) => number;

const collator = new Intl.Collator('en', { sensitivity: 'base' });
const naturalCollator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const byTime =
  (pick: (f: StoredFile) => string): Comparator =>
  (a, b) =>
    Date.parse(pick(a)) - Date.parse(pick(b));

const ORDER_KEYS: Record<string, Comparator> = {
  folder: (a, b) => Number(b.mimeType === FOLDER_MIME) - Number(a.mimeType === FOLDER_MIME),
  name: (a, b) => collator.compare(a.name, b.name),
  name_natural: (a, b) => naturalCollator.compare(a.name, b.name),
  modifiedTime: byTime((f) => f.modifiedTime),
  modifiedByMeTime: byTime((f) => f.modifiedTime),
  viewedByMeTime: byTime((f) => f.modifiedTime),
  sharedWithMeTime: byTime((f) => f.modifiedTime),
  recency: byTime((f) => f.modifiedTime),
  createdTime: byTime((f) => f.createdTime),
  quotaBytesUsed: (a, b) => (a.size ?? 0) - (b.size ?? 0),
  starred: (a, b) => Number(a.starred) - Number(b.starred),
};

export function parseOrderBy(orderBy: string | undefined): Comparator | undefined {
  if (!orderBy?.trim()) return undefined;
  const parts = orderBy.split(',').map((part) => {
    const [key = '', direction, ...rest] = part.trim().split(/\s+/);
    const compare = ORDER_KEYS[key];
    const desc = direction?.toLowerCase() === 'desc';
    if (
      !compare ||
      rest.length > 0 ||
      (direction !== undefined && !desc && direction.toLowerCase() !== 'asc')
    ) {
      throw driveErrors.invalidParam('orderBy', `Invalid field for orderBy: ${part.trim()}`);
    }
    return desc ? (a: StoredFile, b: StoredFile) => compare(b, a) : compare;
  });
  return (a, b) => {
    for (const compare of parts) {
      const result = compare(a, b);
      if (result !== 0) return result;
    }
    return 0;
  };
}

function parseQ(q: string | undefined): QueryNode | undefined {
  if (q === undefined || q.trim() === '') return undefined;
  try {
    return parseQuery(q);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw driveErrors.invalidParam('q');
    throw err;
  }
}

export function parseFieldsParam(fields: string | undefined, fallback: FieldTree): FieldTree {
  return fields === undefined || fields.trim() === '' ? fallback : parseFields(fields);
}

export function listFiles(ctx: DoubleContext, viewer: Viewer, query: Record<string, string>): unknown {
  const pageSize = intParam(query, 'pageSize', 100, 1, 1000);
  const node = parseQ(query.q);
  const order = parseOrderBy(query.orderBy);
  const tree = parseFieldsParam(query.fields, DEFAULT_LIST_FIELDS);
  const supportsAll = boolParam(query, 'supportsAllDrives') || boolParam(query, 'supportsTeamDrives');
  const includeAll =
    boolParam(query, 'includeItemsFromAllDrives') || boolParam(query, 'includeTeamDriveItems');
  const driveId = query.driveId || query.teamDriveId || undefined;
  const corpora = (query.corpora || 'user').split(',').map((c) => c.trim());
  for (const corpus of corpora) {
    if (!CORPORA.includes(corpus)) {
      throw driveErrors.invalidParam(
        'corpora',
        `Invalid string value: '${corpus}'. Allowed values: [allDrives, domain, drive, user]`,
      );
    }
  }
  if (Boolean(driveId) !== corpora.includes('drive')) {
    throw new DriveError(400, {
      reason: 'teamDriveIdRequiresTeamDriveCorpora',
      message: 'The driveId parameter must be specified if and only if corpora is set to drive.',
      location: 'driveId',
      locationType: 'parameter',
    });
  }
  if ((driveId || corpora.includes('allDrives')) && !(includeAll && supportsAll)) {
    throw new DriveError(403, {
      reason: 'teamDriveIncludeItemsRequired',
      message: includeAll
        ? 'The includeItemsFromAllDrives parameter can only be set to true when supportsAllDrives is true.'
        : 'The includeItemsFromAllDrives parameter must be set to true when driveId is specified or corpora ' +
          'contains drive or allDrives.',
      location: 'includeItemsFromAllDrives',
      locationType: 'parameter',
    });
  }
  if (driveId && !ctx.store.isMember(viewer.email, driveId)) {
    throw new DriveError(404, {
      reason: 'notFound',
      message: `Shared drive not found: ${driveId}`,
      location: 'driveId',
      locationType: 'parameter',
    });
  }

  const qctx = {
    viewerEmail: viewer.email,
    resolveId: (id: string) => ctx.store.resolveId(id, viewer.email),
  };
  const matches: StoredFile[] = [];
  for (const file of ctx.store.files.values()) {
    if (file.isRoot) continue;
    const visible = driveId
      ? file.driveId === driveId
      : file.driveId
        ? includeAll && ctx.store.isMember(viewer.email, file.driveId)
        : ctx.store.canSee(viewer.email, file);
    if (!visible) continue;
    // No trashed clause means trashed items are included, exactly like Drive.
    if (node && !matchesQuery(node, file, qctx)) continue;
    matches.push(file);
  }
  if (order) matches.sort(order);

  const tokenScope = JSON.stringify([
    viewer.email,
    query.q ?? '',
    query.orderBy ?? '',
    corpora,
    driveId,
    includeAll,
  ]);
  const offset = query.pageToken ? decodePageToken(ctx.pageSecret, tokenScope, query.pageToken) : 0;
  const page = matches.slice(offset, offset + pageSize);
  const baseUrl = ctx.baseUrl();
  const itemTree = subTree(tree, 'files');
  const response: Record<string, unknown> = { kind: 'drive#fileList' };
  if (offset + pageSize < matches.length) {
    response.nextPageToken = encodePageToken(ctx.pageSecret, tokenScope, offset + pageSize);
  }
  response.incompleteSearch = false;
  // Project each file with its own sub-mask so a huge page never builds unused fields twice.
  response.files = itemTree
    ? page.map((file) => project(fileResource(file, viewer.email, ctx.store, baseUrl), itemTree))
    : [];
  return project(response, tree);
}
