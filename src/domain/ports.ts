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
  /** Drive's thumbnail URL (from get only); the connector fetches it, a browser never sees it. */
  thumbnailLink?: string | null;
  /** The parent folder's name, in search results (where a file lives); null when not visible. */
  parentName?: string | null;
  /** The parent is the person's My Drive root (named in their language, not Drive's). */
  parentIsMyDrive?: boolean;
}

/** A thumbnail's bytes as Drive served them (an image type only). */
export interface Thumbnail {
  bytes: Buffer;
  contentType: string;
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
  /** Folders first, then by name (default) or newest first. */
  orderBy?: 'name' | 'modified';
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
  download(
    file: DriveItem,
    destinationPath: string,
    signal?: AbortSignal,
    progress?: DownloadProgress,
  ): Promise<DownloadResult>;
  /** Creates a new file in a folder from a local file (multipart when small, resumable when large). */
  upload(request: UploadRequest): Promise<UploadedFile>;
  /** How many files in a folder already have this exact name (Drive allows duplicates). */
  countNamed(folderId: string, name: string): Promise<number>;
  /** The file's thumbnail from its `thumbnailLink`, size-capped; null when there is none. */
  thumbnail(file: DriveItem): Promise<Thumbnail | null>;
}

export interface DriveConnector {
  /**
   * A Drive bound to one access token. `onCall` hears how long each call to Google took (until its
   * answer's headers), so a response can say how much of its time was Google's (Server-Timing).
   */
  forToken(accessToken: string, options?: { onCall?: (ms: number) => void }): Drive;
}

// ---- Printers ------------------------------------------------------------------------------

export interface PrinterConfig {
  id: string;
  name: string;
  /** ipp:// or ipps:// (http:// also accepted) URI of the printer object. */
  uri: string;
  /** The printer's AirScan (eSCL) root, e.g. http://host:port/eSCL, when it scans. */
  escl?: string;
  /** A name for the panel this printer belongs to. */
  panel?: string;
}

export type PrinterState = 'idle' | 'processing' | 'stopped' | 'unreachable';

export type Sides = 'one-sided' | 'two-sided-long-edge' | 'two-sided-short-edge';
export type ColorMode = 'color' | 'monochrome';
export type Orientation = 'portrait' | 'landscape';
export type PrintQuality = 'draft' | 'normal' | 'high';

/** What the person chose; adapters translate it to IPP job attributes. */
export interface PrintTicket {
  copies?: number;
  sides?: Sides;
  color?: ColorMode;
  /** PWG self-describing media name, e.g. iso_a4_210x297mm. */
  media?: string;
  /** Inclusive 1-based page ranges, ascending and not overlapping. */
  pageRanges?: Array<[number, number]>;
  orientation?: Orientation;
  /** Pages per sheet. */
  numberUp?: number;
  quality?: PrintQuality;
  /** PWG 5100.1 finishing keywords other than none, e.g. staple, punch, staple-top-left. */
  finishings?: string[];
}

export interface MediaOption {
  /** PWG self-describing name, e.g. iso_a4_210x297mm. */
  id: string;
  /** Readable name, e.g. A4; the id itself for sizes without one. */
  name: string;
}

/** The options a printer offers, each only what it supports (the contract's `capabilities`). */
export interface PrinterCapabilities {
  copies: { min: number; max: number };
  sides: Sides[];
  color: ColorMode[];
  media: MediaOption[];
  /** Whether the printer applies page-ranges itself (otherwise the connector cuts the pages). */
  pageRanges: boolean;
  orientation: Orientation[];
  numberUp: number[];
  quality: PrintQuality[];
  finishings: string[];
  /** document-format-supported, without application/octet-stream. */
  documentFormats: string[];
}

/** The printer's default for each option; null where it names none we understand. */
export interface PrinterDefaults {
  copies: number;
  sides: Sides | null;
  color: ColorMode | null;
  media: string | null;
  orientation: Orientation | null;
  numberUp: number | null;
  quality: PrintQuality | null;
  finishings: string[];
}

