import { z } from 'zod';

/** Drive ids are URL-safe base64-ish; 'root' is Drive's alias for My Drive. */
export const driveId = z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'is not a valid Drive id');

/** Query of GET /api/files and the browse page. */
export const filesQuery = z.object({
  view: z.enum(['mydrive', 'shared', 'drives']).default('mydrive'),
  folderId: driveId.optional(),
  q: z
    .string()
    .max(200, 'search text is too long (200 characters at most)')
    // Quotes and backslashes are fine (google-drive-query.ts escapes them); controls are never a search.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
    .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'search text cannot contain control characters')
    .transform((s) => s.trim())
    .optional(),
  pageToken: z
    .string()
    .max(2048)
    .regex(/^[\x21-\x7e]*$/, 'is not a valid page token')
    .optional(),
  /** The panel's own size (PANEL_PAGE_SIZE) unless asked; at most 100, so one page stays one quick call. */
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
  foldersOnly: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional(),
  /** Folders first either way; then by name, or newest first. */
  sort: z.enum(['name', 'date']).optional(),
});

export type FilesQuery = z.infer<typeof filesQuery>;

export function toListQuery(q: FilesQuery) {
  return {
    view: q.view,
    ...(q.folderId ? { folderId: q.folderId } : {}),
    ...(q.q ? { search: q.q } : {}),
    ...(q.pageToken ? { pageToken: q.pageToken } : {}),
    ...(q.pageSize ? { pageSize: q.pageSize } : {}),
    ...(q.foldersOnly ? { foldersOnly: true } : {}),
    ...(q.sort === 'date' ? { orderBy: 'modified' as const } : {}),
  };
}
