import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { JPEG, makePdf } from '../fixtures/documents.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

// Every name the connector gives a file in Drive is cleaned (domain/scan-files.ts safeDriveName),
// whichever way the scan came in; names from Drive are escaped on every page; the print page's way
// back never leaves the connector.

/** The default name in English: "Scan 2026-11-22 19.50". */
const DEFAULT_NAME = /^Scan \d{4}-\d\d-\d\d \d\d\.\d\d\.(pdf|jpg)$/;

const HOSTILE: Array<[string, string, string | RegExp]> = [
  ['a right-to-left override', 'invoice\u202Egpj.exe', 'invoicegpj.exe.pdf'],
  ['bidi isolates and marks', '\u2067Report\u2069\u200F\u061C', 'Report.pdf'],
  ['C1 controls', 'a\u0085b\u009Bc', 'abc.pdf'],
  ['CR, LF, NUL and TAB', 'line\r\nbreak\u0000\there', 'line break here.pdf'],
  ['path traversal', '../../etc/passwd', 'etc-passwd.pdf'],
  ['Windows-forbidden characters', 'a<b>c:d"e|f?g*h', 'a-b-c-d-e-f-g-h.pdf'],
  ['a Windows device name', 'NUL', '_NUL.pdf'],
  ['only dots', '...', DEFAULT_NAME],
  ['only invisible characters', '\u202E\u200B\u2066', DEFAULT_NAME],
  ['decomposed accents (NFD)', 'Re\u0301sume\u0301', 'R\u00E9sum\u00E9.pdf'],
  ['Hebrew', '\u05D7\u05E9\u05D1\u05D5\u05E0\u05D9\u05EA', '\u05D7\u05E9\u05D1\u05D5\u05E0\u05D9\u05EA.pdf'],
  ['a very long name', 'x'.repeat(300), `${'x'.repeat(196)}.pdf`],
];

describe('bad input: names that reach Drive are clean', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
  });
  afterEach(async () => t.close());

  const expectName = (actual: string | undefined, expected: string | RegExp) =>
    typeof expected === 'string' ? expect(actual).toBe(expected) : expect(actual).toMatch(expected);

  it.each(HOSTILE)('a panel upload named with %s', async (_what, name, expected) => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('name', name)
      .attach('file', await makePdf(1), { filename: 'x.pdf', contentType: 'application/pdf' });
    expect(res.status, res.text).toBe(201);
    expectName(t.drive.uploads[0]?.name, expected);
    expect(res.body.name).toBe(t.drive.uploads[0]?.name);
  });

  it.each(HOSTILE)('a scan ticket named with %s, used by a device', async (_what, name, expected) => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const ticket = await agent
      .post('/api/scan-tickets')
      .set('X-CSRF-Token', csrf)
      .send({ folderId: 'scans', name });
    expect(ticket.status).toBe(201);
    const upload = await request(t.app)
      .post(new URL(ticket.body.uploadUrl).pathname)
      .attach('file', await makePdf(1), 'scan.pdf');
    expect(upload.status, upload.text).toBe(201);
    expectName(t.drive.uploads[0]?.name, expected);
  });

  it('a device’s own file name and filing destName are ignored: the panel chose the name', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const ticket = await agent
      .post('/api/scan-tickets')
      .set('X-CSRF-Token', csrf)
      .send({ folderId: 'scans', name: 'Chosen' });
    const upload = await request(t.app)
      .post(new URL(ticket.body.uploadUrl).pathname)
      .field('theOperation', 'PutFile')
      .field('destDir', '../../')
      .field('destName', 'evil\u202Egpj.exe')
      .attach('sendfile', JPEG, '..\\..\\evil\u202Efdp.exe');
    expect(upload.status, upload.text).toBe(201);
    expect(t.drive.uploads[0]?.name).toBe('Chosen.jpg');
  });

  it.each(HOSTILE.filter(([what]) => what !== 'a very long name'))(
    'a Scan now job named with %s',
    async (_what, name, expected) => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const res = await agent
        .post('/api/scan-jobs')
        .set('X-CSRF-Token', csrf)
        .send({ printerId: 'floor2', folderId: 'scans', name });
      expect(res.status, res.text).toBe(202);
      await t.services.deps.scanJobs.drain();
      const job = await agent.get(`/api/scan-jobs/${res.body.scanJobId}`);
      expect(job.body.state, JSON.stringify(job.body)).toBe('completed');
      expectName(t.drive.uploads[0]?.name, expected);
      expect(job.body.name).toBe(t.drive.uploads[0]?.name);
    },
  );
});

