import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OAuth2Client } from 'google-auth-library';
import { type drive_v3, drive as driveApi } from 'googleapis/build/src/apis/drive/index.js';
import { FOLDER_MIME, isFolder, isGoogleEditorFile } from '../domain/document-formats.js';
import { UpstreamError } from '../domain/errors.js';
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
} from '../domain/ports.js';
import { mapDriveError } from './google-drive-errors.js';
import { buildListRequest, driveString, listFields, PANEL_PAGE_SIZE } from './google-drive-query.js';
import { resumableUpload } from './google-drive-resumable.js';

export interface GoogleDriveOptions {
  /** googleapis root URL with trailing slash (the test double's base, or Google's). */
  apiRoot: string;
  /** Files at or above this size are uploaded with a resumable session. */
  resumableThresholdBytes?: number;
  /** Chunk size for resumable uploads; a multiple of 256 KiB. */
  chunkBytes?: number;
  /** Per-request timeout for metadata calls. */
  timeoutMs?: number;
  /**
   * A download that receives nothing for this long is stopped (download_stalled). Downloads have no
   * overall timeout (a big file on a slow line may take minutes), so this is what stops one whose
   * connection stays open but says nothing, long before the job's own time limit.
   */
  downloadIdleMs?: number;
  /** Resumable uploads: consecutive failed chunks before giving up, and the first wait (doubles). */
  uploadRetry?: { maxFailures: number; retryDelayMs: number };
}

/** get also asks for the thumbnail (the print page's preview); list asks for less (listFields). */
const GET_FIELDS = 'id, name, mimeType, size, modifiedTime, thumbnailLink';

/** Larger thumbnails are refused: the print page shows a small preview, nothing more. */
export const THUMBNAIL_MAX_BYTES = 1024 * 1024;
const THUMBNAIL_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

const ORDER_BY: Record<NonNullable<ListFilesQuery['orderBy']>, string> = {
  name: 'folder,name_natural',
  modified: 'folder,modifiedTime desc',
};

/**
 * Whether a thumbnailLink may be fetched with the person's token: Google's own hosts, or the API
 * root's origin (the test double). Anything else would receive the bearer token.
 */
export function isTrustedThumbnailUrl(link: string, apiRoot: string): boolean {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return false;
  }
  if (url.origin === new URL(apiRoot).origin) return true;
  return (
    url.protocol === 'https:' &&
    (url.hostname.endsWith('.googleusercontent.com') || url.hostname.endsWith('.google.com'))
  );
}

/** Builds a Drive per access token, on the real googleapis client. */
export class GoogleDriveConnector implements DriveConnector {
  private readonly options: Required<GoogleDriveOptions>;

  constructor(options: GoogleDriveOptions) {
    this.options = {
      resumableThresholdBytes: 5 * 1024 * 1024,
      chunkBytes: 8 * 1024 * 1024,
      timeoutMs: 20_000,
      downloadIdleMs: 30_000,
      uploadRetry: { maxFailures: 5, retryDelayMs: 300 },
      ...options,
    };
  }

  forToken(accessToken: string, options: { onCall?: (ms: number) => void } = {}): Drive {
    return new GoogleDrive(accessToken, this.options, options.onCall);
  }
}

/** A string field of Drive's answer, or null when it is missing or of another type. */
function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function toItem(f: drive_v3.Schema$File): DriveItem {
  // The JSON is from outside: a field of the wrong type is treated as missing, never passed on.
  const mimeType = text(f.mimeType) ?? 'application/octet-stream';
  // Drive sends int64 as a decimal string; anything else is no size rather than NaN.
  const raw: unknown = f.size;
  const size =
    (typeof raw === 'string' && /^\d{1,15}$/.test(raw)) || (Number.isSafeInteger(raw) && (raw as number) >= 0)
      ? Number(raw)
      : null;
  return {
    id: text(f.id) ?? '',
    name: text(f.name) ?? '',
    mimeType,
    isFolder: isFolder(mimeType),
    size,
    modifiedTime: text(f.modifiedTime),
    ...(f.thumbnailLink !== undefined ? { thumbnailLink: text(f.thumbnailLink) } : {}),
  };
}

class GoogleDrive implements Drive {
  private readonly auth: OAuth2Client;
  private readonly api: drive_v3.Drive;
  /** Folder names by id: one Drive instance serves one request, so this is a per-request cache. */
  private readonly folderNames = new Map<string, Promise<{ name: string; myDriveRoot: boolean } | null>>();