/** PWG 5100.13 raster facts, for rasterising a PDF for a printer that takes no PDF. */
export interface RasterFacts {
  /** pwg-raster-document-resolution-supported (dpi, cross-feed x feed), ascending. */
  pwgResolutions: Array<[number, number]>;
  /** pwg-raster-document-type-supported, e.g. sgray_8, srgb_8, black_1. */
  pwgTypes: string[];
  /** pwg-raster-document-sheet-back: how the back of a two-sided sheet must be sent. */
  pwgSheetBack: 'normal' | 'flipped' | 'rotated' | 'manual-tumble';
  /** urf-supported keywords (e.g. RS300-600, W8, SRGB24, DM1), empty when not offered. */
  urf: string[];
}

/** How to talk to this printer, beyond the options a person sees. */
export interface PrinterProtocolFacts {
  /** media-col-supported lists media-size: the printer takes media-col. */
  mediaCol: boolean;
  /** media-supported is present: the printer takes the media keyword. */
  mediaKeyword: boolean;
  /** operations-supported lists Validate-Job. */
  validateJob: boolean;
  /**
   * operations-supported lists Create-Job and Send-Document (IPP Everywhere requires both): a document
   * can be sent while it still downloads, since the job is known, and canceled, before its end.
   */
  createJob: boolean;
  /**
   * notify-pull-method-supported lists ippget and operations-supported Get-Notifications (RFC 3995,
   * RFC 3996): a job can be followed by events the printer holds for us, so its end is known at once.
   */
  ippget: boolean;
  raster: RasterFacts;
}

/** Everything one Get-Printer-Attributes tells, as the domain needs it. */
export interface PrinterDescription {
  state: Exclude<PrinterState, 'unreachable'>;
  /** printer-state-reasons keywords without none (and without -report/-warning/-error suffixes). */
  stateReasons: string[];
  capabilities: PrinterCapabilities;
  defaults: PrinterDefaults;
  facts: PrinterProtocolFacts;
}

/**
 * A document still being written to its file (a download in progress) while it is sent: how far
 * the writer is, and how it ended. A writer that starts again (a retried download) truncates the
 * file: `attempt` grows, and a reader that already sent bytes must give up and send again later.
 */
export interface DocumentGrowth {
  /** Bytes in the file now, all written. */
  readonly written: number;
  /** How many times the writer started. */
  readonly attempt: number;
  /** Whether the writer finished or gave up. */
  readonly ended: boolean;
  /** Resolves with the final size when the writer finished; rejects with the writer's error. */
  readonly finished: Promise<number>;
  /** Calls `listener` after every change (bytes written, a restart, the end); returns an unsubscribe. */
  onChange(listener: () => void): () => void;
}

/** What a download tells about its progress, so the document can be sent while it arrives. */
export interface DownloadProgress {
  /** An attempt starts: the file was (re)created empty. */
  started(): void;
  /** The file now holds `total` bytes, all written. */
  wrote(total: number): void;
}

export interface PrintSubmission {
  documentPath: string;
  /**
   * Set while the document is still arriving: the file is sent as it grows (HTTP chunked), so
   * downloading and sending overlap. Absent: the file is complete.
   */
  growth?: DocumentGrowth;
  /** Always one the printer lists in document-format-supported. */
  documentFormat: string;
  jobName: string;
  userName: string;
  ticket: PrintTicket;
  /** The printer as last described; decides media vs media-col and whether page-ranges is sent. */
  printer: PrinterDescription;
  signal?: AbortSignal;
}

/** The printer's view of a job, reduced from IPP job-state. */
export type PrinterJobPhase = 'pending' | 'processing' | 'stopped' | 'completed' | 'canceled' | 'aborted';

/** What submit answers: the printer's job, and the subscription that reports its events, if any. */
export interface SubmittedJob {
  ippJobId: number;
  /** notify-subscription-id of the job's ippget subscription; absent when there is none. */
  subscriptionId?: number;
}

/** What one Get-Notifications told about a job. */
export interface PrinterJobEvents {
  /** The job's state in its latest event; null when no event for it came. */
  status: PrinterJobStatus | null;
  /** The notify-sequence-number to ask from next time. */
  sequence: number;
  /** The printer will send no more events for this subscription (successful-ok-events-complete). */
  complete: boolean;
  /** The printer held the request until `waitMs` ran out: asking again at once is not hammering it. */
  held: boolean;
}

