// Pull delivery: a prepared PDF waits in TEMP_DIR until the device fetches it once from a capability
// URL. This module owns that file from the moment it leaves the print scope: every path that ends it
// (fetched, interrupted, withdrawn, expired, failed to publish) goes through `discard`.
//
// A large PDF that needs no conversion is published while it still downloads (publish with `growth`):
// the device's fetch streams the file as it grows. Its link is then a second name of the print scope's
// file (a hard link), so the download's retries, which reopen the scope's file, write the published
// document too, and neither name can outlive its owner. While the download runs, the job and the
// delivery both learn how it ends; a `PullWatch` decides, once, which of them records the job's end.

import { createHash, createHmac } from 'node:crypto';
import { type FileHandle, link, open, rename, stat } from 'node:fs/promises';
import { PDF } from './document-formats.js';
import { NotFoundError } from './errors.js';
import type {
  AuditLog,
  Clock,
  DocumentGrowth,
  PrintTicket,
  PulledDocument,
  PulledDocumentStore,
} from './ports.js';
import { OptionUnsupportedError } from './print-options.js';
import type { TempFiles } from './temp-files.js';

export interface PullDocumentsOptions {
  store: PulledDocumentStore;
  temp: TempFiles;
  audit: AuditLog;
  clock: Clock;
  /** Server secret from which each job's link is derived; the links themselves are never stored. */
  secret: string;
  /** How long a prepared document waits to be fetched. */
  seconds: number;
  /** PUBLIC_URL without trailing slash; links are `${publicUrl}/pull/<capability>`. */
  publicUrl: string;
}

/**
 * What the device receives: the open file, complete with its size, or (while it still downloads) with
 * its growth, to be sent as it grows (writeFileTo), without a size.
 */
export type PulledBody = {
  contentType: string;
  /**
   * Whether `sent` bytes are the whole document, once the transfer failed: a device that closes as
   * soon as it has the last byte can beat the response's own end. False while the download runs.
   */
  complete(sent: number): Promise<boolean>;
} & (
  | { file: FileHandle; size: number; growth?: undefined }
  | { file: FileHandle; growth: DocumentGrowth; size: null }
);

/**
 * fetched: `send` finished; interrupted: it failed midway (the device); missing: the file is not on
 * this instance; broken: the document's download failed or started again while it was sent (the
 * job's download records that), or the job took the recording over first.
 */
export type PullOutcome = 'fetched' | 'interrupted' | 'missing' | 'broken';

/**
 * A document published while it downloads, as its job sees it. Until the download ended, both the job
 * (its download failed, or it was canceled) and the delivery (fetched, broken off by the device,
 * expired) may end it: the first to claim it records the job's end, the other records nothing.
 */
export interface PullWatch {
  /** A device's fetch broke because the download failed or started again: the job is to fail. */
  readonly broken: boolean;
  /** The job takes over after its download failed; false when the delivery already recorded the end. */
  takeOver(): boolean;
}

type Recorder = 'delivery' | 'download';

/** The in-process state of a document published while it downloads (publish with growth). */
class Growing implements PullWatch {
  private recorder: Recorder | null = null;
  broken = false;

  constructor(
    readonly growth: DocumentGrowth,
    private readonly stopDownload: () => void,
  ) {}

  /** The first claim wins; true when `by` is (now) the one to record the job's end. */
  claim(by: Recorder): boolean {
    this.recorder ??= by;
    return this.recorder === by;
  }

  takeOver(): boolean {
    return this.claim('download');
  }

  /** The document is no longer fetchable: its download is not needed any more. */
  ended(by: Recorder): void {
    this.claim(by);
    if (!this.growth.ended) this.stopDownload();
  }

  /** Whether the download failed or started again since `attempt`: what was sent is no document. */
  async brokeSince(attempt: number): Promise<boolean> {
    if (this.growth.attempt !== attempt) return true;
    if (!this.growth.ended) return false;
    return this.growth.finished.then(
      () => false,
      () => true,
    );
  }

