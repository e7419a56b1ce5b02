// What a scan is, judged by its own bytes, and what it may be called in Drive.

export type ScanType = 'application/pdf' | 'image/jpeg' | 'image/png' | 'image/tiff';

const EXTENSIONS: Record<ScanType, string> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/tiff': '.tif',
};

/** The type from the first bytes of a file (magic numbers), or null for anything else. */
export function sniffScanType(head: Uint8Array): ScanType | null {
  const b = (i: number) => head[i];
  if (b(0) === 0x25 && b(1) === 0x50 && b(2) === 0x44 && b(3) === 0x46 && b(4) === 0x2d)
    return 'application/pdf';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'image/jpeg';
  if (
    b(0) === 0x89 &&
    b(1) === 0x50 &&
    b(2) === 0x4e &&
    b(3) === 0x47 &&
    b(4) === 0x0d &&
    b(5) === 0x0a &&
    b(6) === 0x1a &&
    b(7) === 0x0a
  ) {
    return 'image/png';
  }
  if (
    (b(0) === 0x49 && b(1) === 0x49 && b(2) === 0x2a && b(3) === 0x00) ||
    (b(0) === 0x4d && b(1) === 0x4d && b(2) === 0x00 && b(3) === 0x2a)
  ) {
    return 'image/tiff';
  }
  return null;
}

export function extensionFor(type: ScanType): string {
  return EXTENSIONS[type];
}

/** Windows device names, reserved with any extension too (NUL.pdf opens the null device). */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])$/i;
/** Half of a surrogate pair on its own: not text, and Drive would store U+FFFD or refuse it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * Invisible format characters (Unicode Cf): bidi overrides, embeddings and isolates (U+202A-202E,
 * U+2066-2069), marks (U+200E/200F, U+061C), zero-width spaces, BOM, tag characters. They let a name
 * pose as another ("invoice\u202Egpj.exe.pdf" shows as "invoicefdp.exe.jpg"). ZWNJ and ZWJ stay:
 * Persian and Indic words and emoji sequences need them, and they do not reorder text.
 */
const FORMAT_CHARS = /(?![\u200C\u200D])\p{Cf}/gu;
/** C0 controls, DEL and C1 controls (U+0080-009F). */
const CONTROL_CHARS = /\p{Cc}/gu;

function cleanOnce(raw: string, maxLength: number): string {
  let name = raw
    .replace(LONE_SURROGATE, '')
    .replace(FORMAT_CHARS, '')
    // Tabs, line breaks and other spacing become one space before the remaining controls go.
    .replace(/\s+/g, ' ')
    .replace(CONTROL_CHARS, '')
    .replace(/\s+/g, ' ')
    .normalize('NFC')
    .replace(/[\\/:*?"<>|]+/g, '-')
    .trim()
    .replace(/^[.\-\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (!/[^\s\u200C\u200D]/u.test(name)) return '';
  const stem = name.split('.')[0]?.trimEnd() ?? '';
  if (WINDOWS_RESERVED.test(stem)) name = `_${name}`;
  // Counted in code points, so a cut never leaves half a surrogate pair.
  const points = Array.from(name);
  return points.length > maxLength
    ? points
        .slice(0, maxLength)
        .join('')
        .replace(/[.\s]+$/, '')
    : name;
}

/**
 * A file name Drive and every desktop sync client accept, that shows what it is: no bidi or other
 * invisible format characters, no control characters, no path separators or characters Windows
 * forbids, no leading dots or dashes, no trailing dots or spaces, no Windows device name, NFC, at
 * most `maxLength` code points. Drive itself allows almost anything, but synced copies end up on
 * Windows and macOS. Never empty: `fallback` (cleaned the same way), else "Scan".
 */
export function safeDriveName(raw: string | undefined, fallback: string, maxLength = 200): string {
  return cleanOnce(raw ?? '', maxLength) || cleanOnce(fallback, maxLength) || 'Scan';
}

/** safeDriveName with the extension of the real type (a claimed .jpg on a PDF becomes .pdf). */
export function cleanScanName(raw: string | undefined, type: ScanType, fallback: string): string {
  const ext = extensionFor(type);
  const name = safeDriveName(raw, fallback);
  const lower = name.toLowerCase();
  const known = Object.values(EXTENSIONS).concat(['.jpeg', '.tiff']);
  const hasExt = known.find((e) => lower.endsWith(e));
  const bare = hasExt ? name.slice(0, -hasExt.length) : name;
  return `${safeDriveName(bare, fallback, 200 - ext.length)}${ext}`;
}

/** What a device's HTTP filing form (`theOperation`) asks of a scan link. */
export type FilingAction = 'put' | 'directory' | 'delete';

const FILING_ACTIONS: Record<string, FilingAction> = {
  putfile: 'put',
  listdir: 'directory',
  makedir: 'directory',
  removedir: 'directory',
  deletefile: 'delete',
};

/** The action for `theOperation`; none given is an upload (our own `file` form); null when unknown. */
export function filingAction(operation: string | undefined): FilingAction | null {
  const key = (operation ?? '').trim().toLowerCase();
  if (key === '') return 'put';
  return Object.hasOwn(FILING_ACTIONS, key) ? (FILING_ACTIONS[key] as FilingAction) : null;
}
