import { describe, expect, it } from 'vitest';
import { mapDriveError, retryAfterMs } from '../../src/adapters/google-drive-errors.js';
import { SignedOutError, UpstreamError } from '../../src/domain/errors.js';
import { DEFAULT_MAX_RETRY_AFTER_MS, retryDelay, withRetry } from '../../src/domain/retry.js';
import { ManualClock } from '../fakes/manual-clock.js';

const busy = (retryAfter: number | null = null) =>
  new UpstreamError('drive_rate_limited', 'Google Drive is busy. Try again in a minute.', {
    retryable: true,
    retryAfterMs: retryAfter,
  });
const down = () =>
  new UpstreamError('drive_unavailable', 'Google Drive did not answer.', { retryable: true });

/** A Drive answer as gaxios rejects with it: status, Google's body, and headers (a fetch Headers). */
const gaxiosError = (status: number, headers: Record<string, string>, reason = 'rateLimitExceeded') =>
  Object.assign(new Error('Request failed'), {
    response: {
      status,
      headers: new Headers(headers),
      data: { error: { code: status, errors: [{ reason }] } },
    },
  });

describe('retryDelay', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 30_000 };
  it.each([
    // [case, error, attempt, random, expected]
    ['first retry, lowest jitter', down(), 1, 0, 50],
    ['first retry, highest jitter', down(), 1, 0.999_999, 100],
    ['third retry doubles twice', down(), 3, 0, 200],
    ['backoff is capped at maxDelayMs', down(), 10, 0.999_999, 1000],
    ['no Retry-After: plain backoff', busy(null), 2, 0.5, 150],
    ['Retry-After longer than the backoff is the wait', busy(5000), 1, 0.999_999, 5000],
    ['Retry-After shorter than the backoff: the backoff', busy(10), 3, 0, 200],
    ['Retry-After exactly at the cap is honoured', busy(30_000), 1, 0, 30_000],
    ['Retry-After beyond the cap: give up', busy(30_001), 1, 0, null],
  ])('%s', (_case, err, attempt, random, expected) => {
    expect(retryDelay(err, attempt, options, random)).toBe(expected);
  });

  it('caps Retry-After at a minute when no cap is given', () => {
    const { baseDelayMs, maxDelayMs } = options;
    expect(retryDelay(busy(DEFAULT_MAX_RETRY_AFTER_MS), 1, { baseDelayMs, maxDelayMs }, 0)).toBe(60_000);
    expect(retryDelay(busy(DEFAULT_MAX_RETRY_AFTER_MS + 1), 1, { baseDelayMs, maxDelayMs }, 0)).toBeNull();
  });
});

describe('withRetry', () => {
  const base = { attempts: 5, baseDelayMs: 10, maxDelayMs: 40 };

  it('waits at least what Retry-After asked before the next try', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const result = withRetry(
      async () => {
        calls++;
        if (calls === 1) throw busy(5000);
        return 'done';
      },
      { clock, ...base },
    );
    await clock.advance(0);
    expect(calls).toBe(1);
    await clock.advance(4999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await expect(result).resolves.toBe('done');
  });

  it('gives up at once with the rate-limited error when Retry-After is beyond the cap', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const waits: number[] = [];
    const err = busy(120_000);
    const outcome = withRetry(
      async () => {
        calls++;
        throw err;
      },
      { clock, ...base, maxRetryAfterMs: 60_000, onRetry: (_e, _a, d) => waits.push(d) },
    ).catch((e: unknown) => e);
    await clock.advance(0);
    // Settled without any time passing: no wait was even started.
    expect(await Promise.race([outcome, Promise.resolve('still waiting')])).toBe(err);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
    expect(err.code).toBe('drive_rate_limited');
  });

  it('tries exactly `attempts` times with growing, bounded waits, then fails with the last error', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const waits: number[] = [];
    const result = withRetry(
      async () => {
        calls++;
        throw down();
      },
      { clock, ...base, onRetry: (_e, _a, d) => waits.push(d) },
    ).catch((e: unknown) => e);
    for (let i = 0; i < 10; i++) await clock.advance(40);
    // Ten maximal waits later it must have given up (an unbounded loop would still be trying).
    const err = await Promise.race([result, Promise.resolve('still trying')]);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe('drive_unavailable');
    expect(calls).toBe(5);
    expect(waits).toHaveLength(4);
    waits.forEach((w, i) => {
      const exp = Math.min(40, 10 * 2 ** i);
      expect(w).toBeGreaterThanOrEqual(exp / 2);
      expect(w).toBeLessThanOrEqual(exp);
    });
  });

  it('does not retry an error that says retrying cannot help (401 signed out)', async () => {
    const clock = new ManualClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new SignedOutError();
        },
        { clock, ...base },
      ),
    ).rejects.toMatchObject({ code: 'signed_out' });
    expect(calls).toBe(1);
  });

  it('stops waiting when the job is canceled', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    let calls = 0;
    const result = withRetry(
      async () => {
        calls++;
        throw busy(5000);
      },
      { clock, ...base, signal: abort.signal },
    ).catch((e: unknown) => e);
    await clock.advance(0);
    abort.abort(new Error('canceled'));
    expect(await result).toMatchObject({ message: 'canceled' });
    expect(calls).toBe(1);
  });
});

describe('Retry-After from a Drive answer', () => {
  it.each([
    ['delta-seconds', { 'retry-after': '7' }, 7000],
    ['zero seconds', { 'retry-after': '0' }, 0],
    [
      'HTTP-date, relative to the answer’s Date',
      { 'retry-after': 'Wed, 21 Oct 2026 07:28:30 GMT', date: 'Wed, 21 Oct 2026 07:28:00 GMT' },
      30_000,
    ],
    [
      'HTTP-date in the past',
      { 'retry-after': 'Wed, 21 Oct 2026 07:27:00 GMT', date: 'Wed, 21 Oct 2026 07:28:00 GMT' },
      0,
    ],
    ['HTTP-date without a Date header', { 'retry-after': 'Wed, 21 Oct 2026 07:28:30 GMT' }, null],
    ['garbage', { 'retry-after': 'soon' }, null],
    ['negative', { 'retry-after': '-5' }, null],
    ['absent', {}, null],
  ])('%s', (_case, headers, expected) => {
    expect(retryAfterMs(gaxiosError(429, headers))).toBe(expected);
  });

  it.each([null, undefined, 'a string', 42])('reads nothing from a thrown %s', (thrown) => {
    expect(retryAfterMs(thrown)).toBeNull();
  });

  it('reads plain-object headers too (older gaxios)', () => {
    const err = { response: { status: 429, headers: { 'retry-after': '3' }, data: {} } };
    expect(retryAfterMs(err)).toBe(3000);
  });

  it.each([
    ['429 rateLimitExceeded', 429, 'rateLimitExceeded', 'drive_rate_limited'],
    ['403 userRateLimitExceeded', 403, 'userRateLimitExceeded', 'drive_rate_limited'],
    ['503 backendError', 503, 'backendError', 'drive_unavailable'],
  ])('%s carries Retry-After on the retryable error', (_case, status, reason, code) => {
    const mapped = mapDriveError(gaxiosError(status, { 'retry-after': '2' }, reason));
    expect(mapped).toBeInstanceOf(UpstreamError);
    expect(mapped).toMatchObject({ code, retryable: true, retryAfterMs: 2000 });
  });
});
