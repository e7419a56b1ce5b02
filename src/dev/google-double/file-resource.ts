// A stored file as Drive v3's File resource, seen by one user. Field masks are applied afterwards.

import { createHash } from 'node:crypto';
import { hasThumbnail, thumbnailUrl } from './drive-thumbnails.js';
import { type FieldTree, parseFields, project } from './fields.js';
import type { DriveStore } from './store.js';
import { EDITOR_MIMES, FOLDER_MIME, type StoredFile } from './types.js';

/** What Drive v3 returns for a file when no `fields` is given. */
export const DEFAULT_FILE_FIELDS = parseFields('kind,id,name,mimeType');

const EXPORT_FORMATS: Record<string, string[]> = {
  'application/vnd.google-apps.document': ['application/pdf', 'text/plain'],
  'application/vnd.google-apps.spreadsheet': ['application/pdf', 'text/csv'],
  'application/vnd.google-apps.presentation': ['application/pdf', 'text/plain'],
  'application/vnd.google-apps.drawing': ['application/pdf'],
};

export function exportFormatsOf(mimeType: string): string[] {
  return EXPORT_FORMATS[mimeType] ?? [];
}

export function fileResource(
  file: StoredFile,
  viewerEmail: string,
  store: DriveStore,
  baseUrl: string,
): Record<string, unknown> {
  const viewer = viewerEmail.toLowerCase();
  const isFolder = file.mimeType === FOLDER_MIME;
  const isEditor = EDITOR_MIMES.has(file.mimeType);
  const owns = file.ownedBy.includes(viewer);
  const canEdit = file.driveId ? store.isMember(viewer, file.driveId) : owns;
  const extension = !isFolder && !isEditor ? /\.([^.]+)$/.exec(file.name)?.[1] : undefined;
  const resource: Record<string, unknown> = {
    kind: 'drive#file',
    id: file.id,
    name: file.name,
    mimeType: file.mimeType,
    starred: file.starred,
    trashed: file.trashed,
    explicitlyTrashed: file.trashed,
    parents: file.parents.length > 0 ? [...file.parents] : undefined,
    driveId: file.driveId,
    teamDriveId: file.driveId,
    spaces: ['drive'],
    version: '1',
    webViewLink: `${baseUrl}/file/d/${encodeURIComponent(file.id)}/view`,
    iconLink: `${baseUrl}/icons/${encodeURIComponent(file.mimeType)}`,
    hasThumbnail: hasThumbnail(file),
    thumbnailLink: hasThumbnail(file) ? thumbnailUrl(baseUrl, file.id) : undefined,
    createdTime: file.createdTime,
    modifiedTime: file.modifiedTime,
    modifiedByMe: owns,
    ownedByMe: owns,
    shared: file.sharedWith.length > 0 || Boolean(file.driveId),
    description: file.description,
    owners: file.driveId ? undefined : file.ownedBy.map((email) => ownerOf(email, viewer, store)),
    capabilities: {
      canDownload: !isFolder,
      canEdit,
      canAddChildren: isFolder && canEdit,
      canListChildren: isFolder,
      canCopy: !isFolder,
      canTrash: canEdit,
      canRename: canEdit,
      canShare: canEdit,
    },
    isAppAuthorized: false,
    quotaBytesUsed: String(file.size ?? 0),
  };
  if (file.size !== undefined) {
    // int64 values are strings in Drive's JSON.
    resource.size = String(file.size);
    resource.md5Checksum = file.md5Checksum;
    resource.originalFilename = file.name;
    resource.webContentLink = `${baseUrl}/uc?id=${encodeURIComponent(file.id)}&export=download`;
  }
  if (extension) {
    resource.fileExtension = extension;
    resource.fullFileExtension = extension;
  }
  if (isEditor) {
    resource.exportLinks = Object.fromEntries(
      exportFormatsOf(file.mimeType).map((mime) => [
        mime,
        `${baseUrl}/drive/v3/files/${encodeURIComponent(file.id)}/export?mimeType=${encodeURIComponent(mime)}`,
      ]),
    );
  }
  if (file.sharedWith.includes(viewer) && !owns) resource.sharedWithMeTime = file.modifiedTime;
  for (const key of Object.keys(resource)) if (resource[key] === undefined) delete resource[key];
  return resource;
}

function ownerOf(email: string, viewer: string, store: DriveStore): Record<string, unknown> {
  const user = store.userByEmail(email);
  return {
    kind: 'drive#user',
    displayName: user?.name ?? email,
    emailAddress: email,
    me: email === viewer,
    permissionId: user ? permissionIdOf(user) : email,
  };
}

/** Drive permission ids are opaque digit strings; derive a stable one when the user has none. */
export function permissionIdOf(user: { email: string; permissionId?: string }): string {
  if (user.permissionId) return user.permissionId;
  const digest = createHash('sha256').update(user.email.toLowerCase()).digest();
  return Array.from(digest.subarray(0, 20), (b) => String(b % 10)).join('');
}

export function projectFile(
  file: StoredFile,
  viewerEmail: string,
  store: DriveStore,
  baseUrl: string,
  tree: FieldTree | true,
): unknown {
  return project(fileResource(file, viewerEmail, store, baseUrl), tree);
}
