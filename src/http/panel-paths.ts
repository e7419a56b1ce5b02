// Where the panel goes after sign-in and after sign-out. Both are paths of this connector only:
// a return path never leaves the origin, and the start page carries the panel's own printer so a
// shared screen comes back to its printer once the session (and its cookie) is gone.

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
