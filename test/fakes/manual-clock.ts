import type { Clock } from '../../src/domain/ports.js';

/** Time that moves only when a test says so; sleeps resolve when time passes them. */
export class ManualClock implements Clock {
  private t: number;
  private sleepers: Array<{ until: number; resolve: () => void }> = [];

  constructor(start = Date.UTC(2026, 10, 22, 9, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { until: this.t + ms, resolve };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== entry);
        reject(signal.reason);
      });
    });
  }

  /** Moves time forward and wakes every sleeper whose time came. */
  async advance(ms: number): Promise<void> {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.until <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.until > this.t);
    for (const s of due) s.resolve();
    await new Promise((r) => setImmediate(r));
  }
}

/** A clock whose sleeps are instant, for code paths where waiting is irrelevant. */
export class InstantClock implements Clock {
  private t = Date.UTC(2026, 10, 22, 9, 0, 0);
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.t += ms;
    // Yield to timers and I/O so that a polling loop cannot starve real timeouts.
    await new Promise((r) => setImmediate(r));
    signal?.throwIfAborted();
  }
  set(t: number) {
    this.t = t;
  }
  advance(ms: number) {
    this.t += ms;
  }
}
