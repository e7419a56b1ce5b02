// Public types of the Google test double. Other parts of the project (tests, the demo) import these
// through index.ts, so changes here are API changes.

export interface DoubleClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface DoubleUser {
  id: string;
  email: string;
  name: string;
  permissionId?: string;
}

export interface GoogleDoubleOptions {
  /** 0 / undefined = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clients: DoubleClient[];
  /** Default: the sample users (alice, bob, admin). */
  users?: DoubleUser[];
  /** Email of the user approved without a consent page, or false for the consent page. Default false. */
  autoApprove?: string | false;
  /** Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Default true: load the sample files and shared drives. */
  seed?: boolean;
}

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

/** Google editor types: they have no bytes, only exports. */
export const EDITOR_MIMES: ReadonlySet<string> = new Set([
  'application/vnd.google-apps.document',
  'application/vnd.google-apps.spreadsheet',
  'application/vnd.google-apps.presentation',
  'application/vnd.google-apps.drawing',
]);

export interface StoredFile {
  id: string;
  name: string;
  mimeType: string;
  /** Parent folder ids (a My Drive root id, a folder id, or a shared drive id). Empty for roots. */
  parents: string[];
  /** Set for items that live in a shared drive. */
  driveId?: string;
  /** Owner emails; empty for shared-drive items (the drive owns them). */
  ownedBy: string[];
  /** Emails the item was shared with directly (they appear under sharedWithMe). */
  sharedWith: string[];
  trashed: boolean;
  starred: boolean;
  createdTime: string;
  modifiedTime: string;
  /** Byte count of `content`; undefined for folders and editor files. */
  size?: number;
  /** The bytes; undefined for folders and Google editor files. */
  content?: Buffer;
  md5Checksum?: string;
  /** Text of a Google editor file: its text/plain or text/csv export, and its PDF export's text. */
  text?: string;
  /** The PDF export's pages, line by line, when they must not be `text` wrapped into pages. */
  exportPages?: string[][];
  /** Makes exports answer 403 exportSizeLimitExceeded. */
  exportTooLarge?: boolean;
  /** A My Drive root or a shared drive's root folder: never listed as a child. */
  isRoot?: boolean;
  description?: string;
}

export interface StoredDrive {
  id: string;
  name: string;
  /** Member emails; every member may read and add files. */
  members: string[];
  createdTime: string;
}

export type NewFile = Partial<StoredFile> & {
  name: string;
  mimeType: string;
  parents?: string[];
  content?: Buffer;
};

export interface IssuedToken {
  accessToken: string;
  email: string;
  refreshToken?: string;
  accessType: string;
  scope: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  /** A resumable chunk's Content-Range, so tests can see the chunk sizes a client sent. */
  contentRange?: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface DoubleFaults {
  /**
   * Next N media/export downloads of this file answer 403 userRateLimitExceeded (or 429
   * rateLimitExceeded), with a Retry-After header when retryAfterSeconds is given.
   */
  rateLimit(fileId: string, times: number, kind?: '403' | '429', retryAfterSeconds?: number): void;
  /** Next N metadata files.get calls (no alt=media) of this file answer the same rate-limit errors. */
  rateLimitMetadata(fileId: string, times: number, kind?: '403' | '429'): void;
  /** Downloads of this file always answer 500 backendError (or the given status). */
  failAlways(fileId: string, status?: number): void;
  /** Next N downloads of this file answer this 5xx backendError (default 503); later ones succeed. */
  failDownload(fileId: string, times: number, status?: number): void;
  /** Next N downloads of this file send `afterBytes` of the body, then the connection is destroyed. */
  resetDownload(fileId: string, afterBytes: number, times?: number): void;
  /** Next N downloads of this file send `afterBytes` of the body, then nothing, keeping the connection open. */
  stallDownload(fileId: string, afterBytes: number, times?: number): void;
  /**
   * The next download of this file sends `afterBytes`, then its access token expires and the
   * connection is cut: every later Drive request with that token answers 401.
   */
  unauthorizedDownload(fileId: string, afterBytes: number): void;
  /** Next resumable PUT chunk(s) answer this status (default 503; 401 with Google's body) after reading (and not storing) the body. */
  failNextUploadChunk(times?: number, status?: number): void;
  /** Next resumable PUT chunk(s): the socket is destroyed mid-body; nothing of the chunk is stored. */
  dropNextUploadConnection(times?: number): void;
  /** Revocation answers 500. */
  failRevoke(times?: number): void;
  /** Every download from now on is sent at this many bytes per second (null: no limit), like a slow link. */
  throttleDownloads(bytesPerSecond: number | null): void;
  clear(): void;
}

export interface GoogleDouble {
  /** e.g. http://127.0.0.1:43211 (no trailing slash). */
  baseUrl: string;
  close(): Promise<void>;
  setAutoApprove(email: string | false): void;
  /** Registers another OAuth client (each connector instance has its own redirect URI). */
  addClient(client: DoubleClient): void;
  readonly issuedTokens: IssuedToken[];
  /** Every revocation call's token, in order (repeats included). */
  readonly revokedTokens: string[];
  /** Every request received. */
  readonly requests: LoggedRequest[];
  isTokenValid(token: string): boolean;
  /** Makes Drive answer 401 for this access token. */
  expireToken(token: string): void;
  addFile(file: NewFile): StoredFile;
  getFile(id: string): StoredFile | undefined;
  findFilesByName(name: string): StoredFile[];
  fileContent(id: string): Buffer | undefined;
  faults: DoubleFaults;
  /** Ids of resumable upload sessions neither finished nor cancelled. */
  openUploadSessions(): string[];
  /** Ids of resumable upload sessions cancelled with DELETE, in order. */
  readonly canceledUploadSessions: readonly string[];
}
