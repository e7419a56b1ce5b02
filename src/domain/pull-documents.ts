// Pull delivery: a prepared PDF waits in TEMP_DIR until the device fetches it once from a capability
// URL. This module owns that file from the moment it leaves the print scope: every path that ends it
// (fetched, interrupted, withdrawn, expired, failed to publish) goes through `discard`.

import { createHash, createHmac } from 'node:crypto';
import { type FileHandle, open, rename, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PDF } from './document-formats.js';
import { NotFoundError } from './errors.js';
import type { AuditLog, Clock, PrintTicket, PulledDocument, PulledDocumentStore } from './ports.js';
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

/** What the device receives. */
export interface PulledBody {
  stream: Readable;
  size: number;
  contentType: string;
}

/** fetched: `send` finished; interrupted: it failed midway; missing: the file is not on this instance. */
export type PullOutcome = 'fetched' | 'interrupted' | 'missing';

const hashOf = (capability: string) => createHash('sha256').update(capability).digest('hex');

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
   */
  async publish(input: {
    prepared: string;
    jobId: string;
    userEmail: string;
    fileId: string;
  }): Promise<void> {
    const path = this.o.temp.reservePath('print');
    await rename(input.prepared, path);
    const doc: PulledDocument = {
      hash: hashOf(this.capability(input.jobId)),
      jobId: input.jobId,
      path,
      size: 0,
      userEmail: input.userEmail,
      fileId: input.fileId,
      expiresAt: this.o.clock.now() + this.o.seconds * 1000,
    };
    try {
      doc.size = (await stat(path)).size;
      await this.o.store.create(doc);
    } catch (err) {
      await this.discard(doc, 'pull_failed');
      throw err;
    }
  }

  /** Whether a link would serve now, and how big its document is (HEAD); uses nothing up. */
  async peek(capability: string): Promise<{ size: number; contentType: string }> {
    const doc = await this.o.store.get(hashOf(capability));
    if (!doc || doc.expiresAt <= this.o.clock.now()) throw gone();
    return { size: doc.size, contentType: PDF };
  }

  /**
   * Hands the document to `send` once: the first request uses the link up, whether or not the transfer
   * completes, and the file is deleted afterwards on every path. Throws 404 for a link that is unknown,
   * used or expired.
   */
  async deliver(
    capability: string,
    send: (body: PulledBody) => Promise<void>,
  ): Promise<{ doc: PulledDocument; outcome: PullOutcome }> {
    const doc = await this.o.store.take(hashOf(capability), this.o.clock.now());
    if (!doc) throw gone();
    let handle: FileHandle | null = null;
    try {
      handle = await open(doc.path, 'r');
    } catch {
      // Emptied by a restart, or prepared by another instance with its own TEMP_DIR.
      await this.discard(doc, 'pull_missing');
      return { doc, outcome: 'missing' };
    }
    try {
      await send({ stream: handle.createReadStream({ autoClose: false }), size: doc.size, contentType: PDF });
      return { doc, outcome: 'fetched' };
    } catch {
      return { doc, outcome: 'interrupted' };
    } finally {
      await handle.close();
      await this.discard(doc, 'pull_fetched');
    }
  }

  /** The job was canceled: its document is no longer fetchable and is deleted. */
  async withdraw(jobId: string): Promise<boolean> {
    const doc = await this.o.store.remove(hashOf(this.capability(jobId)));
    if (doc) await this.discard(doc, 'pull_canceled');
    return doc !== null;
  }

  /** Deletes documents nobody fetched in time; returns them so their jobs can say so. */
  async sweep(): Promise<PulledDocument[]> {
    const expired = await this.o.store.removeExpired(this.o.clock.now());
    for (const doc of expired) await this.discard(doc, 'pull_expired');
    return expired;
  }

  private capability(jobId: string): string {
    return createHmac('sha256', this.key).update(jobId).digest('base64url');
  }

  /** The one place a pulled document's file is deleted. */
  private async discard(doc: PulledDocument, reason: string): Promise<void> {
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

function gone(): NotFoundError {
  return new NotFoundError(
    'There is no document at this address. Print it again from the panel.',
    'pull_not_found',
  );
}
