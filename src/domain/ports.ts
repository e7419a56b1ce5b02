// What the domain needs from the outside world. Adapters implement these; the domain imports
// nothing from express, googleapis or ipp.

// ---- Time ----------------------------------------------------------------------------------

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds (or earlier when `signal` aborts, rejecting). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ---- Google sign-in ------------------------------------------------------------------------

export interface Pkce {
  verifier: string;
  challenge: string;
}

export interface GrantedToken {
  accessToken: string;
  /** Epoch milliseconds when Google says the access token stops working. */
  expiresAt: number;
  scopes: string[];
  /** Present only if Google returned one; the connector never asks for it and discards it. */
  refreshToken?: string;
}

export interface GoogleSignIn {
  /** A fresh PKCE verifier and its S256 challenge. */
  createPkce(): Promise<Pkce>;
  /** The URL of Google's consent page for this state and PKCE challenge. */
  authorizationUrl(options: { state: string; codeChallenge: string; loginHint?: string }): string;
  /** Exchanges an authorization code (with its verifier) for an access token. */
  exchangeCode(options: { code: string; codeVerifier: string }): Promise<GrantedToken>;
  /** Revokes an access token at Google; resolves even when Google says it is already invalid. */
  revoke(accessToken: string): Promise<void>;
}

// ---- Drive ---------------------------------------------------------------------------------

export type DriveView = 'mydrive' | 'shared' | 'drives';

export interface DriveItem {
  id: string;
  name: string;
  mimeType: string;
  isFolder: boolean;
  /** Bytes; null for folders and Google editor files, which have no stored size. */
  size: number | null;
  modifiedTime: string | null;
}

export interface ListFilesQuery {
  view: DriveView;
  /** 'root' or a folder id; with view 'drives' and no folderId, the shared drives are listed. */
  folderId?: string;
  /** Free text matched against names (`name contains`), already trimmed. */
  search?: string;
  pageToken?: string;
  pageSize?: number;
  foldersOnly?: boolean;
}

export interface FilePage {
  files: DriveItem[];
  nextPageToken: string | null;
}

export interface DriveUser {
  email: string;
  name: string;
}

export interface DownloadResult {
  bytes: number;
  /** The MIME type of the bytes written: the file's own, or application/pdf for an export. */
  mimeType: string;
}

export interface UploadRequest {
  filePath: string;
  name: string;
  folderId: string;
  mimeType: string;
  size: number;
  signal?: AbortSignal;
}

export interface UploadedFile {
  id: string;
  name: string;
}

/** One signed-in user's view of Drive. Errors are AppErrors (SignedOutError, NotFoundError, UpstreamError). */
export interface Drive {
  /** The signed-in account (about.get fields=user). */
  whoAmI(): Promise<DriveUser>;
  /** One page of a folder, a view or a search. */
  list(query: ListFilesQuery): Promise<FilePage>;
  /** Metadata of one file or folder. */
  get(fileId: string): Promise<DriveItem>;
  /** Writes the file's bytes, or its PDF export for Google editor files, to `destinationPath`. */
  download(file: DriveItem, destinationPath: string, signal?: AbortSignal): Promise<DownloadResult>;
  /** Creates a new file in a folder from a local file (multipart when small, resumable when large). */
  upload(request: UploadRequest): Promise<UploadedFile>;
  /** How many files in a folder already have this exact name (Drive allows duplicates). */
  countNamed(folderId: string, name: string): Promise<number>;
}

export interface DriveConnector {
  /** A Drive bound to one access token. */
  forToken(accessToken: string): Drive;
}

// ---- Printers ------------------------------------------------------------------------------

export interface PrinterConfig {
  id: string;
  name: string;
  /** ipp:// or ipps:// (http:// also accepted) URI of the printer object. */
  uri: string;
}

export type PrinterState = 'idle' | 'processing' | 'stopped' | 'unreachable';

export type Sides = 'one-sided' | 'two-sided-long-edge' | 'two-sided-short-edge';
export type ColorMode = 'color' | 'monochrome';

/** What the person chose; adapters translate it to IPP job attributes. */
export interface PrintTicket {
  copies?: number;
  sides?: Sides;
  color?: ColorMode;
  /** PWG self-describing media name, e.g. iso_a4_210x297mm. */
  media?: string;
  /** Inclusive 1-based page ranges. */
  pageRanges?: Array<[number, number]>;
}

export interface PrintSubmission {
  documentPath: string;
  documentFormat: string;
  jobName: string;
  userName: string;
  ticket: PrintTicket;
  signal?: AbortSignal;
}

/** The printer's view of a job, reduced from IPP job-state. */
export type PrinterJobPhase = 'pending' | 'processing' | 'stopped' | 'completed' | 'canceled' | 'aborted';

