// Sends one IPP request over HTTP (RFC 8010 section 4) and reads the answer. The `ipp` package has its
// own transport, but it cannot stream (it copies the whole document into one Buffer, twice), has no
// timeout and throws uncaught on a malformed answer; so only its codec is used, through ipp-codec.ts.

import { open } from 'node:fs/promises';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { UpstreamError } from '../domain/errors.js';
import type { DocumentGrowth } from '../domain/ports.js';
import { writeFileTo } from './growing-file.js';
import { printerEndpoint } from './ipp-attributes.js';
import { decodeResponse, type IppResponse } from './ipp-codec.js';

export interface IppExchange {
  /** The configured printer URI: ipp://, ipps://, http:// or https://. */
  uri: string;
  /** The encoded request header (ipp-codec encodeRequest). */
  request: Buffer;
  /** A file streamed right after the header (Print-Job); never read into memory whole. */
  documentPath?: string;
  /**
   * Set while the file is still being written (a download in progress): it is sent as it grows, with
   * HTTP chunked transfer coding since its length is not known yet (RFC 8010 section 3.4: IPP over HTTP
   * may use it), and the writer's failure becomes this request's failure.
   */
  growth?: DocumentGrowth;
  /**
   * How long the printer may take to accept the connection, to take the next piece of the document,
   * and to answer once the request is sent. A request without a document must end within it.
   */
  timeoutMs: number;
  signal?: AbortSignal;
  userAgent?: string;
  /** The answer is read into memory, so it is bounded; printers answer in a few kilobytes. */
  maxResponseBytes?: number;
  /** For ipps: whether the printer's certificate must chain to a trusted CA (default true). */
  rejectUnauthorized?: boolean;
  /**
   * Whether sending again is harmless (default: true without a document). A Print-Job that reached
   * the printer whole but got no answer may have printed, so that timeout is not marked retryable.
   */
  idempotent?: boolean;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Why the exchange failed, before it is mapped to an UpstreamError. */
type Failure =
  | { kind: 'network'; error: NodeJS.ErrnoException }
  | { kind: 'timeout' }
  | { kind: 'http'; status: number }
  | { kind: 'too-large' }
  | { kind: 'local'; error: Error }
  | { kind: 'aborted'; reason: unknown };

/** Sends the request (and document), resolves with the decoded answer whatever its IPP status. */
export async function exchangeIpp(exchange: IppExchange): Promise<IppResponse> {
  exchange.signal?.throwIfAborted();
  const endpoint = printerEndpoint(exchange.uri);
  const idempotent = exchange.idempotent ?? exchange.documentPath === undefined;
  const file = exchange.documentPath ? await open(exchange.documentPath, 'r') : undefined;
  // Everything that holds a socket, a file or a timer is released in the one `finally` below.
  let request: ClientRequest | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let requestSent = false;
  try {
    const documentSize = file ? (await file.stat()).size : 0;
    const body = await new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      const fail = (failure: Failure) => {
        if (settled) return;
        settled = true;
        reject(toError(failure, { retryable: idempotent || !requestSent }));
      };
      const arm = () => {
        if (settled) return;
        clearTimeout(timer);
        timer = setTimeout(() => fail({ kind: 'timeout' }), exchange.timeoutMs);
      };
      arm();

      if (exchange.signal) {
        const signal = exchange.signal;
        onAbort = () => fail({ kind: 'aborted', reason: signal.reason });
        signal.addEventListener('abort', onAbort, { once: true });
        // It may have fired while the file was being opened.
        if (signal.aborted) {
          onAbort();
          return;
        }
      }

      const url = new URL(endpoint.httpUrl);
      const options: https.RequestOptions = {
        method: 'POST',
        // A fresh connection per request, closed afterwards: nothing lingers in a pool.
        agent: false,
        headers: {
          'Content-Type': 'application/ipp',
          // Without a length, Node sends the body chunked.
          ...(exchange.growth ? {} : { 'Content-Length': exchange.request.length + documentSize }),
          'User-Agent': exchange.userAgent ?? 'drive-print-connector',
        },
        rejectUnauthorized: exchange.rejectUnauthorized ?? true,
      };
      request = (endpoint.tls ? https : http).request(url, options);
      let answered = false;
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A printer that answers early (busy) may close while the document is still going out; the
        // write then fails, but the answer already has its own error and end events (and the timer).
        if (!answered) fail({ kind: 'network', error });
      });
      // All bytes are handed to the OS: from now on only the answer is awaited, within one timeout.
      request.on('finish', () => {
        requestSent = true;
        arm();
      });
      request.on('response', (response: IncomingMessage) => {
        answered = true;
        // A printer may answer before reading the whole document (busy, unsupported format): the sender
        // sees `answered` and stops.
        readResponse(response, exchange.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES).then((bytes) => {
          if (settled) return;
          settled = true;
          resolve(bytes);
        }, fail);
      });

