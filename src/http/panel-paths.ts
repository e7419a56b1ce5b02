// Where the panel goes after sign-in and after sign-out. Both are paths of this connector only:
// a return path never leaves the origin, and the start page carries the panel's own printer so a
// shared screen comes back to its printer once the session (and its cookie) is gone. The print
// page's way back is a path too (browseReturn).

import { filesQuery } from './routes/files-query.js';

/** The screens a sign-in may return to; anything else lands on the default page. */
const RETURN_TO =
  /^\/(?:admin|browse|scan|privacy|print\/[A-Za-z0-9_-]{1,200}|jobs\/[0-9a-f-]{36}|pair\/[A-Za-z0-9_-]{43})$/;

/**
 * The path to return to after sign-in, or undefined when `value` is not one of the connector's own
 * screens. Only a bare path is kept (no query, no host): `//host`, `/\host`, `https://...`, encoded
 * slashes and anything with a scheme fail the pattern.
 */
export function returnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 256) return undefined;
  return RETURN_TO.test(value) ? value : undefined;
}

/** Printer ids as config.ts allows them; a printer id is a name, never a credential. */
const PRINTER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The start page of the panel's own printer, optionally with a notice (signedout, expired, failed). */
export function startPage(
  options: { printerId?: string | null; notice?: string; lang?: string } = {},
): string {
  const q = new URLSearchParams();
  if (options.notice) q.set('signin', options.notice);
  if (options.printerId && PRINTER_ID.test(options.printerId)) q.set('printer', options.printerId);
  if (options.lang) q.set('lang', options.lang);
  const query = q.toString();
  return query ? `/?${query}` : '/';
}

/** The browse query a way back keeps; anything else in the Referer's query is dropped. */
const browseQuery = filesQuery.pick({ view: true, folderId: true, q: true, sort: true });
const BROWSE_KEYS = ['view', 'folderId', 'q', 'sort'] as const;

/**
 * Where the print page's Back and Cancel go: the browse screen the person came from, when the
 * Referer is one of `origins` (the request's own, the configured public URL) and its path is
 * exactly /browse; the browse query is kept only when it is valid; in every other case `/browse`.
 * Only a path is ever returned, never the Referer itself: a link from another site (which can
 * send any Referer it likes) must not turn our Back button into a way off the connector.
 */
export function browseReturn(referer: unknown, origins: ReadonlyArray<string | undefined>): string {
  const fallback = '/browse';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a Referer with controls is refused whole
  if (typeof referer !== 'string' || referer.length > 2048 || /[\u0000-\u001f\u007f]/.test(referer))
    return fallback;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return fallback;
  }
  const trusted = origins.flatMap((o) => {
    try {
      return o ? [new URL(o).origin] : [];
    } catch {
      return [];
    }
  });
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password) return fallback;
  if (!trusted.includes(url.origin) || url.pathname !== '/browse') return fallback;
  const kept: Record<string, string> = {};
  for (const key of BROWSE_KEYS) {
    const values = url.searchParams.getAll(key);
    if (values.length > 1) return fallback;
    if (values[0] !== undefined) kept[key] = values[0];
  }
  const parsed = browseQuery.safeParse(kept);
  if (!parsed.success) return fallback;
  const q = new URLSearchParams();
  for (const key of BROWSE_KEYS) {
    const value = key in kept ? parsed.data[key] : undefined;
    if (value) q.set(key, value);
  }
  const query = q.toString();
  return query ? `${fallback}?${query}` : fallback;
}