  /** The final size once the download finished; null while it runs; throws if it failed. */
  async size(): Promise<number | null> {
    return this.growth.ended ? this.growth.finished : null;
  }
}

const hashOf = (capability: string) => createHash('sha256').update(capability).digest('hex');

/**
 * The recorded size of a document published while it downloads: not known yet, and only the instance
 * that downloads it can follow its growth (another one answers as for a file it does not have).
 */
const STILL_DOWNLOADING = -1;

/**
 * A device fetches only the document and prints it with its own settings, so the only option that can be
 * honoured is which pages it holds (they are cut here). Throws option_unsupported (400) for any other.
 */
export function checkPullTicket(ticket: PrintTicket): void {
  const others = Object.keys(ticket).filter((option) => option !== 'pageRanges');
  const first = others[0];
  if (first === undefined) return;
  throw new OptionUnsupportedError(
    first,
    `Pull delivery takes only pages: the printer fetches the document and prints it with its own settings. Leave out ${others.join(', ')}.`,
  );
}

/** Prepared documents a device fetches once; single-use links, deleted files on every path. */
export class PullDocuments {
  private readonly key: Buffer;
  /** Documents published while they download, by job id, until they are discarded. */
  private readonly growing = new Map<string, Growing>();

  constructor(private readonly o: PullDocumentsOptions) {
    // A key of its own, so a link reveals nothing about the session secret's other uses.
    this.key = createHmac('sha256', o.secret).update('pull-document links').digest();
  }

  /**
   * The job's link: HMAC-SHA256 of the job id (256 bits, base64url). Derived, not stored, so the owner's
   * page can show it again while only its sha256 is kept where every instance can see it.
   */
  documentUrl(jobId: string): string {
    return `${this.o.publicUrl}/pull/${this.capability(jobId)}`;
  }

  /**
   * Takes over `prepared` (a file of a print scope, which would delete it) and makes it fetchable for
   * PULL_SECONDS. When publishing fails the file is deleted here; when the move fails the scope still
   * owns (and deletes) the original.
   *
   * With `growth`, `prepared` is still being downloaded: the link is a second name of the scope's file
   * (the scope keeps its own name until the download ended), a fetch streams it as it grows, and
   * `stopDownload` is called when the document stops being fetchable before its download ended.
   */
  async publish(input: {
    prepared: string;
    jobId: string;
    userEmail: string;
    fileId: string;
    growth?: DocumentGrowth;
    stopDownload?: () => void;
  }): Promise<PullWatch> {
    const path = this.o.temp.reservePath('print');
    if (input.growth) await link(input.prepared, path);
    else await rename(input.prepared, path);
    const doc: PulledDocument = {
      hash: hashOf(this.capability(input.jobId)),
      jobId: input.jobId,
      path,
      size: 0,
      userEmail: input.userEmail,
      fileId: input.fileId,
      expiresAt: this.o.clock.now() + this.o.seconds * 1000,
    };
    const watch = new Growing(input.growth ?? finishedGrowth, input.stopDownload ?? (() => undefined));
    try {
      if (input.growth) {
        doc.size = STILL_DOWNLOADING;
        this.growing.set(input.jobId, watch);
      } else doc.size = (await stat(path)).size;
      await this.o.store.create(doc);
    } catch (err) {
      await this.discard(doc, 'pull_failed');
      throw err;
    }
    return watch;
  }

  /**
   * Whether a link would serve now, and how big its document is (HEAD; null while it still
   * downloads); uses nothing up.
   */
  async peek(capability: string): Promise<{ size: number | null; contentType: string }> {
    const doc = await this.o.store.get(hashOf(capability));
    if (!doc || doc.expiresAt <= this.o.clock.now()) throw gone();
    const growing = this.growing.get(doc.jobId);
    if (!growing) return { size: doc.size === STILL_DOWNLOADING ? null : doc.size, contentType: PDF };
    const size = await growing.size().catch(() => {
      throw gone();
    });
    return { size, contentType: PDF };
  }

