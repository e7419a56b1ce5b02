// Opaque page tokens: an offset plus an HMAC over the query they belong to, so a token that was made
// up, edited or reused with another query is rejected like Drive rejects it (400 Invalid Value).

import { createHmac, timingSafeEqual } from 'node:crypto';
import { driveErrors } from './errors.js';

export function encodePageToken(secret: Buffer, scope: string, offset: number): string {
  const payload = Buffer.from(JSON.stringify({ o: offset }));
  return `${payload.toString('base64url')}.${sign(secret, scope, payload)}`;
}

export function decodePageToken(secret: Buffer, scope: string, token: string): number {
  const [payloadText, signature] = token.split('.');
  const invalid = driveErrors.invalidParam('pageToken');
  if (!payloadText || !signature) throw invalid;
  const payload = Buffer.from(payloadText, 'base64url');
  const expected = Buffer.from(sign(secret, scope, payload));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw invalid;
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // falls through to the invalid token error
  }
  throw invalid;
}

function sign(secret: Buffer, scope: string, payload: Buffer): string {
  return createHmac('sha256', secret)
    .update(scope)
    .update('\0')
    .update(payload)
    .digest('base64url')
    .slice(0, 22);
}