  constructor(
    accessToken: string,
    private readonly options: Required<GoogleDriveOptions>,
    onCall?: (ms: number) => void,
  ) {
    this.auth = new OAuth2Client();
    this.auth.setCredentials({ access_token: accessToken });
    if (onCall) {
      // Every call of googleapis (and our own, through the same client) goes through request().
      const request = this.auth.request.bind(this.auth);
      this.auth.request = ((opts: Parameters<OAuth2Client['request']>[0], ...callback: unknown[]) => {
        // The callback form is not timed (nothing here uses it); it is passed on untouched.
        if (callback.length > 0) return (request as (...args: unknown[]) => unknown)(opts, ...callback);
        const started = performance.now();
        return request(opts).finally(() => onCall(performance.now() - started));
      }) as OAuth2Client['request'];
    }
    // Our own backoff (domain/retry.ts) decides about retries, including 403 userRateLimitExceeded,
    // which gaxios would not retry anyway.
    this.api = driveApi({
      version: 'v3',
      auth: this.auth,
      rootUrl: options.apiRoot,
      retry: false,
      timeout: options.timeoutMs,
    });
  }

  async whoAmI(): Promise<DriveUser> {
    try {
      const { data } = await this.api.about.get({ fields: 'user(displayName, emailAddress)' });
      const email = text(data.user?.emailAddress);
      if (!email) throw new Error('about.get returned no email');
      return { email, name: text(data.user?.displayName) ?? email };
    } catch (err) {
      throw mapDriveError(err);
    }
  }

  async list(query: ListFilesQuery): Promise<FilePage> {
    try {
      if (query.view === 'drives' && !query.folderId && !query.search) {
        const { data } = await this.api.drives.list({
          pageSize: query.pageSize ?? PANEL_PAGE_SIZE,
          pageToken: query.pageToken,
          fields: 'nextPageToken, drives(id, name)',
        });
        return {
          files: (data.drives ?? []).map((d) => ({
            id: text(d.id) ?? '',
            name: text(d.name) ?? '',
            mimeType: FOLDER_MIME,
            isFolder: true,
            size: null,
            modifiedTime: null,
          })),
          nextPageToken: text(data.nextPageToken),
        };
      }
      const { data } = await this.api.files.list({
        ...buildListRequest(query),
        ...(query.orderBy ? { orderBy: ORDER_BY[query.orderBy] } : {}),
        fields: listFields(query),
      });
      const listed = data.files ?? [];
      const files = listed.map(toItem);
      if (query.search) await this.addParentNames(files, listed);
      return { files, nextPageToken: text(data.nextPageToken) };
    } catch (err) {
      throw mapDriveError(err);
    }
  }

  async get(fileId: string): Promise<DriveItem> {
    try {
      const { data } = await this.api.files.get({ fileId, fields: GET_FIELDS, supportsAllDrives: true });
      return toItem(data);
    } catch (err) {
      throw mapDriveError(err, fileId);
    }
  }

  /** One files.get per unique parent of the page (Drive has no batch lookup by id in v3 REST). */
  private async addParentNames(files: DriveItem[], listed: drive_v3.Schema$File[]): Promise<void> {
    const parentOf = listed.map((f) => f.parents?.[0] ?? null);
    for (const id of new Set(parentOf)) {
      if (id && !this.folderNames.has(id)) this.folderNames.set(id, this.folderName(id));
    }
    await Promise.all(
      files.map(async (file, i) => {
        const id = parentOf[i];
        const parent = id ? await (this.folderNames.get(id) ?? null) : null;
        file.parentName = parent?.name ?? null;
        if (parent?.myDriveRoot) file.parentIsMyDrive = true;
      }),
    );
  }

  /**
   * A folder's name; null when it cannot be seen (a file shared without its folder). My Drive's own
   * root has no parents and no drive: the page names it in the person's language, not Drive's English.
   */
  private async folderName(folderId: string): Promise<{ name: string; myDriveRoot: boolean } | null> {
    try {
      const { data } = await this.api.files.get({
        fileId: folderId,
        fields: 'name,parents,driveId',
        supportsAllDrives: true,
      });
      if (!data.name) return null;
      return { name: data.name, myDriveRoot: !data.parents?.length && !data.driveId };
    } catch {
      return null;
    }
  }

  async thumbnail(file: DriveItem): Promise<Thumbnail | null> {
    const link = file.thumbnailLink;
    if (!link || !isTrustedThumbnailUrl(link, this.options.apiRoot)) return null;
    try {
      const res = await this.auth.request<Readable>({
        url: link,
        responseType: 'stream',
        timeout: this.options.timeoutMs,
        retry: false,
      });
      const contentType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
      if (!THUMBNAIL_TYPES.has(contentType)) {
        res.data.destroy();
        return null;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.data) {
        size += (chunk as Buffer).length;
        if (size > THUMBNAIL_MAX_BYTES) {
          res.data.destroy();
          return null;
        }
        chunks.push(chunk as Buffer);
      }
      return { bytes: Buffer.concat(chunks), contentType };
    } catch {
      // A missing thumbnail is not an error for the person: the page shows the type's icon.
      return null;
    }
  }

