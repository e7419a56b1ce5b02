// Small request helpers shared by the routes. Query strings are read with URLSearchParams rather than
// express's parser so that every route sees the same flat string values (first value wins).

import type { Request } from 'express';
import { DriveError, driveErrors } from './errors.js';

export function queryOf(req: Request): Record<string, string> {
  const url = new URL(req.originalUrl, 'http://double.invalid');
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!(key in out)) out[key] = value;
  }
  return out;
}

/** Drive's boolean parameters: 'true'/'false' (any case); anything else is 400 Invalid Value. */
export function boolParam(query: Record<string, string>, name: string): boolean {
  const raw = query[name];
  if (raw === undefined || raw === '') return false;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw driveErrors.invalidParam(name, `Invalid value '${raw}'. Valid values are: [true, false]`);
}

export function intParam(
  query: Record<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) {
    throw driveErrors.invalidParam(
      name,
      `Invalid value '${raw}'. Values must be within the range: [${min}, ${max}]`,
    );
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw driveErrors.invalidParam(
      name,
      `Invalid value '${raw}'. Values must be within the range: [${min}, ${max}]`,
    );
  }
  return value;
}

/** Reads a whole request body, refusing more than `limit` bytes (the double keeps everything in memory). */
export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      throw new DriveError(413, { reason: 'uploadTooLarge', message: 'The request is too large.' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Parses a JSON object body; an empty body is an empty object. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DriveError(400, { reason: 'parseError', message: 'Parse Error' });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DriveError(400, { reason: 'parseError', message: 'Parse Error' });
  }
  return value as Record<string, unknown>;
}
