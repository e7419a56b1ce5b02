import { AppError, ForbiddenError, NotFoundError, SignedOutError, UpstreamError } from '../domain/errors.js';

interface GoogleErrorBody {
  error?: { code?: number; errors?: Array<{ reason?: string }>; status?: string } | string;
}

/** Status and first reason of a gaxios error, wherever this googleapis version put the body. */
export function describeDriveError(err: unknown): {
  status: number | null;
  reason: string | null;
  network: boolean;
} {
  const e = err as {
    status?: number;
    code?: string | number;
    message?: string;
    name?: string;
    response?: { status?: number; data?: unknown };
  };
  const status = e.response?.status ?? (typeof e.status === 'number' ? e.status : null);
  let body: GoogleErrorBody | null = null;
  const data = e.response?.data;
  if (data && typeof data === 'object' && !('pipe' in data)) body = data as GoogleErrorBody;
  else if (typeof data === 'string') body = safeJson(data);
  // With responseType 'stream' the JSON body ends up in the message instead.
  if (!body && typeof e.message === 'string') body = safeJson(e.message);
  const reason = body && typeof body.error === 'object' ? (body.error.errors?.[0]?.reason ?? null) : null;
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

const RATE_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'sharingRateLimitExceeded']);

/** Turns a Drive failure into a typed error with a message a person can act on. */
export function mapDriveError(err: unknown, fileId?: string): AppError | Error {
  if (err instanceof AppError) return err;
  if ((err as { name?: string }).name === 'AbortError') return err as Error;
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
    cause: (err as { code?: unknown }).code ?? status,
  });
}
