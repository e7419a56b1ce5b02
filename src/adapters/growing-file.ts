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

  const restarted = () =>
    new UpstreamError('download_restarted', 'The download started again; the document is sent again.', {
      retryable: true,
    });

  async function pump(): Promise<void> {
    if (reading || stream.destroyed) return;
    reading = true;
    try {
      for (;;) {
        if (growth.attempt !== attempt) throw restarted();
        if (position < growth.written) {
          const size = Math.min(PIECE, growth.written - position);
          const buffer = Buffer.allocUnsafe(size);
          const { bytesRead } = await handle.read(buffer, 0, size, position);
          if (growth.attempt !== attempt) throw restarted();
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
