import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from './middleware/errors.js';

/**
 * Requests Node's HTTP parser rejects before Express sees them (headers too large, a malformed
 * request line, a bad chunk) would get Node's bare answer with an empty body. These get the
 * contract's error shape instead, and the connection is closed.
 */
export function clientErrorAnswer(err: NodeJS.ErrnoException): string {
  const [status, reason, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'The request took too long to arrive. Try again.']
        : [400, 'Bad Request', 'bad_request', 'The request could not be understood.'];
  const body = JSON.stringify(errorBody(code, message));
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Answers every client error of `server` in the contract's shape (see clientErrorAnswer). */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection reset by the client has nobody to answer.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorAnswer(err));
  });
}