describe('bad input: names from Drive are escaped on every page', () => {
  let t: App;
  const NASTY = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', "' onmouseover='alert(1)"];
  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({ id: 'root', name: 'My Drive', mimeType: FOLDER_MIME, parent: '' });
    t.drive.addFile({ id: 'f1', name: NASTY[0] as string, mimeType: FOLDER_MIME });
    t.drive.addFile({
      id: 'p1',
      name: NASTY[1] as string,
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4'),
    });
    t.drive.addFile({
      id: 'p2',
      name: NASTY[2] as string,
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4'),
    });
  });
  afterEach(async () => t.close());

  it.each(['/browse', '/print/p1', '/print/p2', '/scan', '/browse?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E'])(
    '%s shows the names as text',
    async (path) => {
      const { agent } = await t.signInAs('alice@example.com');
      const res = await agent.get(path);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<img src=x');
      expect(res.text).not.toContain('<script>alert(1)');
      expect(res.text).not.toContain("' onmouseover='");
      if (path === '/print/p1') expect(res.text).toContain('&quot;&gt;&lt;script&gt;');
      if (path === '/browse' || path === '/scan')
        expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
      if (path === '/print/p2') expect(res.text).toContain('&#39; onmouseover=&#39;alert(1)');
    },
  );
});

describe('bad input: the print page’s Back and Cancel never leave the connector', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp({ extraEnv: { PUBLIC_URL: 'http://print.example.com' } });
    t.drive.addFile({
      id: 'pdf1',
      name: 'Plan.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4'),
    });
    t.drive.addFile({
      id: 'zip1',
      name: 'Archive.zip',
      mimeType: 'application/zip',
      content: Buffer.from('PK'),
    });
  });
  afterEach(async () => t.close());

  /** The href of every Back/Cancel button on the page. */
  const backLinks = (html: string) =>
    [...html.matchAll(/<a class="button" href="([^"]*)">/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));

  it.each([
    ['another site', 'https://evil.example/browse', '/browse'],
    ['a look-alike of our public URL', 'http://print.example.com.evil.example/browse?folderId=a', '/browse'],
    ['javascript:', 'javascript:alert(document.cookie)', '/browse'],
    ['protocol-relative', '//evil.example/browse', '/browse'],
    ['another of our pages', 'http://print.example.com/admin', '/browse'],
    [
      'our public URL, a browse folder',
      'http://print.example.com/browse?folderId=F1&view=shared',
      '/browse?view=shared&folderId=F1',
    ],
    ['the request’s own origin with a search', 'http://127.0.0.1/browse?q=tax', '/browse?q=tax'],
    [
      'our browse page with a hostile folder id',
      'http://print.example.com/browse?folderId=%22%3E%3Cscript%3E',
      '/browse',
    ],
    ['no Referer', undefined, '/browse'],
  ])('Referer from %s', async (_what, referer, expected) => {
    const { agent } = await t.signInAs('alice@example.com');
    for (const file of ['pdf1', 'zip1']) {
      const req = agent.get(`/print/${file}`).set('Host', '127.0.0.1');
      const res = await (referer ? req.set('Referer', referer) : req);
      expect(res.status).toBe(200);
      const links = backLinks(res.text);
      expect(links.length, file).toBeGreaterThan(0);
      for (const href of links) expect(href, file).toBe(expected);
    }
  });
});
