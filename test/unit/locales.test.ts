import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Catalog = Record<string, string>;

const load = (lang: string): Catalog =>
  JSON.parse(readFileSync(new URL(`../../views/locales/${lang}.json`, import.meta.url), 'utf8')) as Catalog;

const en = load('en');

/** Keys whose text may equal the English text in every language: language names, units, format names. */
const SAME_IN_ALL = ['type.pdf', 'app.name'];
const SAME_PREFIXES = ['lang.', 'size.'];

/** Product names and words that are spelled exactly as in English in one language. */
const SAME_IN: Record<string, string[]> = {
  nl: ['nav.privacy', 'signin.printer', 'print.printer', 'privacy.h.cookie', 'scan.defaultName'],
  sv: [],
};

const placeholders = (text: string): string[] => [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();

describe.each(['nl', 'sv'])('%s catalog', (lang) => {
  const catalog = load(lang);
  const allowedSame = new Set([...SAME_IN_ALL, ...(SAME_IN[lang] ?? [])]);

  it('has exactly the keys of en.json, in the same order', () => {
    expect(Object.keys(catalog)).toEqual(Object.keys(en));
  });

  it.each(Object.keys(en))('%s keeps the placeholders of the English text', (key) => {
    expect(placeholders(catalog[key] ?? '')).toEqual(placeholders(en[key] ?? ''));
  });

  it('has no empty text', () => {
    const empty = Object.keys(catalog).filter((key) => (catalog[key] ?? '').trim() === '');
    expect(empty).toEqual([]);
  });

  it('translates every text outside the allow-list', () => {
    const untranslated = Object.keys(en).filter(
      (key) =>
        catalog[key] === en[key] &&
        !allowedSame.has(key) &&
        !SAME_PREFIXES.some((prefix) => key.startsWith(prefix)),
    );
    expect(untranslated).toEqual([]);
  });

  it('keeps language names identical to en.json', () => {
    for (const key of Object.keys(en).filter((k) => k.startsWith('lang.') && k !== 'lang.switch')) {
      expect(catalog[key]).toBe(en[key]);
    }
  });
});
