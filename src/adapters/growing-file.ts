import type { FileHandle } from 'node:fs/promises';
import { UpstreamError } from '../domain/errors.js';
import type { DocumentGrowth } from '../domain/ports.js';

/** What writeFileTo sends: a complete file of `size` bytes, or one still being written. */
export type FileSource = { size: number } | { growth: DocumentGrowth };

/** The side the file goes to: an HTTP request or response, or any Writable. */
export interface WriteTarget {
  write(chunk: Buffer, callback: (err?: Error | null) => void): boolean;
  end(): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  removeListener(event: 'drain' | 'close', listener: () => void): unknown;
  readonly destroyed: boolean;
}

export interface WriteFileOptions {
  /** Called whenever the target took a piece or the writer added bytes: a transfer that moves. */
  onActivity?: () => void;
  /** Called with each piece's size once the target has written it. */
  onWritten?: (bytes: number) => void;
  /** True once the sender should give up quietly (the other side answered early, or it was stopped). */
  stopped?: () => boolean;
}

// Four pieces of 256 KiB, read into again and again: a 500 MB document allocates 1 MiB, not 500 MB of
// short-lived Buffers whose external memory makes V8 run a full collection every few megabytes (that
// took more CPU than the transfer itself; see docs/performance.md).
const SLOT_BYTES = 256 * 1024;
const SLOTS = 4;

/**
 * Writes a file to `target` and ends it, reading each piece into one of a few buffers that are used
 * again once the target says it has written them (the write callback: the bytes are in the kernel).
 * Back-pressure is the target's: at most SLOTS pieces are in flight.
 *
 * A file that is still being written (see DocumentGrowth) is followed: each piece is read once the
 * writer has written it, and the sender waits while it has caught up. When the writer starts again (a
 * retried download truncated the file), what was sent is no longer the document: this fails with a
 * retryable error, and the caller sends the complete file later. When the writer gives up, this fails
 * with its error. Resolves 'sent' when every byte was written and the target ended, 'stopped' when the
 * target closed or `stopped()` turned true first.
 */
export async function writeFileTo(
  target: WriteTarget,
  handle: FileHandle,
  source: FileSource,
  options: WriteFileOptions = {},
): Promise<'sent' | 'stopped'> {
  const growth = 'growth' in source ? source.growth : null;
  const attempt = growth?.attempt;
  const activity = options.onActivity ?? (() => undefined);
  const buffers = Array.from({ length: SLOTS }, () => Buffer.allocUnsafeSlow(SLOT_BYTES));
  const inFlight: Array<Promise<void> | undefined> = [];
  // A closed target may never call back for what it still held: every wait also ends when it closes.
  let onClose!: () => void;
  const closed = new Promise<'closed'>((resolve) => {
    onClose = () => resolve('closed');
    target.once('close', onClose);
  });
  const gone = () => target.destroyed || options.stopped?.() === true;
  const until = async (work: Promise<unknown>): Promise<boolean> =>
    (await Promise.race([work, closed])) !== 'closed';
  let unsubscribe: (() => void) | null = null;
  const changed = () =>
    new Promise<void>((resolve) => {
      unsubscribe = (growth as DocumentGrowth).onChange(() => {
        unsubscribe?.();
        unsubscribe = null;
        activity();
        resolve();
      });
    });
  try {
    let position = 0;
    let slot = 0;
    for (;;) {
      if (gone()) return 'stopped';
      if (growth && growth.attempt !== attempt) throw restartedError();
      const available = growth ? growth.written : (source as { size: number }).size;
      if (position < available) {
        if (!(await until(inFlight[slot] ?? Promise.resolve())) || gone()) return 'stopped';
        const buffer = buffers[slot] as Buffer;
        const size = Math.min(SLOT_BYTES, available - position);
        const { bytesRead } = await handle.read(buffer, 0, size, position);
        if (growth && growth.attempt !== attempt) throw restartedError();
        if (bytesRead === 0) {
          // The file is shorter than the writer said: truncated by a restart that this sender hears of
          // only a moment later (after the printer's job is canceled). Wait.
          if (growth && !growth.ended) {
            if (!(await until(changed()))) return 'stopped';
            continue;
          }
          throw new Error('The document became shorter while it was being sent.');
        }
        if (gone()) return 'stopped';
        position += bytesRead;
        let more = true;
        inFlight[slot] = new Promise<void>((resolve) => {
          more = target.write(buffer.subarray(0, bytesRead), () => {
            activity();
            options.onWritten?.(bytesRead);
            resolve();
          });
        });
        slot = (slot + 1) % SLOTS;
        if (!more && !(await until(drained(target)))) return 'stopped';
        continue;
      }
      if (!growth) break;
      if (growth.ended) {
        // Finished: every byte was read. Failed: the writer's error is the job's error.
        await growth.finished;
        if (position >= growth.written) break;
        continue;
      }
      if (!(await until(changed()))) return 'stopped';
    }
    if (gone()) return 'stopped';
    target.end();
    return 'sent';
  } finally {
    (unsubscribe as (() => void) | null)?.();
    target.removeListener('close', onClose);
  }
}

function drained(target: WriteTarget): Promise<void> {
  return new Promise((resolve) => target.once('drain', resolve));
}

function restartedError(): UpstreamError {
  return new UpstreamError('download_restarted', 'The download started again; the document is sent again.', {
    retryable: true,
  });
}
