import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { UpstreamError } from '../domain/errors.js';
import type { DocumentGrowth } from '../domain/ports.js';

const PIECE = 1024 * 1024;

/**
 * Reads a file that is still being written (see DocumentGrowth): each piece is read once the writer
 * has written it, the stream waits while the reader has caught up, and ends when the writer finished
 * and every byte was read. Back-pressure is the consumer's: nothing is read ahead of what it takes,
 * so at most one piece is in memory. When the writer starts again (a retried download truncated the
 * file), what was sent is no longer the document: the stream fails with a retryable error, and the
 * caller sends the complete file later. When the writer gives up, the stream fails with its error.
 */
export function growingFileStream(
  handle: FileHandle,
  growth: DocumentGrowth,
  onActivity: () => void = () => undefined,
): Readable {
  const attempt = growth.attempt;
  let position = 0;
  let reading = false;
  let unsubscribe: (() => void) | null = null;

  const stream = new Readable({
    highWaterMark: PIECE,
    read() {
      void pump();
    },
    destroy(err, done) {
      unsubscribe?.();
      unsubscribe = null;
      done(err);
    },
  });

  async function pump(): Promise<void> {
    if (reading || stream.destroyed) return;
    reading = true;
    try {
      for (;;) {
        if (growth.attempt !== attempt) throw restartedError();
        if (position < growth.written) {
          const size = Math.min(PIECE, growth.written - position);
          const buffer = Buffer.allocUnsafe(size);
          const { bytesRead } = await handle.read(buffer, 0, size, position);
          if (growth.attempt !== attempt) throw restartedError();
          if (bytesRead === 0) {
            // The file is shorter than the writer said: it was truncated by a restart that this
            // reader is told of only a moment later (after the printer's job is canceled). Wait.
            if (!growth.ended) {
              await nextChange();
              continue;
            }
            throw new Error('The document became shorter while it was being sent.');
          }
          position += bytesRead;
          onActivity();
          // false: the consumer has enough for now; read() is called again when it wants more.
          if (!stream.push(bytesRead === size ? buffer : buffer.subarray(0, bytesRead))) return;
          continue;
        }
        if (growth.ended) {
          // Finished: every byte was read. Failed: the writer's error is the job's error.
          await growth.finished;
          if (position >= growth.written) {
            stream.push(null);
            return;
          }
          continue;
        }
        await nextChange();
      }
    } catch (err) {
      stream.destroy(err as Error);
    } finally {
      reading = false;
    }
  }

  function nextChange(): Promise<void> {
    return new Promise((resolve) => {
      unsubscribe = growth.onChange(() => {
        unsubscribe?.();
        unsubscribe = null;
        onActivity();
        resolve();
      });
    });
  }

  return stream;
}

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
  /** True once the sender should give up quietly (the other side answered early, or it was stopped). */
  stopped?: () => boolean;
}

// Four pieces of 256 KiB, read into again and again: a 500 MB document allocates 1 MiB, not 500 MB of
// short-lived Buffers whose external memory makes V8 run a full collection every few megabytes (that
// took more CPU than the transfer itself; see docs/benchmarks.md).
const SLOT_BYTES = 256 * 1024;
const SLOTS = 4;

/**
 * Writes a file to `target` and ends it, reading each piece into one of a few buffers that are used
 * again once the target says it has written them (the write callback: the bytes are in the kernel).
 * Back-pressure is the target's: at most SLOTS pieces are in flight. A growing file is followed as
 * growingFileStream does: a restart fails with a retryable error, the writer's failure is thrown.
 * Resolves 'sent' when every byte was written and the target ended, 'stopped' when the target closed
 * or `stopped()` turned true first.
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
          // Truncated by a restart this sender hears of a moment later (see growingFileStream): wait.
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
