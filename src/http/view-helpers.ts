import type { Lang, Translate } from './i18n.js';

/** Human size in the person's language: 0.9 MB, 12 KB. */
export function formatBytes(t: Translate, n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '';
  if (n < 1024) return t('size.bytes', { n });
  const units = ['size.kb', 'size.mb', 'size.gb'] as const;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return t(units[unit] as string, { n: shown });
}

const LOCALES: Record<Lang, string> = { en: 'en-GB', nl: 'nl-NL', sv: 'sv-SE' };

export function formatDate(lang: Lang, iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** Catalog key for a file's kind. */
export function typeKey(mimeType: string): string {
  if (mimeType === 'application/vnd.google-apps.folder') return 'type.folder';
  if (mimeType === 'application/pdf') return 'type.pdf';
  if (mimeType.startsWith('image/')) return 'type.image';
  if (mimeType === 'application/vnd.google-apps.document') return 'type.doc';
  if (mimeType === 'application/vnd.google-apps.spreadsheet') return 'type.sheet';
  if (mimeType === 'application/vnd.google-apps.presentation') return 'type.slides';
  if (mimeType === 'application/vnd.google-apps.drawing') return 'type.drawing';
  if (mimeType === 'text/plain') return 'type.text';
  if (mimeType === 'application/msword' || mimeType.includes('wordprocessingml')) return 'type.word';
  if (mimeType === 'application/vnd.ms-excel' || mimeType.includes('spreadsheetml')) return 'type.excel';
  if (mimeType === 'application/vnd.ms-powerpoint' || mimeType.includes('presentationml'))
    return 'type.powerpoint';
  if (mimeType.startsWith('application/vnd.oasis.opendocument.')) return 'type.opendocument';
  return 'type.other';
}

/** Which icon a file shows (views/static/icon-<kind>.svg); Office and text files look like their Google kin. */
export type IconKind = 'pdf' | 'image' | 'doc' | 'sheet' | 'slides' | 'folder' | 'drive' | 'other';

export function iconKind(mimeType: string, options: { sharedDrive?: boolean } = {}): IconKind {
  if (options.sharedDrive) return 'drive';
  const key = typeKey(mimeType);
  const kinds: Record<string, IconKind> = {
    'type.folder': 'folder',
    'type.pdf': 'pdf',
    'type.image': 'image',
    'type.drawing': 'image',
    'type.doc': 'doc',
    'type.word': 'doc',
    'type.text': 'doc',
    'type.sheet': 'sheet',
    'type.excel': 'sheet',
    'type.slides': 'slides',
    'type.powerpoint': 'slides',
  };
  return kinds[key] ?? 'other';
}

/** printer-state-reasons keywords (RFC 8011 section 5.4.12, PWG 5100.9) with a text of their own. */
export const KNOWN_REASONS = [
  'media-empty',
  'media-needed',
  'media-low',
  'media-jam',
  'door-open',
  'cover-open',
  'interlock-open',
  'toner-low',
  'toner-empty',
  'marker-supply-low',
  'marker-supply-empty',
  'offline',
  'paused',
  'moving-to-paused',
  'stopping',
  'shutdown',
  'output-area-full',
  'output-area-almost-full',
  'input-tray-missing',
  'connecting-to-device',
  'spool-area-full',
  'other',
] as const;

/** PWG 5100.1 finishing keywords with a text of their own; others read as their keyword. */
export const KNOWN_FINISHINGS = [
  'staple',
  'staple-top-left',
  'staple-bottom-left',
  'staple-top-right',
  'staple-bottom-right',
  'staple-dual-left',
  'staple-dual-top',
  'punch',
  'punch-dual-left',
  'punch-dual-top',
  'punch-triple-left',
  'punch-quad-left',
  'fold',
  'fold-half',
  'bind',
  'booklet-maker',
  'saddle-stitch',
  'trim',
  'jog-offset',
] as const;

/** "staple-dual-left" -> "Staple dual left": the last resort for a keyword without a text. */
export function readableKeyword(keyword: string): string {
  const words = keyword.replace(/[-_.]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A printer-state-reasons keyword in the person's words. */
export function reasonText(t: Translate, keyword: string): string {
  return (KNOWN_REASONS as readonly string[]).includes(keyword)
    ? t(`printer.reason.${keyword}`)
    : t('printer.reason.unknown', { reason: readableKeyword(keyword) });
}

/** A finishing keyword in the person's words. */
export function finishingText(t: Translate, keyword: string): string {
  return (KNOWN_FINISHINGS as readonly string[]).includes(keyword)
    ? t(`print.finishing.${keyword}`)
    : readableKeyword(keyword);
}

const JOB_STATES = [
  'queued',
  'downloading',
  'sending',
  'printing',
  'completed',
  'failed',
  'canceled',
] as const;
const PRINTER_STATES = ['idle', 'processing', 'stopped', 'unreachable'] as const;
const STEPS = ['download', 'convert', 'send', 'print'] as const;

/** The texts the panel script needs to keep a job page up to date, in the person's language. */
export function jobTexts(t: Translate) {
  const each = <K extends string>(keys: readonly K[], prefix: string) =>
    Object.fromEntries(keys.map((k) => [k, t(`${prefix}${k}`)])) as Record<K, string>;
  return {
    reasons: each(KNOWN_REASONS, 'printer.reason.'),
    /** With {reason} for a keyword that has no text of its own. */
    reasonUnknown: t('printer.reason.unknown'),
    states: each(JOB_STATES, 'job.state.'),
    printerStates: each(PRINTER_STATES, 'printer.state.'),
    failedAt: each(STEPS, 'job.failedAt.'),
    pagesDone: { one: t('job.pagesDone.one'), other: t('job.pagesDone.other') },
  };
}

/** The chosen options as a job page shows them (presented: pageRanges as text). */
export interface ChosenOptions {
  copies?: number;
  sides?: string;
  color?: string;
  media?: string;
  pageRanges?: string;
  orientation?: string;
  numberUp?: number;
  quality?: string;
  finishings?: string[];
}

/**
 * "2 copies", "Two-sided (book)", "Black and white", "A4", "Pages 2-3"…: one part per option the person
 * chose; options left to the printer are left out. `mediaName` gives a media id's readable name.
 */
export function optionSummary(
  t: Translate,
  options: ChosenOptions,
  mediaName: (id: string) => string = (id) => id,
): string[] {
  const parts: string[] = [];
  if (options.copies !== undefined)
    parts.push(options.copies === 1 ? t('job.copies.one') : t('job.copies.other', { n: options.copies }));
  if (options.sides) parts.push(t(`print.sides.${options.sides}`));
  if (options.color) parts.push(t(`print.color.${options.color}`));
  if (options.media) parts.push(mediaName(options.media));
  if (options.pageRanges) parts.push(t('job.pages', { pages: options.pageRanges }));
  if (options.orientation) parts.push(t(`print.orientation.${options.orientation}`));
  if (options.numberUp !== undefined && options.numberUp > 1)
    parts.push(t('job.numberUp', { n: options.numberUp }));
  if (options.quality) parts.push(t(`job.quality.${options.quality}`));
  for (const f of options.finishings ?? []) parts.push(finishingText(t, f));
  return parts;
}

/** JSON for a <script type="application/json"> block: '<' escaped so no text can end the block. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
