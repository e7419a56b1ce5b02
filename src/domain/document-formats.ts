// Which Drive files can be printed, and in what form they reach the printer.

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

/** Google editor files have no bytes of their own; Drive exports them to PDF for us. */
const EXPORTABLE = new Set([
  'application/vnd.google-apps.document',
  'application/vnd.google-apps.spreadsheet',
  'application/vnd.google-apps.presentation',
  'application/vnd.google-apps.drawing',
]);

/** Formats office printers accept directly (IPP Everywhere requires PDF or raster; JPEG is common). */
const DIRECT = new Set(['application/pdf', 'image/jpeg', 'image/png', 'image/pwg-raster', 'image/urf']);

export type PrintPlan =
  | { kind: 'download'; documentFormat: string }
  | { kind: 'export'; documentFormat: 'application/pdf' };

/** How a file of this MIME type is fetched and what document-format the printer is sent; null if unprintable. */
export function printPlanFor(mimeType: string): PrintPlan | null {
  if (EXPORTABLE.has(mimeType)) return { kind: 'export', documentFormat: 'application/pdf' };
  if (DIRECT.has(mimeType)) return { kind: 'download', documentFormat: mimeType };
  return null;
}

export function isFolder(mimeType: string): boolean {
  return mimeType === FOLDER_MIME;
}

export function isGoogleEditorFile(mimeType: string): boolean {
  return EXPORTABLE.has(mimeType);
}
