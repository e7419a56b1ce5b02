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
  return 'type.other';
}
