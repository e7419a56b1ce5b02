import { readFile, writeFile } from 'node:fs/promises';
import { FOLDER_MIME, isGoogleEditorFile } from '../../src/domain/document-formats.js';
import { NotFoundError, SignedOutError, UpstreamError } from '../../src/domain/errors.js';
import type {
  DownloadProgress,
  DownloadResult,
  Drive,
  DriveConnector,
  DriveItem,
  DriveUser,
  FilePage,
  ListFilesQuery,
  Thumbnail,
  UploadedFile,
  UploadRequest,
} from '../../src/domain/ports.js';

interface FakeFile extends DriveItem {
  parent: string;
  content?: Buffer;
  /** What thumbnail() answers for this file. */
  thumbnail?: Thumbnail;
}

/** An in-memory Drive for HTTP tests: one user per token, a few files, failure switches. */
export class FakeDriveConnector implements DriveConnector {
  readonly files = new Map<string, FakeFile>();
  readonly users = new Map<string, DriveUser>();
  readonly listCalls: ListFilesQuery[] = [];
  readonly uploads: Array<UploadRequest & { content: Buffer }> = [];
  revoked = new Set<string>();
  /** When set, downloads write their bytes and then wait for this promise (a slow Drive). */
  downloadGate: Promise<void> | null = null;
  /** When set, every list call fails with it. */
  failList: Error | null = null;
  /** Downloads of these ids fail this many times with a retryable error. */
  flaky = new Map<string, number>();
  /** Metadata requests (get) for these files are rate-limited this many more times. */
  flakyMetadata = new Map<string, number>();

  addUser(token: string, user: DriveUser) {
    this.users.set(token, user);
  }

  addFile(f: Partial<FakeFile> & { id: string; name: string; mimeType: string }) {
    this.files.set(f.id, {
      parent: 'root',
      isFolder: f.mimeType === FOLDER_MIME,
      size: f.content ? f.content.length : null,
      modifiedTime: '2026-11-01T10:00:00.000Z',
      ...f,
    });
  }

  forToken(accessToken: string): Drive {
    const self = this;
    const user = () => {
      const u = self.users.get(accessToken);
      if (!u || self.revoked.has(accessToken)) throw new SignedOutError();
      return u;
    };
    const item = (f: FakeFile): DriveItem => ({
      id: f.id,
      name: f.name,
      mimeType: f.mimeType,
      isFolder: f.isFolder,
      size: f.size,
      modifiedTime: f.modifiedTime,
      ...(f.thumbnailLink !== undefined ? { thumbnailLink: f.thumbnailLink } : {}),
    });
    return {
      async whoAmI() {
        return user();
      },
      async list(query: ListFilesQuery): Promise<FilePage> {
        user();
        if (self.failList) throw self.failList;
        self.listCalls.push(query);
        const all = [...self.files.values()].filter((f) =>
          query.search
            ? f.name.toLowerCase().includes(query.search.toLowerCase())
            : f.parent === (query.folderId ?? 'root'),
        );
        const start = query.pageToken ? Number(query.pageToken) : 0;
        const size = query.pageSize ?? 100;
        const page = all.slice(start, start + size);
        return {
          files: page.map(item),
          nextPageToken: start + size < all.length ? String(start + size) : null,
        };
      },
      async get(fileId: string): Promise<DriveItem> {
        user();
        const left = self.flakyMetadata.get(fileId) ?? 0;
        if (left > 0) {
          self.flakyMetadata.set(fileId, left - 1);
          throw new UpstreamError('drive_rate_limited', 'Google Drive is busy.', { retryable: true });
        }
        const f = self.files.get(fileId);
        if (!f) throw new NotFoundError('That file or folder is not in your Drive.', 'file_not_found');
        return item(f);
      },
      async download(
        file: DriveItem,
        destinationPath: string,
        signal?: AbortSignal,
        progress?: DownloadProgress,
      ): Promise<DownloadResult> {
        user();
        const left = self.flaky.get(file.id) ?? 0;
        if (left > 0) {
          self.flaky.set(file.id, left - 1);
          throw new UpstreamError('drive_rate_limited', 'Google Drive is busy.', { retryable: true });
        }
        const f = self.files.get(file.id);
        if (!f) throw new NotFoundError('gone', 'file_not_found');
        const content = isGoogleEditorFile(f.mimeType)
          ? Buffer.from(`%PDF-1.4 export of ${f.name}`)
          : (f.content ?? Buffer.alloc(0));
        progress?.started();
        await writeFile(destinationPath, content);
        progress?.wrote(content.length);
        if (self.downloadGate) {
          // Like the real adapter, a slow download stops when the job is canceled or times out.
          await Promise.race([
            self.downloadGate,
            new Promise((_, reject) => {
              if (signal?.aborted) reject(signal.reason);
              signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
            }),
          ]);
          // A token revoked (or expired) while the bytes flowed: Drive answers 401 mid-download.
          user();
        }
        return {
          bytes: content.length,
          mimeType: isGoogleEditorFile(f.mimeType) ? 'application/pdf' : f.mimeType,
        };
      },
      async thumbnail(file: DriveItem): Promise<Thumbnail | null> {
        user();
        return self.files.get(file.id)?.thumbnail ?? null;
      },
      async countNamed(folderId: string, name: string): Promise<number> {
        user();
        const existing = [...self.files.values()].filter(
          (f) => f.parent === folderId && f.name === name,
        ).length;
        return existing + self.uploads.filter((u) => u.folderId === folderId && u.name === name).length;
      },
      async upload(request: UploadRequest): Promise<UploadedFile> {
        user();
        if (!self.files.get(request.folderId)?.isFolder && request.folderId !== 'root') {
          throw new NotFoundError('That folder is not in your Drive.', 'file_not_found');
        }
        const content = await readFile(request.filePath);
        self.uploads.push({ ...request, content });
        const id = `up-${self.uploads.length}`;
        return { id, name: request.name };
      },
    };
  }
}
