// How much work runs at once. A printer takes one job at a time, so jobs for one printer wait in the
// connector (in order) instead of being refused as busy; jobs for different printers run side by
// side. Downloads and conversions, which cost the instance disk, network and CPU, are limited per
// instance so that a burst of jobs cannot starve the panels' page loads.

/** At most `limit` holders at once; the others wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('a semaphore needs a limit of at least 1');
  }

  /** Runs `work` when a place is free; a wait ends early with the signal's reason when it aborts. */
  async use<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.take(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Waits for a place and returns its release (safe to call more than once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.take(signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /** How many hold a place now, and how many wait. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  private take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(granted);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      this.waiting.push(granted);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/** One holder at a time per key (a printer), in arrival order; different keys never wait on each other. */
export class KeyedLine {
  private readonly lines = new Map<string, Semaphore>();

  /** Waits for the key's turn and returns its release (safe to call more than once). */
  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    let line = this.lines.get(key);
    if (!line) {
      line = new Semaphore(1);
      this.lines.set(key, line);
    }
    const used = line;
    const forget = () => {
      const { active, waiting } = used.load;
      if (active === 0 && waiting === 0 && this.lines.get(key) === used) this.lines.delete(key);
    };
    let release: () => void;
    try {
      release = await used.acquire(signal);
    } catch (err) {
      forget();
      throw err;
    }
    return () => {
      release();
      forget();
    };
  }

  async use<T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, signal);
    try {
      return await work();
    } finally {
      release();
    }
  }
}