export interface PrinterJobStatus {
  phase: PrinterJobPhase;
  /** IPP job-state-reasons keywords. */
  reasons: string[];
  /** job-impressions-completed when the printer reports it. */
  impressionsCompleted: number | null;
}

/**
 * A print system the connector can talk to. Failures are UpstreamErrors with codes
 * printer_unreachable, printer_busy (retryable), format_not_supported, printer_refused,
 * printer_bad_response (an answer that is not IPP) and printer_no_answer (a document sent whole
 * without an answer: it may have printed, so it is not retried).
 */
export interface PrintSystem {
  /** One Get-Printer-Attributes: state, reasons, options, defaults. Throws printer_unreachable in time. */
  describe(printer: PrinterConfig, signal?: AbortSignal): Promise<PrinterDescription>;
  /**
   * Validate-Job for a submission without its document; resolves with the names of our ticket options
   * (copies, sides, color, media, pageRanges, orientation, numberUp, quality, finishings) the printer
   * says it does not support; empty when it accepts them all.
   */
  validate(printer: PrinterConfig, submission: Omit<PrintSubmission, 'documentPath'>): Promise<string[]>;
  /**
   * Sends the document with Print-Job; resolves with the printer's job id, and with the id of the
   * event subscription the job was created with, when the printer offers ippget (facts.ippget) and
   * accepted it.
   */
  submit(printer: PrinterConfig, submission: PrintSubmission): Promise<SubmittedJob>;
  /** The job's current state (Get-Job-Attributes). */
  jobStatus(printer: PrinterConfig, ippJobId: number): Promise<PrinterJobStatus>;
  /**
   * The job's events since `sequence` (Get-Notifications with notify-wait, RFC 3996): the printer holds
   * the request until something happens to the job, for up to `waitMs`. Absent: the print system has
   * no events, and jobs are followed with jobStatus alone.
   */
  jobEvents?(
    printer: PrinterConfig,
    watch: { ippJobId: number; subscriptionId: number; sequence: number },
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<PrinterJobEvents>;
  /** Cancels a job at the printer (Cancel-Job); ignores a job that already ended. */
  cancel(printer: PrinterConfig, ippJobId: number): Promise<void>;
}

// ---- Document conversion -------------------------------------------------------------------

/** Optional external tools; each may be missing at run time. */
export interface ConversionTools {
  /** LibreOffice (soffice) for Office and OpenDocument files. */
  libreoffice: boolean;
  /** Ghostscript (gs) for rasterising PDF to PWG raster or URF. */
  ghostscript: boolean;
}

export interface RasterOptions {
  format: 'image/pwg-raster' | 'image/urf';
  /** Dots per inch, cross-feed x feed. */
  resolution: [number, number];
  color: boolean;
  sides: Sides;
  /** How the printer wants the back of each two-sided sheet (pwg-raster-document-sheet-back, or URF's DM). */
  sheetBack: RasterFacts['pwgSheetBack'];
  /** Page size in points (1/72 in), width x height; the PDF is fitted to it. Null: each page's own size. */
  pageSize: [number, number] | null;
}

/**
 * Turns one file into another, each call a child process with a time limit and no shell (or pure code),
 * reading only `input` and writing only `output`. Failures are AppErrors: conversion_failed (the file
 * could not be converted), conversion_timeout, converter_missing; and 400 page_range_empty (selectPages),
 * empty_document (textToPdf).
 */
export interface DocumentConverter {
  /** Which optional tools are installed right now. */
  tools(): Promise<ConversionTools>;
  /**
   * Word, Excel, PowerPoint and OpenDocument files to PDF with LibreOffice headless; `sourceName` (the Drive
   * name) lends its extension, which LibreOffice reads besides the content to pick an import filter.
   */
  officeToPdf(input: string, output: string, signal?: AbortSignal, sourceName?: string): Promise<void>;
  /** PNG, JPEG, BMP, WebP, GIF (its first frame) or TIFF (every page) to a PDF, one page per image. */
  imageToPdf(input: string, mimeType: string, output: string, signal?: AbortSignal): Promise<void>;
  /** Plain text (UTF-8) to a PDF on A4. */
  textToPdf(input: string, output: string, signal?: AbortSignal): Promise<void>;
  /** Keeps only the pages in `ranges` (1-based, inclusive); resolves with the number of pages kept. */
  selectPages(
    input: string,
    output: string,
    ranges: ReadonlyArray<readonly [number, number]>,
  ): Promise<number>;
  /** A PDF to PWG raster or URF with Ghostscript. */
  rasterize(input: string, output: string, options: RasterOptions, signal?: AbortSignal): Promise<void>;
}

// ---- Scans people can find again: OCR and clean pages ---------------------------------------

/** Whether OCR can run on this instance now, and with which Tesseract languages. */
export interface OcrStatus {
  installed: boolean;
  /** Tesseract language codes installed (e.g. eng, nld, swe; osd is not a language and is not listed). */
  languages: string[];
  /** Whether page orientation can be detected (Tesseract's osd data), for turning pages upright. */
  orientation: boolean;
}

export interface OcrOptions {
  /** Tesseract language codes, most likely first (e.g. ['nld', 'eng']); each one installed. */
  languages: readonly string[];
  /** Pages in the input, for progress. */
  pages: number;
  signal?: AbortSignal;
  /** Called as recognition of page `page` (1-based) of `pages` starts; pages may run in any order. */
  onPage?: (page: number, pages: number) => void;
}

/**
 * Makes a scanned PDF searchable: the page images stay, a text layer with the recognised words is
 * added, pages are turned upright and deskewed (OCRmyPDF with Tesseract).
 */
export interface OcrEngine {
  /** What is installed now (looked up on the disk at most every few seconds). */
  status(): Promise<OcrStatus>;
  /**
   * Writes `output` from `input` (a PDF). Rejects with OcrUnavailableError when the tool is missing,
   * OcrTimeoutError at the time limit (the process and all it started are killed), OcrFailedError
   * when it fails, and the signal's reason on abort. Leaves no file but `output` behind.
   */
  makeSearchable(input: string, output: string, options: OcrOptions): Promise<void>;
}

/** How much a scan's page images are re-encoded: 'best' keeps them as scanned. */
export type ScanQuality = 'smaller' | 'balanced' | 'best';

/** What the person asked for besides the pages themselves. */
export interface ScanFinish {
  /** Tesseract languages for a searchable PDF, most likely first; null: no OCR. */
  ocrLanguages: string[] | null;
  removeBlankPages: boolean;
  /**
   * Two-sided on a one-sided feeder: the pages are the fronts, then the backs as the turned-over stack
   * gives them (last back first); they are put in reading order.
   */
  manualDuplex: boolean;
  quality: ScanQuality;
}

/** Where a scan being finished is, for the panel: "making it searchable: page 2 of 5". */
export type FinishProgress =
  | { step: 'order' }
  | { step: 'blank' }
  | { step: 'size' }
  | { step: 'ocr'; page: number; pages: number };

/** Page work on a scanned PDF: finding blank pages, keeping some pages, making it smaller. */
export interface ScanPageTools {
  /** How many pages a PDF has (without loading it into memory). */
  countPages(pdf: string, signal?: AbortSignal): Promise<number>;
  /** 0-based indexes of the pages that look blank; conservative: a page with any real mark is kept. */
  findBlankPages(pdf: string, signal?: AbortSignal): Promise<number[]>;
  /** Writes `output` with `input`'s pages at these 0-based indexes, in this order. */
  keepPages(input: string, output: string, indexes: readonly number[], signal?: AbortSignal): Promise<void>;
  /** Writes `output` with the page images re-encoded for `quality` ('smaller' or 'balanced'). */
  reencode(
    input: string,
    output: string,
    quality: Exclude<ScanQuality, 'best'>,
    signal?: AbortSignal,
  ): Promise<void>;
}

// ---- Print jobs (kept where every instance can see them) ------------------------------------

export type PrintJobState =
  | 'queued'
  | 'downloading'
  | 'sending'
  | 'printing'
  /** Pull delivery: the document waits for the device to fetch it from its documentUrl. */
  | 'ready'
  | 'completed'
  | 'failed'
  | 'canceled';

/** The finer step a job is at (or failed at): state stays the contract's coarse one. */
export type PrintStep = 'download' | 'convert' | 'send' | 'print' | 'fetch';

/** ipp: the connector sends the document with Print-Job; pull: the device fetches it from a link. */
export type PrintDelivery = 'ipp' | 'pull';

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
  /** The options as the person chose them, for the summary and Retry. */
  ticket: PrintTicket;
  /** The step running now, or the one that failed; null before the first and after success. */
  step: PrintStep | null;
  /** Whether the document is converted on the way (the page then shows that step). */
  converts: boolean;
  /** Impressions the printer reports done (job-impressions-completed), when it reports them. */
  pagesDone: number | null;
  /** How the document reaches the printer; absent (jobs stored before pull existed) means ipp. */
  delivery?: PrintDelivery;
  /** The instance that runs the job (absent on jobs stored before instances were recorded). */
  instanceId?: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * Jobs shared by every instance. Changes are compare-and-set: an instance replaces the job only when
 * it is still what that instance last read, so a cancel recorded by another instance is never
 * overwritten by the owner's next progress update.
 */
export interface JobStore<T> {
  /** Stores a new job (or replaces it unconditionally). */
  save(job: T): Promise<void>;
  /** Replaces `expected` by `next` only if the stored job is still exactly `expected`; false otherwise. */
  replace(expected: T, next: T): Promise<boolean>;
  /** A job by id, or null. */
  get(id: string): Promise<T | null>;
}

/** The instances serving now, so a job whose instance died can be reported failed. */
export interface RunningInstances {
  /** This process's id, recorded on every job it runs. */
  readonly id: string;
  /** Whether the instance with this id is still running (its lease has not lapsed). */
  alive(id: string): Promise<boolean>;
}

export type PrintJobStore = JobStore<PrintJob>;

// ---- Pulled documents (prepared files a device fetches once from a capability URL) ----------

export interface PulledDocument {
  /** sha256 (hex) of the capability in the document URL; the capability itself is never stored. */
  hash: string;
  jobId: string;
  /** The prepared PDF in TEMP_DIR; deleted when the document is fetched, withdrawn or expires. */
  path: string;
  /** Bytes, for Content-Length. */
  size: number;
  /** The account, for the audit record (hashed there). */
  userEmail: string;
  fileId: string;
  expiresAt: number;
}

export interface PulledDocumentStore {
  /** Stores a new document record. */
  create(doc: PulledDocument): Promise<void>;
  /** A record by hash, expired or not, or null (HEAD requests; nothing changes). */
  get(hash: string): Promise<PulledDocument | null>;
  /** Atomically removes and returns an unexpired record: only one caller ever gets it. */
  take(hash: string, now: number): Promise<PulledDocument | null>;
  /** Atomically removes and returns a record whatever its expiry (the job was canceled). */
  remove(hash: string): Promise<PulledDocument | null>;
  /** Removes and returns records that expired by `now`, so their files can be deleted. */
  removeExpired(now: number): Promise<PulledDocument[]>;
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
  | 'temp.deleted'
  | 'pairing.started'
  | 'pairing.confirmed'
  | 'pairing.refused'
  | 'pairing.expired';

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
  /** What to do to the pages before they go to Drive (absent on tickets stored before it existed). */
  finish?: ScanFinish;
}

/** What became of a used ticket, for the panel that waits for it. Kept until the ticket expires. */
export type ScanOutcome =
  | { state: 'saving'; progress: FinishProgress }
  | {
      state: 'uploaded';
      fileId: string;
      name: string;
      duplicateName: boolean;
      /** Pages in Drive, blank pages left out and whether it has a text layer (absent: as received). */
      pages?: number;
      blankRemoved?: number;
      searchable?: boolean;
    }
  | { state: 'failed'; error: { code: string; message: string } }
  | { state: 'canceled' };

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

// ---- Scanners (AirScan / eSCL) -------------------------------------------------------------

export type ScanSource = 'flatbed' | 'feeder';
export type ScanColorMode = 'color' | 'grayscale' | 'blackandwhite';

/** A printer's scanner, from its PRINTERS entry. */
export interface ScannerConfig {
  /** The printer id the scanner belongs to. */
  id: string;
  name: string;
  /** eSCL root, e.g. http://host:port/eSCL. */
  escl: string;
}

/** What a scanner can do (eSCL ScannerCapabilities), each list only what it supports. */
export interface ScannerCapabilities {
  sources: ScanSource[];
  /** The feeder scans both sides. */
  duplex: boolean;
  colorModes: ScanColorMode[];
  /** Resolutions in dpi (the same both ways), ascending. */
  resolutions: number[];
  /** Document formats it returns, e.g. image/jpeg, application/pdf. */
  formats: string[];
}

/** eSCL ScannerStatus, reduced. */
export interface ScannerStatus {
  state: 'idle' | 'processing' | 'testing' | 'stopped' | 'down';
  /** The feeder's state keyword without its "Scanner" prefix (AdfLoaded, AdfEmpty, AdfJam...), or null. */
  adf: string | null;
}

export interface ScanSettings {
  source: ScanSource;
  duplex: boolean;
  colorMode: ScanColorMode;
  resolution: number;
  /** The format asked of the scanner (JPEG pages are embedded in the PDF as they are). */
  format: string;
}

/**
 * A scanner the connector pulls pages from. Failures are UpstreamErrors with codes scanner_unreachable,
 * scanner_busy (retryable), scanner_jam, scanner_feeder_empty, scanner_timeout, scanner_failed.
 */
export interface ScannerDevice {
  capabilities(scanner: ScannerConfig, signal?: AbortSignal): Promise<ScannerCapabilities>;
  status(scanner: ScannerConfig, signal?: AbortSignal): Promise<ScannerStatus>;
  /** POST ScanJobs; resolves with the job's URL (its Location). */
  startJob(scanner: ScannerConfig, settings: ScanSettings, signal?: AbortSignal): Promise<string>;
  /**
   * GET {job}/NextDocument, written to `destination`; resolves with the page's MIME type, or null when
   * the scanner says there are no more pages (404). A page that does not arrive within the page time
   * limit is scanner_timeout.
   */
  nextPage(
    scanner: ScannerConfig,
    jobUrl: string,
    destination: string,
    signal?: AbortSignal,
  ): Promise<string | null>;
  /** DELETE the job at the scanner; ignores a job the scanner no longer knows. */
  cancel(scanner: ScannerConfig, jobUrl: string): Promise<void>;
}

// ---- Scan jobs (pulled from a scanner; kept where every instance can see them) -------------

/**
 * turn_pages: the fronts of a two-sided scan on a one-sided feeder are in; the person turns the stack
 * over and asks for the backs. processing: the pages are being finished (OCR, blank pages, size).
 */
export type ScanJobState =
  | 'queued'
  | 'scanning'
  | 'turn_pages'
  | 'processing'
  | 'uploading'
  | 'completed'
  | 'failed'
  | 'canceled';

export interface ScanJob {
  scanJobId: string;
  /** Pseudonymous owner: the session's user key; only the owner may read or cancel the job. */
  ownerKey: string;
  printerId: string;
  state: ScanJobState;
  settings: ScanSettings;
  /** Pages received from the scanner so far. */
  pages: number;
  folderId: string;
  folderName: string;
  /** The name asked for (cleaned); Drive's name once uploaded. */
  name: string;
  fileId: string | null;
  duplicateName: boolean;
  error: { code: string; message: string } | null;
  /** The instance that runs the job (absent on jobs stored before instances were recorded). */
  instanceId?: string;
  /** What to do to the pages before they go to Drive (absent: as scanned). */
  finish?: ScanFinish;
  /** The finishing step running now (state processing). */
  progress?: FinishProgress | null;
  /** Fronts scanned before the stack was turned (two-sided on a one-sided feeder). */
  fronts?: number;
  /** The person turned the stack and asked for the backs (any instance may record it). */
  backsRequested?: boolean;
  /** Blank pages left out, once finished. */
  blankRemoved?: number;
  createdAt: number;
  updatedAt: number;
}

export type ScanJobStore = JobStore<ScanJob>;