export interface PrinterJobStatus {
  phase: PrinterJobPhase;
  /** IPP job-state-reasons keywords. */
  reasons: string[];
}

/**
 * A print system the connector can talk to. Failures are UpstreamErrors with codes
 * printer_unreachable, printer_busy (retryable), format_not_supported, printer_refused.
 */
export interface PrintSystem {
  /** The printer's state, or 'unreachable' when it does not answer in time. */
  state(printer: PrinterConfig): Promise<PrinterState>;
  /** Sends the document with Print-Job; resolves with the printer's job id. */
  submit(printer: PrinterConfig, submission: PrintSubmission): Promise<{ ippJobId: number }>;
  /** The job's current state (Get-Job-Attributes). */
  jobStatus(printer: PrinterConfig, ippJobId: number): Promise<PrinterJobStatus>;
  /** Cancels a job at the printer (Cancel-Job); ignores a job that already ended. */
  cancel(printer: PrinterConfig, ippJobId: number): Promise<void>;
}

// ---- Print jobs (kept where every instance can see them) ------------------------------------

export type PrintJobState =
  | 'queued'
  | 'downloading'
  | 'sending'
  | 'printing'
  | 'completed'
  | 'failed'
  | 'canceled';

export interface PrintJob {
  jobId: string;
  /** Pseudonymous owner: the session's user key; only the owner may read the job. */
  ownerKey: string;
  state: PrintJobState;
  fileId: string;
  fileName: string;
  printerId: string;
  ippJobId: number | null;
  error: { code: string; message: string } | null;
  createdAt: number;
  updatedAt: number;
}

export interface PrintJobStore {
  /** Stores (creates or replaces) a job. */
  save(job: PrintJob): Promise<void>;
  /** A job by id, or null. */
  get(jobId: string): Promise<PrintJob | null>;
}

// ---- Audit ---------------------------------------------------------------------------------

export type AuditEventName =
  | 'signin'
  | 'signout'
  | 'session.expired'
  | 'print.submitted'
  | 'print.completed'
  | 'print.failed'
  | 'scan.uploaded'
  | 'scan.failed'
  | 'temp.deleted';

export interface AuditEvent {
  event: AuditEventName;
  /** The account's email or Google id; the audit log stores only a keyed hash of it. */
  user?: string;
  fileId?: string;
  /** Extra non-personal detail: a job id, an error code, a printer id. */
  detail?: Record<string, string | number | boolean>;
}

export interface AuditLog {
  /** Appends one event; never throws for a full disk, logs instead. */
  record(event: AuditEvent): Promise<void>;
}

// ---- Scan tickets (single-use upload capabilities for scanning devices) ---------------------

export interface ScanTicket {
  /** sha256 (hex) of the capability in the upload URL; the capability itself is never stored. */
  hash: string;
  /** The session the ticket belongs to; it dies with it. */
  sid: string;
  ownerKey: string;
  /** The account, for the audit record (hashed there). */
  userEmail: string;
  folderId: string;
  folderName: string;
  /** File name for Drive, already cleaned. */
  name: string;
  /** 'one': a single upload; 'many': one upload per page and a final /finish. */
  pages: 'one' | 'many';
  expiresAt: number;
  /** Received pages (temporary file names, in order) of a 'many' ticket. */
  parts: string[];
  /** open: accepts uploads; used: done or in progress, refuses everything. */
  state: 'open' | 'used';
}

/** What became of a used ticket, for the panel that waits for it. Kept until the ticket expires. */
export type ScanOutcome =
  | { state: 'uploaded'; fileId: string; name: string; duplicateName: boolean }
  | { state: 'failed'; error: { code: string; message: string } };

export interface ScanTicketStore {
  /** Stores a new ticket; it disappears by itself after expiresAt. */
  create(ticket: ScanTicket): Promise<void>;
  /** A ticket by hash, or null. */
  get(hash: string): Promise<ScanTicket | null>;
  /** Atomically marks an open ticket used and returns it; null when absent, used or expired. */
  take(hash: string, now: number): Promise<ScanTicket | null>;
  /** Atomically appends a page to an open 'many' ticket; false when it is no longer open. */
  addPart(hash: string, part: string, now: number): Promise<boolean>;
  /** Deletes a ticket. */
  remove(hash: string): Promise<void>;
  /** Deletes and returns every ticket of a session (the session ended). */
  removeBySession(sid: string): Promise<ScanTicket[]>;
  /** Deletes and returns tickets that expired before `now`, so their pages can be deleted. */
  removeExpired(now: number): Promise<ScanTicket[]>;
}
