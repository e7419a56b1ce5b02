// Shared by files.create (metadata only) and every upload type: validates the metadata and the
// parent folder the way Drive does, then stores the new file.

import { execFileSync } from 'node:child_process';
import type { DoubleContext, Viewer } from './context.js';
import { assertCanWrite } from './drive-auth.js';
import { DriveError, driveErrors } from './errors.js';
import { EDITOR_MIMES, FOLDER_MIME, type StoredFile } from './types.js';

export interface NewFileMetadata {
  name?: string;
  mimeType?: string;
  parents?: string[];
  description?: string;
}

export function parseMetadata(raw: Record<string, unknown>): NewFileMetadata {
  const meta: NewFileMetadata = {};
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string') throw invalidField('name');
    meta.name = raw.name;
  }
  if (raw.mimeType !== undefined) {
    if (typeof raw.mimeType !== 'string') throw invalidField('mimeType');
    meta.mimeType = raw.mimeType;
  }
  if (raw.parents !== undefined) {
    if (!Array.isArray(raw.parents) || !raw.parents.every((p) => typeof p === 'string')) {
      throw invalidField('parents');
    }
    meta.parents = raw.parents as string[];
  }
  if (raw.description !== undefined) {
    if (typeof raw.description !== 'string') throw invalidField('description');
    meta.description = raw.description;
  }
  return meta;
}

function invalidField(field: string): DriveError {
  return new DriveError(400, {
    reason: 'invalid',
    message: `Invalid value for field: ${field}`,
    location: field,
  });
}

/** The folder a new file goes into, checked for existence, visibility and write access. */
export function resolveParent(
  ctx: DoubleContext,
  viewer: Viewer,
  parents: string[] | undefined,
  supportsAllDrives: boolean,
): StoredFile {
  if (parents && parents.length > 1) {
    throw new DriveError(403, {
      reason: 'cannotAddParent',
      message: 'Increasing the number of parents is not allowed.',
    });
  }
  const requested = parents?.[0] ?? 'root';
  const parent = ctx.store.get(ctx.store.resolveId(requested, viewer.email));
  // Shared-drive folders are invisible without supportsAllDrives=true, so Drive answers 404.
  const visible =
    parent !== undefined &&
    (parent.driveId ? supportsAllDrives && ctx.store.isMember(viewer.email, parent.driveId) : true) &&
    ctx.store.canSee(viewer.email, parent);
  if (!parent || !visible) throw driveErrors.notFound(requested);
  if (parent.mimeType !== FOLDER_MIME) {
    throw driveErrors.badRequest('The specified parent is not a folder.', 'parents');
  }
  if (!ctx.store.canWrite(viewer.email, parent)) throw driveErrors.insufficientFilePermissions();
  return parent;
}

export function createFile(
  ctx: DoubleContext,
  viewer: Viewer,
  meta: NewFileMetadata,
  options: { supportsAllDrives: boolean; content?: Buffer; contentType?: string },
): StoredFile {
  assertCanWrite(viewer);
  const parent = resolveParent(ctx, viewer, meta.parents, options.supportsAllDrives);
  const mimeType = meta.mimeType || options.contentType || 'application/octet-stream';
  if (options.content && (mimeType === FOLDER_MIME || EDITOR_MIMES.has(mimeType))) {
    throw driveErrors.badRequest('Media content cannot be uploaded for this MIME type.', 'mimeType');
  }
  const now = new Date().toISOString();
  return ctx.store.addFile({
    name: meta.name ?? 'Untitled',
    mimeType,
    parents: [parent.id],
    // Shared-drive items belong to the drive; My Drive items to the uploader.
    ownedBy: parent.driveId ? [] : [viewer.email],
    createdTime: now,
    modifiedTime: now,
    ...(parent.driveId ? { driveId: parent.driveId } : {}),
    ...(meta.description !== undefined ? { description: meta.description } : {}),
    ...(options.content ? { content: options.content } : {}),
    ...(options.content && mimeType === 'application/pdf' ? pdfText(options.content) : {}),
  });
}

/** Drive indexes a PDF's text layer for fullText search; the double asks pdftotext for it, when installed. */
const PDF_TEXT_MAX_BYTES = 20 * 1024 * 1024;
function pdfText(content: Buffer): { text?: string } {
  if (content.length > PDF_TEXT_MAX_BYTES) return {};
  try {
    const text = execFileSync('pdftotext', ['-q', '-', '-'], {
      input: content,
      timeout: 20_000,
      maxBuffer: 16 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'ignore'],
    }).toString('utf8');
    return text.trim() ? { text } : {};
  } catch {
    // Not installed, or not a readable PDF: searchable by name only, as Drive does with such a file.
    return {};
  }
}
