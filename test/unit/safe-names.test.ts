import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanScanName, safeDriveName } from '../../src/domain/scan-files.js';
import { browseReturn, returnPath, startPage } from '../../src/http/panel-paths.js';
import { withQuery } from '../../src/http/render.js';

const FORBIDDEN = /[\\/:*?"<>|]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never survive
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

describe('safeDriveName', () => {
  it.each([
    // [what, raw, expected]
    ['a plain name', 'Invoice March', 'Invoice March'],
    ['right-to-left override', 'invoice\u202Egpj.exe.pdf', 'invoicegpj.exe.pdf'],
    ['left-to-right and pop', 'a\u202Ab\u202Cc\u202Dd', 'abcd'],
    ['isolates', '\u2066x\u2067y\u2068z\u2069', 'xyz'],
    ['LRM, RLM and the Arabic letter mark', 'a\u200Eb\u200Fc\u061Cd', 'abcd'],
    ['zero-width space, word joiner, BOM', 'a\u200Bb\u2060c\uFEFFd', 'abcd'],
    ['tag characters (hidden text)', 'pay\u{E0041}\u{E0042}me', 'payme'],
    ['C1 controls', 'a\u0085b\u009Bc\u0080d', 'abcd'],
    ['NUL, BEL and DEL', 'ctrl\u0000\u0007\u007Fchars', 'ctrlchars'],
    ['CR and LF', 'two\r\nlines', 'two lines'],
    ['a control between spaces leaves one space (found by the property below)', 'a\t\u0000\tb', 'a b'],
    ['TAB and vertical tab', 'tab\there\u000Bnow', 'tab here now'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a b c'],
    ['characters Windows forbids', 'a/b\\c:d*e?f"g<h>i|j', 'a-b-c-d-e-f-g-h-i-j'],
    ['path traversal', '../../etc/passwd', 'etc-passwd'],
    ['leading dots (hidden file)', '.bashrc', 'bashrc'],
    ['leading dash (option to a tool)', '-rf now', 'rf now'],
    ['trailing dots and spaces', 'name. . ', 'name'],
    ['reserved device name', 'CON', '_CON'],
    ['reserved with an extension', 'nul.pdf', '_nul.pdf'],
    ['reserved with a space before the dot', 'COM1 .txt', '_COM1 .txt'],
    ['reserved with a superscript digit', 'LPT\u00B9', '_LPT\u00B9'],
    ['not reserved: longer word', 'CONSOLE', 'CONSOLE'],
    ['NFD becomes NFC', 'Cafe\u0301', 'Caf\u00E9'],
    ['Hebrew stays as it is', '\u05D7\u05E9\u05D1\u05D5\u05DF', '\u05D7\u05E9\u05D1\u05D5\u05DF'],
    ['Arabic stays as it is', '\u0641\u0627\u062A\u0648\u0631\u0629', '\u0641\u0627\u062A\u0648\u0631\u0629'],
    [
      'Persian keeps ZWNJ',
      '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645',
      '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645',
    ],
    ['emoji with ZWJ', 'team \u{1F469}\u200D\u{1F4BB}', 'team \u{1F469}\u200D\u{1F4BB}'],
    ['lone high surrogate', 'a\uD800b', 'ab'],
    ['lone low surrogate', 'a\uDC00b', 'ab'],
    ['empty', '', 'Fallback'],
    ['only dots', '...', 'Fallback'],
    ['only controls and bidi', '\u202E\u0000\r\n\u2066', 'Fallback'],
    ['only a joiner', '\u200D', 'Fallback'],
    ['undefined', undefined, 'Fallback'],
  ])('%s', (_what, raw, expected) => {
    expect(safeDriveName(raw, 'Fallback')).toBe(expected);
  });

  it('cleans the fallback too, and ends at "Scan" when even that is empty', () => {
    expect(safeDriveName('', '\u202E..Scan 12:00')).toBe('Scan 12-00');
    expect(safeDriveName('\u0000', '\u202E')).toBe('Scan');
  });

  it('bounds the length in code points without splitting a pair, and trims what the cut exposes', () => {
    expect(safeDriveName('x'.repeat(500), 'F')).toHaveLength(200);
    const emoji = safeDriveName('\u{1F600}'.repeat(300), 'F');
    expect(Array.from(emoji)).toHaveLength(200);
    expect(emoji).not.toMatch(LONE);
    expect(safeDriveName(`${'a'.repeat(9)}. b`, 'F', 10)).toBe('a'.repeat(9));
  });

  it('holds for any text: clean, bounded, never empty, NFC, and cleaning twice changes nothing', () => {
    const hostile = fc.constantFrom(
      '\u202E',
      '\u2066',
      '\u200F',
      '\u061C',
      '\u0000',
      '\u0085',
      '\r',
      '\n',
      '/',
      '\\',
      ':',
      '.',
      ' ',
      'CON',
      'e\u0301',
      '\uD800',
      '\u{1F600}',
    );
    const text = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), hostile), { maxLength: 40 });
    fc.assert(
      fc.property(
        text.map((parts) => parts.join('')),
        (raw) => {
          const name = safeDriveName(raw, 'Scan');
          expect(name.length).toBeGreaterThan(0);
          expect(Array.from(name).length).toBeLessThanOrEqual(200);
          expect(name).not.toMatch(FORBIDDEN);
          expect(name).not.toMatch(CONTROL);
          expect(name).not.toMatch(BIDI);
          expect(name).not.toMatch(/^[.\-\s]|[.\s]$/);
          expect(name).not.toMatch(LONE);
          expect(name).toBe(name.normalize('NFC'));
          expect(name.split('.')[0]?.trimEnd()).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/i);
          expect(safeDriveName(name, 'Other')).toBe(name);
        },
      ),
      { numRuns: 2000, interruptAfterTimeLimit: 4000 },
    );
  });
});

