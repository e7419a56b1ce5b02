// The one place background work starts and ends. A print or scan job runs after its request has
// been answered; nothing awaits its promise, so an error escaping it would be an unhandled
// rejection, and Node ends the process on those. Every task started here ends in `settle`, which
// hands a failure to the owner's `onCrash` (it records the job as failed) and, should that fail as
// well (the job store is down), to `onError` (the log). Periodic work (reapers, sweeps) is started
// here too, so one failing round is logged and the next round still runs.

/** Thrown into a task's work (as its abort reason) to stop it because the person canceled. */
export class CanceledSignal extends Error {
  constructor() {
    super('canceled');
    this.name = 'CanceledSignal';
  }
}

/** Thrown into a task's work (as its abort reason) because the service is shutting down. */
export class ShutdownSignal extends Error {
  constructor() {
    super('shutting down');
    this.name = 'ShutdownSignal';
  }
}

export interface BackgroundOptions {
  /** Where a failure goes that its task could not record itself (the log). Must not throw. */
  onError: (err: unknown, context: { task: string; id?: string }) => void;
  /**
   * Waits before each further try of a failed `onCrash` (the job store may be back by then).
   * Default 0.5, 1, 2, 4 and 8 seconds; a shutdown cuts the waits short.
   */
  recordRetryMs?: readonly number[];
}

const RECORD_RETRY_MS = [500, 1000, 2000, 4000, 8000];

interface Running {
  promise: Promise<void>;
  abort: AbortController;
}

/** Tasks by id (a job id) with an abort handle each, and periodic rounds. */
export class BackgroundWork {
  private readonly running = new Map<string, Running>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rounds = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly name: string,
    private readonly options: BackgroundOptions,
  ) {}

  /**
   * Starts `work` after `after` (a queue's previous task) has settled. `onCrash` records a failure
   * that escaped `work` (normally `work` records its own outcome). The returned promise never rejects.
   */
  start(
    id: string,
    work: (signal: AbortSignal) => Promise<void>,
    options: { after?: Promise<void>; onCrash: (err: unknown) => Promise<void> },
  ): Promise<void> {
    const abort = new AbortController();
    const promise = (options.after ?? Promise.resolve())
      .then(() => work(abort.signal))
      .catch((err: unknown) => this.settle(id, err, options.onCrash))
      .finally(() => this.running.delete(id));
    this.running.set(id, { promise, abort });
    return promise;
  }

  private async settle(id: string, err: unknown, onCrash: (err: unknown) => Promise<void>): Promise<void> {
    this.options.onError(err, { task: this.name, id });
    const waits = this.options.recordRetryMs ?? RECORD_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await onCrash(err);
        return;
      } catch (recordErr) {
        const wait = waits[attempt];
        if (wait === undefined || this.stopping.signal.aborted) {
          this.options.onError(recordErr, { task: this.name, id });
          return;
        }
        await pause(wait, this.stopping.signal);
      }
    }
  }

  /** Whether a task with this id runs in this process. */
  has(id: string): boolean {
    return this.running.has(id);
  }

  /** How many tasks run now. */
  get size(): number {
    return this.running.size;
  }

  /** Aborts one task with `reason` and waits for it to end; false when it does not run here. */
  async stop(id: string, reason: Error = new CanceledSignal()): Promise<boolean> {
    const run = this.running.get(id);
    if (!run) return false;
    run.abort.abort(reason);
    await run.promise;
    return true;
  }

  /** Resolves when every task running now has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.promise));
  }

  /** Waits up to `ms` for running tasks to end by themselves; true when they all did. */
  async drainWithin(ms: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.drain().then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts every task with `reason` and waits for them to end (their files are deleted on the way). */
  async abortAll(reason: Error = new ShutdownSignal()): Promise<void> {
    this.stopping.abort(reason);
    for (const run of this.running.values()) run.abort.abort(reason);
    await this.drain();
    await Promise.allSettled([...this.rounds]);
  }

  /**
   * Runs `round` every `ms` milliseconds (never two rounds at once); a failing round is logged and
   * the next one still runs. The timer does not keep the process alive.
   */
  every(task: string, ms: number, round: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = Promise.resolve()
        .then(round)
        .then(
          () => undefined,
          (err: unknown) => this.options.onError(err, { task }),
        )
        .finally(() => {
          busy = false;
          this.rounds.delete(run);
        });
      this.rounds.add(run);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Stops the periodic rounds. */
  stopRounds(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
