import type { DocumentGrowth } from './ports.js';

/**
 * A document being written while it is read: the download writes it to its temporary file and the
 * IPP send streams it from there at the same time, so the two transfers overlap. The writer says
 * when an attempt starts (a retried download truncates the file and starts again), how many bytes are
 * in the file, and how it ended; the reader follows.
 */
export class FileGrowth implements DocumentGrowth {
  private bytes = 0;
  private attempts = 0;
  private outcome: { size: number } | { error: unknown } | null = null;
  private readonly listeners = new Set<() => void>();
  private settle!: { resolve: (size: number) => void; reject: (err: unknown) => void };
  readonly finished: Promise<number>;

  constructor() {
    this.finished = new Promise<number>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Whoever follows the growth awaits `finished`; nobody may be left with an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  get written(): number {
    return this.bytes;
  }

  /** How many times the writer started (more than one: the file was truncated and written again). */
  get attempt(): number {
    return this.attempts;
  }

  get ended(): boolean {
    return this.outcome !== null;
  }

  /** The writer starts (again): the file is empty now. */
  started(): void {
    this.attempts += 1;
    this.bytes = 0;
    this.notify();
  }

  /** The file now holds `total` bytes, all of them written. */
  wrote(total: number): void {
    this.bytes = total;
    this.notify();
  }

  /** The writer finished: the file is complete at `size` bytes. */
  finish(size: number): void {
    if (this.outcome) return;
    this.outcome = { size };
    this.bytes = size;
    this.settle.resolve(size);
    this.notify();
  }

  /** The writer gave up: readers stop with its error. */
  fail(error: unknown): void {
    if (this.outcome) return;
    this.outcome = { error };
    this.settle.reject(error);
    this.notify();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