  async download(
    file: DriveItem,
    destinationPath: string,
    signal?: AbortSignal,
    progress?: DownloadProgress,
  ): Promise<DownloadResult> {
    const exporting = isGoogleEditorFile(file.mimeType);
    // Armed before the request (a server that never answers) and again on every chunk.
    const stall = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(), this.options.downloadIdleMs);
    };
    const both = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
    let bytes = 0;
    // Opened (and truncated) before the request: the body must have its writer before it flows.
    const writer = await fileWriter(destinationPath, progress);
    try {
      arm();
      const res = exporting
        ? await this.api.files.export(
            { fileId: file.id, mimeType: 'application/pdf' },
            { responseType: 'stream', signal: both, timeout: 0 },
          )
        : await this.api.files.get(
            { fileId: file.id, alt: 'media', supportsAllDrives: true },
            { responseType: 'stream', signal: both, timeout: 0 },
          );
      const body = res.data as unknown as Readable;
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        arm();
      });
      await pipeline(body, writer, { signal: both });
    } catch (err) {
      writer.destroy();
      if (stall.signal.aborted && !signal?.aborted) {
        throw new UpstreamError(
          'download_stalled',
          'Google Drive stopped sending the file. Try again in a minute.',
          { retryable: true, cause: err },
        );
      }
      throw mapDriveError(err, file.id);
    } finally {
      clearTimeout(timer);
    }
    return { bytes, mimeType: exporting ? 'application/pdf' : file.mimeType };
  }

  async countNamed(folderId: string, name: string): Promise<number> {
    try {
      const { data } = await this.api.files.list({
        q: `${driveString(folderId)} in parents and name = ${driveString(name)} and trashed = false`,
        corpora: 'allDrives',
        includeItemsFromAllDrives: true,
        supportsAllDrives: true,
        pageSize: 10,
        fields: 'files(id)',
      });
      return data.files?.length ?? 0;
    } catch (err) {
      throw mapDriveError(err, folderId);
    }
  }

  async upload(request: UploadRequest): Promise<UploadedFile> {
    try {
      if (request.size >= this.options.resumableThresholdBytes) {
        return await resumableUpload({
          auth: this.auth,
          apiRoot: this.options.apiRoot,
          chunkBytes: this.options.chunkBytes,
          ...this.options.uploadRetry,
          request,
        });
      }
      // googleapis ignores the client's rootUrl for media uploads: it must be passed per call.
      const { data } = await this.api.files.create(
        {
          requestBody: { name: request.name, parents: [request.folderId], mimeType: request.mimeType },
          media: { mimeType: request.mimeType, body: createReadStream(request.filePath) },
          supportsAllDrives: true,
          fields: 'id, name',
        },
        { rootUrl: this.options.apiRoot, signal: request.signal, timeout: 0 },
      );
      if (typeof data?.id !== 'string' || data.id === '') {
        throw new UpstreamError('drive_unavailable', 'Google Drive did not confirm the upload. Try again.');
      }
      return { id: data.id, name: typeof data.name === 'string' ? data.name : request.name };
    } catch (err) {
      throw mapDriveError(err, request.folderId);
    }
  }
}

/**
 * Writes to the file (truncating it) and tells `progress` how many bytes are in it after each
 * write completes, so a reader may send them while the rest arrives. Back-pressure comes from the
 * disk: the next chunk is taken only when the last one is written.
 */
async function fileWriter(file: string, progress?: DownloadProgress): Promise<Writable> {
  // The temporary file already exists with mode 0600; 'w' truncates it (a retry starts from scratch,
  // never after a broken first try's bytes) and keeps the mode.
  const handle = await open(file, 'w');
  progress?.started();
  let total = 0;
  // Chunks that arrive while a write is in flight are written together (writev): one system call
  // for many small network reads.
  const written = (bytes: number, done: (err?: Error | null) => void) => {
    total += bytes;
    progress?.wrote(total);
    done();
  };
  return new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, done) {
      handle.write(chunk).then(
        () => written(chunk.length, done),
        (err: Error) => done(err),
      );
    },
    writev(chunks, done) {
      const buffers = chunks.map((c) => c.chunk as Buffer);
      const bytes = buffers.reduce((sum, b) => sum + b.length, 0);
      handle.writev(buffers).then(
        () => written(bytes, done),
        (err: Error) => done(err),
      );
    },
    final(done) {
      handle.close().then(() => done(), done);
    },
    destroy(err, done) {
      handle.close().then(
        () => done(err),
        () => done(err),
      );
    },
  });
}
