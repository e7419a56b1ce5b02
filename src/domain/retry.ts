import { UpstreamError } from './errors.js';
import type { Clock } from './ports.js';

export interface RetryOptions {
  clock: Clock;
  /** Total tries including the first. */
  attempts: number;
  /** Delay before the second try; doubles each time up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
  /** Called before each wait, for logging. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Whether an error says that trying again later may succeed. */
export function isRetryable(err: unknown): boolean {
  return err instanceof UpstreamError && err.retryable;
}

/** Runs `task` until it succeeds, fails with a non-retryable error, or the tries run out. */
export async function withRetry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (err) {
      if (attempt >= options.attempts || !isRetryable(err) || options.signal?.aborted) throw err;
      const exp = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      // Full jitter keeps several panels from retrying against Drive in lockstep.
      const delay = Math.round(exp / 2 + Math.random() * (exp / 2));
      options.onRetry?.(err, attempt, delay);
      await options.clock.sleep(delay, options.signal);
    }
  }
}
