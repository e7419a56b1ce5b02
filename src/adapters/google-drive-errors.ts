import { AppError, ForbiddenError, NotFoundError, SignedOutError, UpstreamError } from '../domain/errors.js';
import { diskFault } from '../domain/temp-files.js';

interface GoogleErrorBody {
  error?: { code?: number; errors?: Array<{ reason?: string }>; status?: string } | string;
}

/** Status and first reason of a gaxios error, wherever this googleapis version put the body. */
export function describeDriveError(err: unknown): {
  status: number | null;
  reason: string | null;
  network: boolean;
} {
  // Whatever was thrown, even null or a string, is read without throwing again.
  const e = (err !== null && typeof err === 'object' ? err : {}) as {
    status?: number;
    code?: string | number;
    message?: string;
    name?: string;
    response?: { status?: number; data?: unknown };
  };
  const responseStatus = e.response?.status;
  const status =
    typeof responseStatus === 'number' ? responseStatus : typeof e.status === 'number' ? e.status : null;
  let body: GoogleErrorBody | null = null;
  const data = e.response?.data;
  if (data && typeof data === 'object' && !('pipe' in data)) body = data as GoogleErrorBody;
  else if (typeof data === 'string') body = safeJson(data);
  // With responseType 'stream' the JSON body ends up in the message instead.
  if (!body && typeof e.message === 'string') body = safeJson(e.message);
  // The body is Google's (or a proxy's): any part of it may be missing, null or of another type.
  const first: unknown =
    body?.error && typeof body.error === 'object' && Array.isArray(body.error.errors)
      ? body.error.errors[0]
      : undefined;
  const found = first && typeof first === 'object' ? (first as { reason?: unknown }).reason : undefined;
  const reason = typeof found === 'string' ? found : null;
  const network = status === null && e.name !== 'AbortError';
  return { status, reason, network };
}

function safeJson(text: string): GoogleErrorBody | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as GoogleErrorBody) : null;
  } catch {
    return null;
  }
}

/**
 * Retry-After of a Drive answer in milliseconds: delta-seconds, or an HTTP-date taken relative to the
 * answer's own Date header (so no local clock is involved). Null when absent or unreadable.
 * https://www.rfc-editor.org/rfc/rfc9110#name-retry-after
 */
export function retryAfterMs(err: unknown): number | null {
  const headers = (err as { response?: { headers?: unknown } } | null | undefined)?.response?.headers;
  const get = (name: string): string | null => {
    if (!headers || typeof headers !== 'object') return null;
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
    const value = (headers as Record<string, unknown>)[name.toLowerCase()];
    return typeof value === 'string' ? value : null;
  };
  const value = get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  const now = Date.parse(get('date') ?? '');
  if (Number.isNaN(at) || Number.isNaN(now)) return null;
  return Math.max(0, at - now);
}

const RATE_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'sharingRateLimitExceeded']);

/** Turns a Drive failure into a typed error with a message a person can act on. */
export function mapDriveError(err: unknown, fileId?: string): AppError | Error {
  if (err instanceof AppError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  // Our own temporary file could not be written or read (a full or read-only TEMP_DIR): not Google's
  // fault and not worth a retry; the temporary scope turns it into temp_full or temp_unwritable.
  if (diskFault(err)) return err as Error;
  const { status, reason } = describeDriveError(err);
  if (status === 401) return new SignedOutError();
  if (status === 404) {
    return new NotFoundError(
      fileId
        ? 'That file or folder is not in your Drive, or you no longer have access to it.'
        : 'Not found in Drive.',
      'file_not_found',
    );
  }
  if (status === 429 || (status === 403 && reason && RATE_REASONS.has(reason))) {
    return new UpstreamError('drive_rate_limited', 'Google Drive is busy. Try again in a minute.', {
      retryable: true,
      retryAfterMs: retryAfterMs(err),
      cause: reason ?? status,
    });
  }
  if (status === 403 && reason === 'exportSizeLimitExceeded') {
    return new UpstreamError(
      'export_too_large',
      'This document is too large for Google to convert to PDF. Print it from a computer or split it.',
      { cause: reason },
    );
  }
  if (status === 403 && reason === 'fileNotDownloadable') {
    return new UpstreamError('not_downloadable', 'Google Drive does not allow this file to be downloaded.', {
      cause: reason,
    });
  }
  if (status === 403) {
    return new ForbiddenError('You do not have permission for this in Google Drive.', 'drive_forbidden');
  }
  if (status !== null && status >= 500) {
    return new UpstreamError('drive_unavailable', 'Google Drive did not answer. Try again in a minute.', {
      retryable: true,
      retryAfterMs: retryAfterMs(err),
      cause: status,
    });
  }
  if (status === 400) {
    return new UpstreamError('drive_bad_request', 'Google Drive could not handle this request.', {
      cause: reason,
    });
  }
  return new UpstreamError('drive_unavailable', 'Google Drive could not be reached. Try again in a minute.', {
    retryable: true,
    cause: (err as { code?: unknown } | null)?.code ?? status,
  });
}