      request.write(exchange.request);
      if (!file || (!exchange.growth && documentSize === 0)) {
        request.end();
        return;
      }
      // Each piece the printer takes (or the download adds) restarts the timer: a slow link is fine, a
      // stalled one is not. A complete file is sent up to the Content-Length already announced.
      const source = exchange.growth ? { growth: exchange.growth } : { size: documentSize };
      writeFileTo(request, file, source, { onActivity: arm, stopped: () => settled || answered }).catch(
        (error: Error) => {
          // Once the printer answered, its answer decides; what the sender met after that is moot.
          if (!answered) fail({ kind: 'local', error });
        },
      );
    });
    return decodeAnswer(body);
  } finally {
    clearTimeout(timer);
    if (onAbort) exchange.signal?.removeEventListener('abort', onAbort);
    (request as ClientRequest | undefined)?.destroy();
    await file?.close().catch(() => undefined);
  }
}

/**
 * A 200 answer that is not IPP (a web page, a truncated message, noise) is the printer's fault, and not
 * something that a person can fix by checking the cable: it gets its own code. Not retryable: for a
 * Print-Job the printer may have taken the job before it garbled the answer.
 */
function decodeAnswer(body: Buffer): IppResponse {
  try {
    return decodeResponse(body);
  } catch (err) {
    throw badResponse(err);
  }
}

function badResponse(cause: unknown): UpstreamError {
  return new UpstreamError(
    'printer_bad_response',
    'The printer sent an answer that could not be read. If a job was sent, check at the printer whether it printed; ask the administrator to check the printer.',
    { cause },
  );
}

function readResponse(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject: (failure: Failure) => void) => {
    if (response.statusCode !== 200) {
      response.resume();
      reject({ kind: 'http', status: response.statusCode ?? 0 });
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    response.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        response.destroy();
        reject({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks, total)));
    response.on('error', (error: NodeJS.ErrnoException) => reject({ kind: 'network', error }));
  });
}

const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);

function isCertificateError(error: NodeJS.ErrnoException): boolean {
  const code = error.code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code);
}

const NO_ANSWER =
  'The document was sent but the printer did not confirm it. Check at the printer whether it printed before printing it again.';

function toError(failure: Failure, { retryable }: { retryable: boolean }): unknown {
  switch (failure.kind) {
    case 'aborted':
      // The caller stopped the job: hand its reason back untouched, it is not the printer's fault.
      return failure.reason;
    case 'local':
      return failure.error;
    case 'timeout':
      // A document that went out whole without an answer may be printing: sending it again could print
      // it twice, so the person is told to look at the printer first (and it is not retried).
      if (!retryable) {
        return new UpstreamError('printer_no_answer', NO_ANSWER, {
          cause: new Error('IPP request timed out after the document was sent'),
        });
      }
      return new UpstreamError(
        'printer_unreachable',
        'The printer did not answer in time. Check that it is switched on and connected.',
        { retryable, cause: new Error('IPP request timed out') },
      );
    case 'too-large':
      return badResponse(new Error('IPP response exceeds the size limit'));
    case 'http':
      return httpStatusError(failure.status);
    case 'network': {
      const { error } = failure;
      if (isCertificateError(error)) {
        return new UpstreamError(
          'printer_unreachable',
          "The printer's security certificate is not trusted. Ask the administrator to check the printer settings.",
          { cause: error },
        );
      }
      // The same doubt as a timeout: the connection broke after the whole document went out.
      if (!retryable) return new UpstreamError('printer_no_answer', NO_ANSWER, { cause: error });
      const message = NOT_FOUND_CODES.has(error.code ?? '')
        ? 'The printer could not be found on the network. Check the printer address in the settings.'
        : 'The printer is not answering. Check that it is switched on and connected.';
      return new UpstreamError('printer_unreachable', message, { retryable, cause: error });
    }
  }
}

function httpStatusError(status: number): UpstreamError {
  const cause = new Error(`HTTP status ${status}`);
  if (status === 503) {
    // Retried while tries remain; the message is what the person reads once they have run out.
    return new UpstreamError('printer_busy', 'The printer stayed busy. Try again in a minute.', {
      retryable: true,
      cause,
    });
  }
  if (status === 401 || status === 403) {
    return new UpstreamError(
      'printer_refused',
      'The printer asks for a sign-in that the connector does not have.',
      {
        cause,
      },
    );
  }
  if (status === 413)
    return new UpstreamError('printer_refused', 'The file is too large for the printer.', { cause });
  return new UpstreamError(
    'printer_refused',
    'The printer refused the request. Check the printer address in the settings.',
    {
      cause,
    },
  );
}
