import { readFileSync } from 'node:fs';
import path from 'node:path';

export const LANGUAGES = ['en', 'nl', 'sv'] as const;
export type Lang = (typeof LANGUAGES)[number];

export type Catalog = Record<string, string>;
export type Translate = (key: string, params?: Record<string, string | number>) => string;

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Loads views/locales/{en,nl,sv}.json; a language without a file falls back to English key by key. */
export function loadCatalogs(viewsDir: string): Record<Lang, Catalog> {
  const read = (lang: Lang): Catalog => {
    try {
      return JSON.parse(readFileSync(path.join(viewsDir, 'locales', `${lang}.json`), 'utf8')) as Catalog;
    } catch {
      return {};
    }
  };
  const en = read('en');
  return { en, nl: { ...en, ...read('nl') }, sv: { ...en, ...read('sv') } };
}

export function translator(catalog: Catalog): Translate {
  return (key, params) => {
    const text = catalog[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in params ? String(params[name]) : whole,
    );
  };
}

/** The best of our languages for an Accept-Language header (quality values honoured). */
export function fromAcceptLanguage(header: string | undefined): Lang | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { base: tag.toLowerCase().split('-')[0] ?? '', q: q ? Number(q) : 1 };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const r of ranked) {
    if (isLang(r.base)) return r.base;
  }
  return null;
}
