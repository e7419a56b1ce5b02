import { describe, expect, it } from 'vitest';
import { nextOffsetFrom } from '../../src/adapters/google-drive-resumable.js';
import { AesGcmTokenSealer } from '../../src/adapters/token-sealer.js';
import { GENESIS, lineHash, pseudonymise, verifyChain } from '../../src/domain/audit.js';
import { fromAcceptLanguage, translator } from '../../src/http/i18n.js';

describe('fromAcceptLanguage', () => {
  it.each([
    ['nl-NL,nl;q=0.9,en;q=0.8', 'nl'],
    ['sv-SE', 'sv'],
    ['de-DE,sv;q=0.5,en;q=0.7', 'en'],
    ['fr', null],
    [undefined, null],
    ['en;q=0, nl;q=0.1', 'nl'],
  ])('%s -> %s', (header, lang) => {
    expect(fromAcceptLanguage(header)).toBe(lang);
  });
});

describe('translator', () => {
  it('interpolates and falls back to the key', () => {
    const t = translator({ hi: 'Hello {name}, {n} new' });
    expect(t('hi', { name: 'Ada', n: 3 })).toBe('Hello Ada, 3 new');
    expect(t('missing')).toBe('missing');
  });
});

describe('AesGcmTokenSealer', () => {
  const sealer = new AesGcmTokenSealer('s'.repeat(40));
  it('round-trips with a fresh IV each time and hides the token', () => {
    const token = 'ya29.a0AfH6SMBexampleexampleexample';
    const a = sealer.seal(token);
    const b = sealer.seal(token);
    expect(a).not.toBe(b);
    expect(a).not.toContain('ya29');
    expect(sealer.open(a)).toBe(token);
  });
  it('refuses a tampered value and another key', () => {
    const sealed = sealer.seal('ya29.secret');
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.at(-1)}`;
    expect(() => sealer.open(flipped)).toThrow();
    expect(() => new AesGcmTokenSealer('t'.repeat(40)).open(sealed)).toThrow();
  });
});

describe('audit chain', () => {
  const line = (prev: string, event: string) => JSON.stringify({ time: 't', event, prev });
  it('accepts an intact chain and names the first broken line', () => {
    const l1 = line(GENESIS, 'signin');
    const l2 = line(lineHash(l1), 'print.submitted');
    const l3 = line(lineHash(l2), 'signout');
    expect(verifyChain([l1, l2, l3])).toEqual({ ok: true, lines: 3 });
    expect(verifyChain([l1, l2.replace('print.submitted', 'print.completed'), l3])).toMatchObject({
      ok: false,
      line: 3,
    });
    expect(verifyChain([l1, l3])).toMatchObject({ ok: false, line: 2 });
  });
  it('pseudonymises case-insensitively with the key', () => {
    expect(pseudonymise('k', 'Alice@Example.com')).toBe(pseudonymise('k', 'alice@example.com'));
    expect(pseudonymise('k', 'alice@example.com')).not.toBe(pseudonymise('k2', 'alice@example.com'));
    expect(pseudonymise('k', 'alice@example.com')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('nextOffsetFrom', () => {
  it.each([
    [null, 0],
    ['bytes=0-262143', 262144],
    ['bytes=0-0', 1],
    ['junk', 0],
  ])('%s -> %i', (range, offset) => {
    expect(nextOffsetFrom(range)).toBe(offset);
  });
});
