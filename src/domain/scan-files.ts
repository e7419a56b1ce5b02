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

/**
 * A name Drive and every desktop sync client accept: no path separators or characters Windows
 * forbids, no control characters, no leading dots, at most 200 characters, with the extension of
 * the real type. Drive itself allows almost anything, but synced copies end up on Windows.
 */
export function cleanScanName(raw: string | undefined, type: ScanType, fallback: string): string {
  const ext = extensionFor(type);
  let name = (raw ?? '')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[\\/:*?"<>|]+/g, '-')
    .trim()
    .replace(/^[.\-\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (name === '') name = fallback;
  const lower = name.toLowerCase();
  const known = Object.values(EXTENSIONS).concat(['.jpeg', '.tiff']);
  const hasExt = known.find((e) => lower.endsWith(e));
  if (hasExt) name = name.slice(0, -hasExt.length).replace(/[.\s]+$/, '') || fallback;
  return `${name.slice(0, 200 - ext.length)}${ext}`;
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