  /**
   * Hands the document to `send` once: the first request uses the link up, whether or not the transfer
   * completes, and the file is deleted afterwards on every path. Throws 404 for a link that is unknown,
   * used or expired, or whose download failed.
   *
   * A document still downloading is handed over growing: only a transfer that sent every byte of a
   * finished download is fetched; one the download broke (failed, started again) is broken, and its
   * job records the download's error; one the device broke off is interrupted, and the download stops.
   */
  async deliver(
    capability: string,
    send: (body: PulledBody) => Promise<void>,
  ): Promise<{ doc: PulledDocument; outcome: PullOutcome }> {
    const doc = await this.o.store.take(hashOf(capability), this.o.clock.now());
    if (!doc) throw gone();
    const growing = this.growing.get(doc.jobId);
    let size: number | null = doc.size;
    if (growing) {
      try {
        size = await growing.size();
      } catch {
        // The download failed before this fetch began: its job records that, and nothing is sent.
        await this.discard(doc, 'pull_failed');
        throw gone();
      }
    }
    let handle: FileHandle | null = null;
    try {
      if (size === STILL_DOWNLOADING) throw new Error('downloading on another instance');
      handle = await open(doc.path, 'r');
    } catch {
      // Emptied by a restart, or prepared by another instance with its own TEMP_DIR.
      growing?.ended('delivery');
      await this.discard(doc, 'pull_missing');
      return { doc, outcome: 'missing' };
    }
    const attempt = growing?.growth.attempt ?? 0;
    let outcome: PullOutcome = 'fetched';
    try {
      if (size !== null) {
        const whole = size;
        await send({
          file: handle,
          size: whole,
          contentType: PDF,
          complete: async (sent) => sent === whole,
        });
      } else if (growing) {
        const { growth } = growing;
        await send({
          file: handle,
          growth,
          size: null,
          contentType: PDF,
          complete: async (sent) => sent === (await growing.size().catch(() => null)),
        });
      }
      growing?.claim('delivery');
    } catch {
      if (growing && (await growing.brokeSince(attempt))) {
        growing.broken = true;
        growing.claim('download');
        outcome = 'broken';
      } else {
        outcome = growing && !growing.claim('delivery') ? 'broken' : 'interrupted';
      }
    } finally {
      growing?.ended(outcome === 'broken' ? 'download' : 'delivery');
      await handle.close();
      await this.discard(doc, outcome === 'broken' ? 'pull_failed' : 'pull_fetched');
    }
    return { doc, outcome };
  }

  /** The job was canceled: its document is no longer fetchable and is deleted. */
  async withdraw(jobId: string): Promise<boolean> {
    this.growing.get(jobId)?.ended('download');
    const doc = await this.o.store.remove(hashOf(this.capability(jobId)));
    if (doc) await this.discard(doc, 'pull_canceled');
    return doc !== null;
  }

  /** Deletes documents nobody fetched in time; returns them so their jobs can say so. */
  async sweep(): Promise<PulledDocument[]> {
    const expired = await this.o.store.removeExpired(this.o.clock.now());
    for (const doc of expired) {
      this.growing.get(doc.jobId)?.ended('delivery');
      await this.discard(doc, 'pull_expired');
    }
    return expired;
  }

  private capability(jobId: string): string {
    return createHmac('sha256', this.key).update(jobId).digest('base64url');
  }

  /** The one place a pulled document's file is deleted. */
  private async discard(doc: PulledDocument, reason: string): Promise<void> {
    this.growing.delete(doc.jobId);
    if (await this.o.temp.remove(doc.path)) {
      await this.o.audit.record({
        event: 'temp.deleted',
        user: doc.userEmail,
        fileId: doc.fileId,
        detail: { jobId: doc.jobId, reason },
      });
    }
  }
}

/** The growth of a document published complete: never consulted. */
const finishedGrowth: DocumentGrowth = {
  written: 0,
  attempt: 1,
  ended: true,
  finished: Promise.resolve(0),
  onChange: () => () => undefined,
};

function gone(): NotFoundError {
  return new NotFoundError(
    'There is no document at this address. Print it again from the panel.',
    'pull_not_found',
  );
}
