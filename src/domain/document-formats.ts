// Which Drive files can be printed, and in what form they reach the printer.

import type { ConversionTools } from './ports.js';

export const FOLDER_MIME = 'application/vnd.google-apps.folder';

/** Google editor files have no bytes of their own; Drive exports them to PDF for us. */
const EXPORTABLE = new Set([
  'application/vnd.google-apps.document',
  'application/vnd.google-apps.spreadsheet',
  'application/vnd.google-apps.presentation',
  'application/vnd.google-apps.drawing',
]);

export function isFolder(mimeType: string): boolean {
  return mimeType === FOLDER_MIME;
}

export function isGoogleEditorFile(mimeType: string): boolean {
  return EXPORTABLE.has(mimeType);
}

// ---- What the connector can turn into something a printer takes ----------------------------

/** The IPP document formats the connector sends (PWG 5100.14 IPP Everywhere and Apple's URF). */
export const PDF = 'application/pdf';
export const PWG_RASTER = 'image/pwg-raster';
export const URF = 'image/urf';
export const JPEG = 'image/jpeg';
export const TEXT = 'text/plain';

/** Images the converter decodes; PNG and JPEG are embedded as they are, the others decoded first. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/gif',
  'image/bmp',
  'image/webp',
]);

/** Word, Excel, PowerPoint (with their macro and template variants), OpenDocument and RTF: LibreOffice. */
export const OFFICE_TYPES: ReadonlySet<string> = new Set([
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.template',
  'application/vnd.ms-word.document.macroenabled.12',
  'application/vnd.ms-word.template.macroenabled.12',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.template',
  'application/vnd.ms-excel.sheet.macroenabled.12',
  'application/vnd.ms-excel.sheet.binary.macroenabled.12',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.openxmlformats-officedocument.presentationml.slideshow',
  'application/vnd.openxmlformats-officedocument.presentationml.template',
  'application/vnd.ms-powerpoint.presentation.macroenabled.12',
  'application/vnd.ms-powerpoint.slideshow.macroenabled.12',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/vnd.oasis.opendocument.graphics',
  'application/rtf',
  'text/rtf',
]);

/** Raster files made for printers: they pass through to a printer that lists them, and are never converted. */
const RASTER_TYPES: ReadonlySet<string> = new Set([PWG_RASTER, URF]);

/** Other names seen for the same types (browsers, old Windows, Drive uploads from odd clients). */
const ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/tif': 'image/tiff',
  'image/x-tiff': 'image/tiff',
  'image/x-bmp': 'image/bmp',
  'image/x-ms-bmp': 'image/bmp',
  'application/x-pdf': 'application/pdf',
  'application/x-rtf': 'application/rtf',
};

/** Drive says application/octet-stream when the uploader named no type; the name's extension then tells. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  pdf: PDF,
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  txt: TEXT,
  text: TEXT,
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  dotx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.template',
  docm: 'application/vnd.ms-word.document.macroenabled.12',
  dotm: 'application/vnd.ms-word.template.macroenabled.12',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xltx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.template',
  xlsm: 'application/vnd.ms-excel.sheet.macroenabled.12',
  xlsb: 'application/vnd.ms-excel.sheet.binary.macroenabled.12',
  ppt: 'application/vnd.ms-powerpoint',
  pps: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ppsx: 'application/vnd.openxmlformats-officedocument.presentationml.slideshow',
  potx: 'application/vnd.openxmlformats-officedocument.presentationml.template',
  pptm: 'application/vnd.ms-powerpoint.presentation.macroenabled.12',
  ppsm: 'application/vnd.ms-powerpoint.slideshow.macroenabled.12',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  odg: 'application/vnd.oasis.opendocument.graphics',
  rtf: 'application/rtf',
  pwg: PWG_RASTER,
  urf: URF,
};

export type SourceKind = 'google-editor' | 'pdf' | 'image' | 'text' | 'office' | 'raster' | 'unsupported';

export interface SourceType {
  kind: SourceKind;
  /** The MIME type without parameters, lower case, aliases resolved, guessed from the name if need be. */
  mimeType: string;
}

/** The lower-case extension of a file name (without the dot), or '' when it has none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** What kind of document a Drive file is, by its MIME type and, when Drive does not know, its name. */
export function sourceTypeOf(mimeType: string, name = ''): SourceType {
  const bare = (mimeType.split(';')[0] ?? '').trim().toLowerCase();
  let type = ALIASES[bare] ?? bare;
  if (type === '' || type === 'application/octet-stream') type = EXTENSIONS[extensionOf(name)] ?? type;
  return { kind: kindOf(type), mimeType: type };
}

function kindOf(type: string): SourceKind {
  if (EXPORTABLE.has(type)) return 'google-editor';
  if (type === PDF) return 'pdf';
  if (IMAGE_TYPES.has(type)) return 'image';
  if (type === TEXT) return 'text';
  if (OFFICE_TYPES.has(type)) return 'office';
  if (RASTER_TYPES.has(type)) return 'raster';
  return 'unsupported';
}

/**
 * Whether the connector can print a file of this type with the tools it has (a browse page greys out the
 * rest). The printer is not known here: a raster-only printer may still refuse it without Ghostscript.
 */
export function isPrintableType(mimeType: string, tools: ConversionTools, name = ''): boolean {
  const { kind } = sourceTypeOf(mimeType, name);
  if (kind === 'office') return tools.libreoffice;
  return kind !== 'unsupported';
}

/** The sentence a refusal ends with, naming what can be printed with the tools installed now. */
export function printableTypesSentence(tools: ConversionTools): string {
  const office = tools.libreoffice ? ', Word, Excel, PowerPoint and OpenDocument files' : '';
  return (
    'You can print PDF files, Google Docs, Sheets, Slides and Drawings, images (JPEG, PNG, TIFF, GIF, BMP, ' +
    `WebP), plain text files${office}.`
  );
}
