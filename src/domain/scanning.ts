import { createHash, randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { AppError, BadInputError, ForbiddenError, NotFoundError, UnsupportedTypeError } from './errors.js';
import type {
  AuditLog,
  Clock,
  Drive,
  FinishProgress,
  ScanFinish,
  ScanOutcome,
  ScanTicket,
  ScanTicketStore,
} from './ports.js';
import { cleanScanName, filingAction, type ScanType, safeDriveName, sniffScanType } from './scan-files.js';
import { AS_SCANNED, needsFinishing, type ScanFinisher } from './scan-finishing.js';
import { diskFault, type TempFiles, type TempScope } from './temp-files.js';

/** Combines page files (PDF, JPEG, PNG) into one PDF. */
export interface PdfCombiner {
  combine(
    pages: Array<{ path: string; type: ScanType }>,
    outputPath: string,
    options?: CombineOptions,
  ): Promise<{ pages: number }>;
}

export interface CombineOptions {
  /** The scan's resolution: the size of an image page whose file does not state its own. */
  dpi?: number;
}

/** The Drive of the user a ticket belongs to, while their session lives. */
export type DriveForSession = (sid: string) => Promise<Drive | null>;

/** Outcomes of used tickets, readable by the panel that created them. */
export interface ScanOutcomeStore {
  set(ticketHash: string, outcome: ScanOutcome, ttlMs: number): Promise<void>;
  get(ticketHash: string): Promise<ScanOutcome | null>;
}

export interface ScanServiceOptions {
  temp: TempFiles;
  audit: AuditLog;
  clock: Clock;
  tickets: ScanTicketStore;
  outcomes: ScanOutcomeStore;
  combiner: PdfCombiner;
  /** OCR, blank pages, two-sided order and size, when a scan asks for them. */
  finisher: ScanFinisher;
  driveForSession: DriveForSession;
  ticketSeconds: number;
  /** Pages one 'many' ticket accepts. */
  maxPages?: number;
}

export interface ReceivedFile {
  /** Temporary file written by the upload parser (inside TEMP_DIR). */
  path: string;
  size: number;
}

export interface Destination {
  folderId: string;
  /** The name asked for; cleaned here. */
  name?: string;
}

export interface ScanResult {
  fileId: string;
  name: string;
  folderId: string;
  folderName: string;
  duplicateName: boolean;
  /** What finishing did; absent when the scan went to Drive as it came. */
  finished?: { pages: number; blankRemoved: number; searchable: boolean };
}

/** The document that goes to Drive, after finishing when it was asked for. */
interface Prepared {
  path: string;
  size: number;
  type: ScanType;
  finished?: ScanResult['finished'];
}

/** An open ticket as its panel sees it: waiting for the first page, receiving pages, or saving. */
export interface TicketProgress {
  state: 'waiting' | 'receiving' | 'saving';
  pages: number;
  expiresAt: number;
}

/** The panel session asking about a ticket; only the session that created it may act on it. */
export interface TicketOwner {
  sid: string;
  ownerKey: string;
}

const hashOf = (capability: string) => createHash('sha256').update(capability).digest('hex');

/** Scans into Drive: from the panel, or from a device with a single-use ticket. */
export class ScanService {
  private readonly o: Required<ScanServiceOptions>;

  constructor(options: ScanServiceOptions) {
    this.o = { maxPages: 200, ...options };
  }

  /**
   * Runs one scan request of `user` (a panel upload, a device's upload): every temporary file it
   * receives or makes lives in `files`, which deletes them when the request ends, on every path
   * (success, a refused or broken upload, a client that went away), unless a ticket kept a page.
   */
  receive<T>(user: string, work: (files: TempScope) => Promise<T>): Promise<T> {
    return this.scoped(user, 'scan', work);
  }

  /** A scan uploaded from the panel's browser goes to Drive; call inside `receive`, which deletes it. */
  async uploadFromPanel(input: {
    drive: Drive;
    file: ReceivedFile;
    to: Destination;
    userEmail: string;
    fallbackName: string;
    finish?: ScanFinish;
    files: TempScope;
    signal?: AbortSignal;
  }) {
    const finish = input.finish ?? AS_SCANNED;
    await this.o.finisher.check(finish);
    const folder = await this.folder(input.drive, input.to.folderId);
    const type = await this.typeOf(input.file.path);
    const document = await this.prepare(
      { path: input.file.path, size: input.file.size, type },
      finish,
      input.files,
      input.signal,
    );
    return this.send(input.drive, {
      ...document,
      folderId: folder.id,
      folderName: folder.name,
      name: cleanScanName(input.to.name, document.type, input.fallbackName),
      userEmail: input.userEmail,
    });
  }

  /** Whether OCR can run here now (the scan page offers "Searchable PDF" only then). */
  async ocrAvailable(): Promise<boolean> {
    return (await this.o.finisher.ocrStatus()).installed;
  }

  /** The scan as received, or finished as asked (always a PDF then), in `files`. */
  private async prepare(
    received: { path: string; size: number; type: ScanType; pages?: number },
    finish: ScanFinish,
    files: TempScope,
    signal?: AbortSignal,
    onProgress?: (progress: FinishProgress) => void,
  ): Promise<Prepared> {
    if (!needsFinishing(finish)) return { path: received.path, size: received.size, type: received.type };
    const done = await this.o.finisher.finish(finish, {
      path: received.path,
      type: received.type,
      ...(received.pages ? { pages: received.pages } : {}),
      nextFile: () => files.create(),
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
    return {
      path: done.path,
      size: (await stat(done.path)).size,
      type: 'application/pdf',
      finished: { pages: done.pages, blankRemoved: done.blankRemoved, searchable: done.searchable },
    };
  }

  /** A new single-use capability for a device; only its hash is stored. */
  async createTicket(input: {
    drive: Drive;
    sid: string;
    ownerKey: string;
    userEmail: string;
    to: Destination;
    pages: 'one' | 'many';
    fallbackName: string;
    finish?: ScanFinish;
  }): Promise<{ capability: string; ticketId: string; expiresAt: number; folderName: string }> {
    const finish = input.finish ?? AS_SCANNED;
    await this.o.finisher.check(finish);
    const folder = await this.folder(input.drive, input.to.folderId);
    const capability = randomBytes(32).toString('base64url');
    const hash = hashOf(capability);
    const expiresAt = this.o.clock.now() + this.o.ticketSeconds * 1000;
    await this.o.tickets.create({
      hash,
      sid: input.sid,
      ownerKey: input.ownerKey,
      userEmail: input.userEmail,
      folderId: folder.id,
      folderName: folder.name,
      // The real extension is known only when the bytes arrive; keep the bare cleaned name.
      name: safeDriveName(input.to.name, input.fallbackName),
      pages: input.pages,
      expiresAt,
      parts: [],
      state: 'open',
      ...(needsFinishing(finish) ? { finish } : {}),
    });
    return { capability, ticketId: hash, expiresAt, folderName: folder.name };
  }

  /** Refuses early, before a body is read, a capability that cannot be used. */
  async checkTicket(capability: string): Promise<ScanTicket> {
    return this.usable(await this.o.tickets.get(hashOf(capability)));
  }

  /**
   * A device's HTTP filing request on a scan link, inside `receive`. Only PutFile (or our own `file`
   * form) uses the ticket; directory operations succeed and change nothing, DeleteFile is refused.
   */
  async fileWithTicket(
    capability: string,
    input: { operation: string | undefined; file: ReceivedFile | null },
    files: TempScope,
  ): Promise<{ fileId: string; name: string } | { pages: number } | { directory: true }> {
    const action = filingAction(input.operation);
    if (action === 'put' && input.file) return this.receiveWithTicket(capability, input.file, files);
    if (action === null)
      throw new BadInputError('Unknown operation. Use PutFile to send a scan.', 'unknown_operation');
    if (action === 'delete')
      throw new ForbiddenError('This scan link only receives documents.', 'operation_refused');
    if (action === 'directory') {
      await this.checkTicket(capability);
      return { directory: true };
    }
    throw new BadInputError('No file was sent. Send it in a field named "file".', 'no_file');
  }

  /** The ticket if a device may still use it; otherwise the reason why not. */
  private usable(ticket: ScanTicket | null): ScanTicket {
    if (!ticket)
      throw new NotFoundError(
        'This scan link is not valid. Start the scan again at the panel.',
        'ticket_not_found',
      );
    if (ticket.expiresAt <= this.o.clock.now())
      throw ticketGone('ticket_expired', 'This scan link has expired. Start again at the panel.');
    if (ticket.state !== 'open')
      throw ticketGone('ticket_used', 'This scan link was already used. Start again at the panel.');
    return ticket;
  }

  /**
   * A device upload: the whole document ('one') or one page ('many'). A page the ticket accepts is
   * kept out of `files` (the ticket deletes it when it ends); anything else goes with `files`.
   */
  async receiveWithTicket(
    capability: string,
    file: ReceivedFile,
    files: TempScope,
  ): Promise<{ fileId: string; name: string } | { pages: number }> {
    const hash = hashOf(capability);
    const ticket = await this.checkTicket(capability);
    if (ticket.pages === 'many') {
      const type = await this.typeOf(file.path);
      if (type === 'image/tiff') {
        throw new UnsupportedTypeError('Pages to combine must be PDF, JPEG or PNG.', 'unsupported_page_type');
      }
      if (ticket.parts.length >= this.o.maxPages)
        throw new BadInputError('Too many pages for one scan.', 'too_many_pages');
      if (!(await this.o.tickets.addPart(hash, file.path, this.o.clock.now()))) {
        throw ticketGone('ticket_used', 'This scan link was already used. Start again at the panel.');
      }
      // The ticket holds the page now and deletes it when it ends (finish, cancel, expiry, sign-out).
      files.keep(file.path);
      return { pages: ticket.parts.length + 1 };
    }
    const taken = await this.o.tickets.take(hash, this.o.clock.now());
    if (!taken) throw ticketGone('ticket_used', 'This scan link was already used. Start again at the panel.');
    return this.complete(taken, [file], files);
  }

  /** Ends a 'many' ticket from the device: combines the pages into one PDF and uploads it. */
  async finish(capability: string): Promise<{ fileId: string; name: string }> {
    return this.finishTicket(await this.checkTicket(capability));
  }

  /** Ends a 'many' ticket from the panel that created it. */
  async finishFromPanel(ticketId: string, owner: TicketOwner): Promise<{ fileId: string; name: string }> {
    return this.finishTicket(this.usable(await this.owned(ticketId, owner)));
  }

  /** The panel gives up on a ticket: its pages are deleted and the link dies (410 from then on). */
  async cancelFromPanel(ticketId: string, owner: TicketOwner): Promise<void> {
    const ticket = this.usable(await this.owned(ticketId, owner));
    const taken = await this.o.tickets.take(ticket.hash, this.o.clock.now());
    if (!taken) throw ticketGone('ticket_used', 'This scan link was already used. Start again at the panel.');
    try {
      await this.discard(taken, 'scan_canceled');
    } finally {
      const ttl = Math.max(60_000, taken.expiresAt - this.o.clock.now());
      await this.o.outcomes.set(taken.hash, { state: 'canceled' }, ttl);
    }
  }

  /** What became of a ticket, or how far it got, for its owner's panel. */
  async outcome(ticketId: string, ownerKey: string): Promise<ScanOutcome | TicketProgress> {
    const ticket = await this.o.tickets.get(ticketId);
    if (ticket && ticket.ownerKey !== ownerKey) throw new NotFoundError('No such scan.', 'ticket_not_found');
    const done = await this.o.outcomes.get(ticketId);
    if (done) return done;
    if (!ticket) throw new NotFoundError('No such scan.', 'ticket_not_found');
    const pages = ticket.parts.length;
    const state = ticket.state === 'used' ? 'saving' : pages > 0 ? 'receiving' : 'waiting';
    return { state, pages, expiresAt: ticket.expiresAt };
  }

  /**
   * A bad finish changes nothing: a single-document ticket or one without pages stays open. Only a
   * finish that can succeed takes the ticket.
   */
  private async finishTicket(ticket: ScanTicket): Promise<{ fileId: string; name: string }> {
    if (ticket.pages !== 'many')
      throw new BadInputError(
        'This scan link takes one upload and no finish. Send the document itself.',
        'not_a_page_ticket',
      );
    if (ticket.parts.length === 0)
      throw new BadInputError('No pages were received for this scan yet.', 'no_pages');
    const taken = await this.o.tickets.take(ticket.hash, this.o.clock.now());
    if (!taken) throw ticketGone('ticket_used', 'This scan link was already used. Start again at the panel.');
    return this.scoped(taken.userEmail, 'scan', (files) => {
      files.adopt(taken.parts);
      return this.complete(
        taken,
        taken.parts.map((path) => ({ path, size: 0 })),
        files,
      );
    });
  }

  /** A ticket of this panel session; anyone else's is not found. */
  private async owned(ticketId: string, owner: TicketOwner): Promise<ScanTicket> {
    const ticket = await this.o.tickets.get(ticketId);
    if (!ticket || ticket.ownerKey !== owner.ownerKey || ticket.sid !== owner.sid)
      throw new NotFoundError('No such scan.', 'ticket_not_found');
    return ticket;
  }

  /** The session ended: its tickets die and their pages are deleted. */
  async endSession(sid: string): Promise<void> {
    for (const ticket of await this.o.tickets.removeBySession(sid))
      await this.discard(ticket, 'session_ended');
  }

  /** Deletes expired tickets and their pages. */
  async sweep(): Promise<number> {
    const expired = await this.o.tickets.removeExpired(this.o.clock.now());
    for (const ticket of expired) await this.discard(ticket, 'ticket_expired');
    return expired.length;
  }

  /** Uploads a taken ticket's document; `scope` holds its files and deletes them afterwards. */
  private async complete(
    ticket: ScanTicket,
    files: ReceivedFile[],
    scope: TempScope,
  ): Promise<{ fileId: string; name: string }> {
    const ttl = Math.max(60_000, ticket.expiresAt - this.o.clock.now());
    const paths = files.map((f) => f.path);
    try {
      const drive = await this.o.driveForSession(ticket.sid);
      if (!drive)
        throw ticketGone(
          'ticket_session_ended',
          'The person who started this scan has signed out. Start again.',
        );
      const received: { path: string; size: number; type: ScanType; pages?: number } =
        ticket.pages === 'many'
          ? { ...(await this.combined(paths, scope)), type: 'application/pdf' }
          : {
              path: paths[0] as string,
              size: files[0]?.size as number,
              type: await this.typeOf(paths[0] as string),
            };
      // The panel that waits for this ticket sees each step ("making it searchable: page 2 of 5").
      const progress = (p: FinishProgress) =>
        void this.o.outcomes.set(ticket.hash, { state: 'saving', progress: p }, ttl).catch(() => undefined);
      const document = await this.prepare(received, ticket.finish ?? AS_SCANNED, scope, undefined, progress);
      const result = await this.send(drive, {
        ...document,
        folderId: ticket.folderId,
        folderName: ticket.folderName,
        name: cleanScanName(ticket.name, document.type, ticket.name),
        userEmail: ticket.userEmail,
      });
      await this.o.outcomes.set(
        ticket.hash,
        {
          state: 'uploaded',
          fileId: result.fileId,
          name: result.name,
          duplicateName: result.duplicateName,
          ...(result.finished ?? {}),
        },
        ttl,
      );
      return { fileId: result.fileId, name: result.name };
    } catch (caught) {
      const err = diskFault(caught) ?? caught;
      const error =
        err instanceof AppError
          ? { code: err.code, message: err.message }
          : { code: 'scan_failed', message: 'The scan could not be saved. Try again.' };
      await this.o.outcomes.set(ticket.hash, { state: 'failed', error }, ttl);
      throw err;
    }
    // The used ticket stays (state 'used') until it expires, so a second use is told so (410).
  }

  private async combined(pages: string[], scope: TempScope): Promise<ReceivedFile & { pages: number }> {
    const typed = [];
    for (const path of pages) typed.push({ path, type: await this.typeOf(path) });
    const out = await scope.create();
    let count: number;
    try {
      count = (await this.o.combiner.combine(typed, out)).pages;
    } catch (err) {
      if (diskFault(err)) throw err;
      // pdf-lib could not read a page whose first bytes looked right: the device sent a broken file.
      throw new BadInputError('A page of this scan could not be read. Scan it again.', 'unreadable_page');
    }
    return { path: out, size: (await stat(out)).size, pages: count };
  }

  private async send(
    drive: Drive,
    s: Prepared & {
      folderId: string;
      folderName: string;
      name: string;
      userEmail: string;
    },
  ): Promise<ScanResult> {
    const duplicateName = (await drive.countNamed(s.folderId, s.name)) > 0;
    const uploaded = await drive.upload({
      filePath: s.path,
      name: s.name,
      folderId: s.folderId,
      mimeType: s.type,
      size: s.size,
    });
    await this.o.audit.record({
      event: 'scan.uploaded',
      user: s.userEmail,
      fileId: uploaded.id,
      detail: { folderId: s.folderId },
    });
    return {
      fileId: uploaded.id,
      name: uploaded.name,
      folderId: s.folderId,
      folderName: s.folderName,
      duplicateName,
      ...(s.finished ? { finished: s.finished } : {}),
    };
  }

  /**
   * The one place scan temporary files end: runs `work` in a scope that deletes every file it
   * created or adopted, on every path, and records `temp.deleted` (and `scan.failed` when a document
   * was received but did not reach Drive). A disk fault becomes temp_full or temp_unwritable.
   */
  private async scoped<T>(user: string, reason: string, work: (files: TempScope) => Promise<T>): Promise<T> {
    const files = this.o.temp.scope('scan', (deleted) =>
      this.o.audit.record({ event: 'temp.deleted', user, detail: { files: deleted, reason } }),
    );
    try {
      return await files.run(work);
    } catch (err) {
      if (files.held > 0) {
        const code = err instanceof AppError ? err.code : 'scan_failed';
        await this.o.audit.record({ event: 'scan.failed', user, detail: { code } });
      }
      throw err;
    }
  }

  /** A ticket ended without an upload: its pages are deleted. */
  private async discard(ticket: ScanTicket, reason: string): Promise<void> {
    await this.scoped(ticket.userEmail, reason, async (files) => files.adopt(ticket.parts));
  }

  private async folder(drive: Drive, folderId: string): Promise<{ id: string; name: string }> {
    const item = await drive.get(folderId);
    if (!item.isFolder) throw new BadInputError('Choose a folder to save the scan in.', 'not_a_folder');
    return { id: item.id, name: folderId === 'root' ? 'My Drive' : item.name };
  }

  private async typeOf(path: string): Promise<ScanType> {
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(16);
      await handle.read(head, 0, 16, 0);
      const type = sniffScanType(head);
      if (!type)
        throw new UnsupportedTypeError(
          'Only PDF, JPEG, PNG and TIFF scans are accepted.',
          'unsupported_scan_type',
        );
      return type;
    } finally {
      await handle.close();
    }
  }
}

function ticketGone(code: string, message: string): AppError {
  return new AppError(code, 410, message);
}
