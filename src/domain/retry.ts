import { UpstreamError } from './errors.js';
import type { Clock } from './ports.js';

export interface RetryOptions {
  clock: Clock;
  /** Total tries including the first. */
  attempts: number;
  /** Delay before the second try; doubles each time up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After honoured; an upstream that asks for more is given up on at once. */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Called before each wait, for logging. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** A minute: longer than a person at a panel waits, and longer than Drive usually asks for. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Whether an error says that trying again later may succeed. */
export function isRetryable(err: unknown): boolean {
  return err instanceof UpstreamError && err.retryable;
}

/**
 * The wait before try `attempt + 1`, or null to give up now. `random` is in [0, 1). Full jitter keeps
 * several panels from retrying against Drive in lockstep; a Retry-After is a floor, never shortened
 * by jitter, because Google counts a retry that comes too early against the quota again.
 */
export function retryDelay(
  err: unknown,
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>,
  random: number,
): number | null {
  const exp = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(exp / 2 + random * (exp / 2));
  const asked = err instanceof UpstreamError ? err.retryAfterMs : null;
  if (asked === null) return jittered;
  if (asked > (options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS)) return null;
  return Math.max(jittered, asked);
}

/** Runs `task` until it succeeds, fails with a non-retryable error, or the tries run out. */
export async function withRetry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (err) {
      if (attempt >= options.attempts || !isRetryable(err) || options.signal?.aborted) throw err;
      const delay = retryDelay(err, attempt, options, Math.random());
      if (delay === null) throw err;
      options.onRetry?.(err, attempt, delay);
      await options.clock.sleep(delay, options.signal);
    }
  }
}
