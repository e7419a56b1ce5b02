// multipart/related parser for uploadType=multipart: a JSON metadata part, then the media part.

import { DriveError } from './errors.js';

export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

function malformed(message = 'Malformed multipart body.'): DriveError {
  return new DriveError(400, { reason: 'badContent', message });
}

export function boundaryOf(contentType: string | undefined): string {
  const type = contentType ?? '';
  if (!/^multipart\/related\s*;/i.test(type)) {
    throw malformed("Media type 'multipart/related' is required for uploadType=multipart.");
  }
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw malformed('Missing multipart boundary.');
  return boundary;
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos === -1) throw malformed();
  pos += delimiter.length;
  const parts: MultipartPart[] = [];
  for (;;) {
    if (body.subarray(pos, pos + 2).toString() === '--') return parts;
    // Transport padding, then the line break that ends the delimiter line.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] === 0x0d) pos++;
    if (body[pos] !== 0x0a) throw malformed();
    pos++;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    const blankAtStart = body.subarray(pos, pos + 2).toString() === '\r\n';
    const headersText = blankAtStart
      ? ''
      : body.subarray(pos, headerEnd === -1 ? pos : headerEnd).toString('latin1');
    if (!blankAtStart && headerEnd === -1) throw malformed();
    const contentStart = blankAtStart ? pos + 2 : headerEnd + 4;
    const contentEnd = body.indexOf(nextDelimiter, contentStart);
    if (contentEnd === -1) throw malformed();
    parts.push({ headers: parseHeaders(headersText), body: body.subarray(contentStart, contentEnd) });
    if (parts.length > 10) throw malformed();
    pos = contentEnd + nextDelimiter.length;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