describe('cleanScanName uses the same rule', () => {
  it.each([
    ['invoice\u202Egpj.exe.pdf', 'application/pdf', 'invoicegpj.exe.pdf'],
    ['photo\u202Efdp.jpg', 'image/jpeg', 'photofdp.jpg'],
    ['CON.pdf', 'application/pdf', '_CON.pdf'],
    ['aux.jpg', 'application/pdf', '_aux.pdf'],
    ['report\r\n.pdf', 'application/pdf', 'report.pdf'],
    ['.pdf', 'application/pdf', 'pdf.pdf'],
    ['\u202E.pdf', 'image/png', 'pdf.png'],
    ['\u202E\u0000 ', 'image/png', 'Scan 1.png'],
  ])('%j as %s -> %j', (raw, type, expected) => {
    expect(cleanScanName(raw, type as never, 'Scan 1')).toBe(expected);
  });

  it('a dirty fallback (a ticket keeps its cleaned name as the fallback) is cleaned as well', () => {
    expect(cleanScanName('', 'application/pdf', '\u202E..')).toBe('Scan.pdf');
  });
});

describe('browseReturn: the print page goes back only to our own browse screen', () => {
  const origins = ['http://127.0.0.1:3000', 'https://print.example.com'];
  it.each([
    ['same origin, browse', 'http://127.0.0.1:3000/browse', '/browse'],
    [
      'keeps a valid browse query',
      'http://127.0.0.1:3000/browse?view=shared&folderId=F_1-a&q=tax+2026&sort=date',
      '/browse?view=shared&folderId=F_1-a&q=tax+2026&sort=date',
    ],
    [
      'the public URL counts as ours',
      'https://print.example.com/browse?folderId=abc',
      '/browse?folderId=abc',
    ],
    ['drops unknown query keys', 'http://127.0.0.1:3000/browse?next=https://evil.example', '/browse'],
    ['another site', 'https://evil.example/browse', '/browse'],
    ['look-alike host', 'http://127.0.0.1:3000.evil.example/browse', '/browse'],
    ['same host, other port', 'http://127.0.0.1:3001/browse?folderId=x', '/browse'],
    ['same host, other scheme', 'https://127.0.0.1:3000/browse?folderId=x', '/browse'],
    ['user info', 'http://evil@127.0.0.1:3000/browse?folderId=x', '/browse'],
    ['protocol-relative', '//evil.example/browse', '/browse'],
    ['backslash', '/\\evil.example/browse', '/browse'],
    ['a bare path', '/browse?folderId=x', '/browse'],
    ['javascript:', 'javascript:alert(1)//127.0.0.1:3000/browse', '/browse'],
    ['data:', 'data:text/html,<script>alert(1)</script>', '/browse'],
    ['another of our pages', 'http://127.0.0.1:3000/admin', '/browse'],
    ['a path that only starts like browse', 'http://127.0.0.1:3000/browse/../admin', '/browse'],
    ['encoded slash after browse', 'http://127.0.0.1:3000/browse%2F..%2Fadmin', '/browse'],
    ['encoded dot segments', 'http://127.0.0.1:3000/%2e%2e/browse?folderId=a', '/browse?folderId=a'],
    ['a hostile folder id', 'http://127.0.0.1:3000/browse?folderId=../../x', '/browse'],
    ['a folder id with a quote', "http://127.0.0.1:3000/browse?folderId=a'or'1", '/browse'],
    ['a repeated key', 'http://127.0.0.1:3000/browse?folderId=a&folderId=b', '/browse'],
    ['an unknown view', 'http://127.0.0.1:3000/browse?view=admin', '/browse'],
    ['CR/LF', 'http://127.0.0.1:3000/browse\r\nLocation: https://evil.example', '/browse'],
    ['NUL', 'http://127.0.0.1:3000/browse\u0000', '/browse'],
    ['very long', `http://127.0.0.1:3000/browse?q=${'a'.repeat(5000)}`, '/browse'],
    ['search too long for the browse screen', `http://127.0.0.1:3000/browse?q=${'a'.repeat(300)}`, '/browse'],
    ['not a URL', 'not a url', '/browse'],
    ['empty', '', '/browse'],
    ['missing', undefined, '/browse'],
  ])('%s', (_what, referer, expected) => {
    expect(browseReturn(referer, origins)).toBe(expected);
  });

  it('a search with quotes and markup stays a query value (encoded), never markup or a new key', () => {
    const back = browseReturn(
      `http://127.0.0.1:3000/browse?q=${encodeURIComponent(`"><x' or '1'='1&view=drives`)}`,
      origins,
    );
    expect(back.startsWith('/browse?')).toBe(true);
    const q = new URLSearchParams(back.slice('/browse?'.length));
    expect(q.get('q')).toBe(`"><x' or '1'='1&view=drives`);
    expect(q.get('view')).toBeNull();
    expect(back).not.toMatch(/["<>']/);
  });

  it('never returns anything but a path starting with /browse', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string(), (url, junk) => {
        for (const referer of [url, `${url}${junk}`, `http://127.0.0.1:3000/${junk}`]) {
          expect(browseReturn(referer, origins)).toMatch(/^\/browse(\?[^\s"'<>]*)?$/);
        }
      }),
      { numRuns: 300, interruptAfterTimeLimit: 4000 },
    );
  });
});

describe('other places that build a path from input', () => {
  it.each([
    '//evil.example',
    '/\\evil.example',
    'https://evil.example/browse',
    'javascript:alert(1)',
    '/browse?next=//evil',
    '/%2F%2Fevil.example',
    '/browse%2F..%2Fadmin',
    '/browse\r\nLocation: x',
    `/print/${'a'.repeat(300)}`,
    '/pair/short',
  ])('returnPath (sign-in next) refuses %j', (bad) => {
    expect(returnPath(bad)).toBeUndefined();
  });

  it.each([
    ['/..//evil.example', '/evil.example?lang=nl'],
    ['/.//evil.example/x', '/evil.example/x?lang=nl'],
    ['/%2e%2e//evil.example', '/evil.example?lang=nl'],
    ['/x/../\\evil.example', '/evil.example?lang=nl'],
    ['//evil.example/x', '/x?lang=nl'],
    ['/browse?folderId=a&lang=sv', '/browse?folderId=a&lang=nl'],
  ])('the language link for %j stays on this site: %j', (url, expected) => {
    expect(withQuery(url, { lang: 'nl' })).toBe(expected);
  });

  it.each([
    [{ printerId: 'https://evil.example' }, '/'],
    [{ printerId: '//evil' }, '/'],
    [{ printerId: 'floor2\r\nSet-Cookie: x' }, '/'],
    [{ printerId: 'floor2', notice: 'failed' }, '/?signin=failed&printer=floor2'],
  ])('startPage(%j) -> %j', (options, expected) => {
    expect(startPage(options)).toBe(expected);
  });
});
