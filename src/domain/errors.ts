// Typed errors with a stable code and the HTTP status the contract gives them.
// The message is always a sentence a person can act on; upstream messages are never copied in.

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

export class BadInputError extends AppError {
  constructor(message: string, code = 'bad_input') {
    super(code, 400, message);
  }
}

export class NotSignedInError extends AppError {
  constructor(message = 'Sign in with Google to continue.') {
    super('not_signed_in', 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.', code = 'forbidden') {
    super(code, 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, code = 'not_found') {
    super(code, 404, message);
  }
}

export class TooLargeError extends AppError {
  constructor(message: string, code = 'too_large') {
    super(code, 413, message);
  }
}

export class UnsupportedTypeError extends AppError {
  constructor(message: string, code = 'unsupported_type') {
    super(code, 415, message);
  }
}

export class RateLimitedError extends AppError {
  constructor(message = 'Too many requests. Wait a moment and try again.') {
    super('rate_limited', 429, message);
  }
}

/** Google or a printer failed; `code` says which and why. */
export class UpstreamError extends AppError {
  /** Whether trying again later may succeed (rate limits, 5xx, busy printer). */
  readonly retryable: boolean;
  /** How long the upstream asked us to wait before trying again (Retry-After), when it said so. */
  readonly retryAfterMs: number | null;
  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number | null; cause?: unknown } = {},
  ) {
    super(code, 502, message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

export class NotReadyError extends AppError {
  constructor(message = 'The service is not ready. Try again in a moment.', code = 'not_ready') {
    super(code, 503, message);
  }
}

/** Drive answered 401: the access token is no longer valid; the session must end. */
export class SignedOutError extends AppError {
  constructor(message = 'Your Google sign-in has ended. Sign in again.') {
    super('signed_out', 401, message);
  }
}

/** A conversion needs a program that is not installed on the connector (LibreOffice, Ghostscript). */
export class ConverterMissingError extends AppError {
  constructor(message: string) {
    super('converter_missing', 415, message);
  }
}

/** A conversion ran past its time limit and was stopped. */
export class ConversionTimeoutError extends AppError {
  constructor(
    message = 'Preparing the file for printing took too long and was stopped. Try a smaller file or fewer pages.',
  ) {
    super('conversion_timeout', 502, message);
  }
}

/** A conversion failed on this file; the tool's own words stay in the logs' cause, never in the message. */
export class ConversionFailedError extends AppError {
  constructor(
    message = 'The file could not be converted for printing. It may be damaged.',
    options?: { cause?: unknown },
  ) {
    super('conversion_failed', 502, message, options);
  }
}

/** TEMP_DIR has no room left (ENOSPC, EDQUOT): nothing can be received or printed until space is freed. */
export class TempFullError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super(
      'temp_full',
      507,
      'The connector has no room left to hold documents right now. Try again later, or ask your administrator to free up space.',
      options,
    );
  }
}

/** TEMP_DIR cannot be written (EROFS, EACCES): a read-only disk or lost permissions. */
export class TempUnwritableError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super(
      'temp_unwritable',
      503,
      'The connector cannot store documents right now. Try again later, or ask your administrator to check its storage.',
      options,
    );
  }
}

/** OCR was asked for but OCRmyPDF (or a language it needs) is not installed on this connector. */
export class OcrUnavailableError extends AppError {
  constructor(
    message = 'Searchable PDFs are not available on this connector. Scan without "Searchable PDF", or ask your administrator to install OCRmyPDF.',
  ) {
    super('ocr_unavailable', 400, message);
  }
}

/** OCR ran past its time limit and was stopped; nothing was uploaded. */
export class OcrTimeoutError extends AppError {
  constructor(
    message = 'Making the scan searchable took too long and was stopped. Scan again with fewer pages, or without "Searchable PDF".',
  ) {
    super('ocr_timeout', 502, message);
  }
}

/** OCR failed on this scan; the tool's own words stay in the cause, never in the message. */
export class OcrFailedError extends AppError {
  constructor(
    message = 'The scan could not be made searchable. Scan again, or scan without "Searchable PDF".',
    options?: { cause?: unknown },
  ) {
    super('ocr_failed', 502, message, options);
  }
}
