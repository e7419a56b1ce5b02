import { gzipSync } from 'node:zlib';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildListRequest } from '../../src/adapters/google-drive-query.js';
import { parseQuery } from '../../src/dev/google-double/query-language.js';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

// Malformed, mistyped, oversized and hostile input on the JSON API. Every refusal is a 4xx in the
// contract's shape, with no stack and no upstream text, and nothing changes: no print job reaches
// the printer, no scan starts, nothing is uploaded, the session stays as it was.

/** The contract's error body, and nothing that looks like a stack or a file path. */
function expectError(res: request.Response, status: number, code?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String) } });
  expect(res.text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\/src\/|Error:|ZodError|SyntaxError/);
}

const PRINT = { fileId: 'pdf1', printerId: 'floor2' };

describe('bad input: JSON API', () => {
  let t: App;
  let agent: TestAgent;
  let csrf: string;
  let session: unknown;

  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
    t.drive.addFile({
      id: 'pdf1',
      name: 'Plan.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4'),
    });
    ({ agent, csrf } = await t.signInAs('alice@example.com'));
    session = (await agent.get('/api/session')).body;
  });
  afterEach(async () => {
    // Whatever the case, nothing happened and the person is still signed in as before.
    await t.services.deps.scanJobs.drain();
    expect(t.printer.received).toHaveLength(0);
    expect(t.scanner.started).toHaveLength(0);
    expect(t.drive.uploads).toHaveLength(0);
    expect((await agent.get('/api/session')).body).toEqual(session);
    expect(await t.tempFiles()).toEqual([]);
    await t.close();
  });

  const post = (path: string) => agent.post(path).set('X-CSRF-Token', csrf);

  // Routes that read a JSON body; /auth/signout is among them: a bad body must not sign anyone out.
  const JSON_ROUTES = ['/api/print', '/api/scan-jobs', '/api/scan-tickets', '/auth/signout'];

  describe.each(JSON_ROUTES)('%s', (path) => {
    it.each([
      ['truncated JSON', '{"folderId":'],
      ['single quotes', "{'folderId':'scans'}"],
      ['trailing comma', '{"folderId":"scans",}'],
      ['a bare string (not an object)', '"scans"'],
      ['a bare number', '42'],
      ['null', 'null'],
      ['NUL byte', '{"folderId":"sc\u0000ans"'],
      ['comments', '{/* */"folderId":"scans"}'],
    ])('malformed JSON (%s) is 400 bad_json', async (_what, body) => {
      expectError(await post(path).set('Content-Type', 'application/json').send(body), 400, 'bad_json');
    });

    it('a body over 32 kB is 413 too_large', async () => {
      const body = JSON.stringify({ folderId: 'scans', name: 'x'.repeat(40_000) });
      expectError(await post(path).set('Content-Type', 'application/json').send(body), 413, 'too_large');
    });

    it('a small gzip body that inflates past 32 kB (a zip bomb) is 413 too_large', async () => {
      const inflated = JSON.stringify({ folderId: 'scans', name: ' '.repeat(5_000_000) });
      const res = await post(path)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        // As bytes: superagent would otherwise JSON-encode a Buffer for a JSON content type.
        .serialize((bytes: unknown) => bytes as string)
        .send(gzipSync(inflated) as unknown as string);
      expectError(res, 413, 'too_large');
    });

    it('a charset the service does not read is 415', async () => {
      const res = await post(path)
        .set('Content-Type', 'application/json; charset=iso-8859-1')
        .send('{"folderId":"scans"}');
      expectError(res, 415, 'unsupported_encoding');
    });
  });

  it.each([
    ['fileId a number', { ...PRINT, fileId: 123 }],
    ['fileId an array', { ...PRINT, fileId: ['pdf1'] }],
    ['fileId an object', { ...PRINT, fileId: { $ne: null } }],
    ['fileId null', { ...PRINT, fileId: null }],
    ['printerId a number', { ...PRINT, printerId: 2 }],
    ['printerId empty', { ...PRINT, printerId: '' }],
    ['copies an array', { ...PRINT, copies: [2] }],
    ['copies a boolean', { ...PRINT, copies: true }],
    ['copies in hex', { ...PRINT, copies: '0x10' }],
    ['copies with an exponent', { ...PRINT, copies: '1e3' }],
    ['copies with spaces', { ...PRINT, copies: ' 3 ' }],
    ['copies negative', { ...PRINT, copies: -1 }],
    ['copies huge', { ...PRINT, copies: 1e12 }],
    ['numberUp an array', { ...PRINT, numberUp: [4] }],
    ['sides unknown', { ...PRINT, sides: 'both' }],
    ['color a boolean', { ...PRINT, color: true }],
    ['media with a path', { ...PRINT, media: '../iso_a4' }],
    ['pageRanges a number', { ...PRINT, pageRanges: 5 }],
    ['pageRanges nonsense', { ...PRINT, pageRanges: "1' or '1'='1" }],
    ['finishings too many', { ...PRINT, finishings: Array(11).fill('staple') }],
    ['finishings objects', { ...PRINT, finishings: [{}] }],
    ['delivery unknown', { ...PRINT, delivery: 'email' }],
    ['a body that is an array', [PRINT]],
  ])('POST /api/print with %s is 400', async (_what, body) => {
    expectError(await post('/api/print').send(body as object), 400);
  });

  it.each([
    ['duplex a string', { duplex: 'yes' }],
    ['resolution an array', { resolution: [300] }],
    ['resolution a boolean', { resolution: true }],
    ['resolution in hex', { resolution: '0x12c' }],
    ['source unknown', { source: 'ADF' }],
    ['colorMode a number', { colorMode: 5 }],
    ['name a number', { name: 5 }],
    ['name too long', { name: 'x'.repeat(301) }],
    ['ocr a word', { ocr: 'yes' }],
    ['ocr a number', { ocr: 2 }],
    ['ocrLanguages not Tesseract codes', { ocr: true, ocrLanguages: '../../etc' }],
    ['ocrLanguages too many', { ocr: true, ocrLanguages: 'eng+nld+swe+fra+deu' }],
    ['quality unknown', { quality: 'tiny' }],
    ['removeBlankPages a number', { removeBlankPages: 5 }],
    ['manualDuplex an object', { manualDuplex: {} }],
    ['printerId empty', { printerId: '' }],
    ['folderId traversal', { folderId: '../root' }],
  ])('POST /api/scan-jobs with %s is 400', async (_what, body) => {
    expectError(await post('/api/scan-jobs').send({ printerId: 'floor2', folderId: 'scans', ...body }), 400);
  });

  it.each([
    ['pages zero', { pages: 0 }],
    ['pages over the limit', { pages: 501 }],
    ['pages an array', { pages: [2] }],
    ['pages a boolean', { pages: true }],
    ['pages a fraction', { pages: 1.5 }],
    ['name an object', { name: { toString: 'x' } }],
    ['folderId encoded traversal', { folderId: '%2e%2e' }],
    ['folderId non-ASCII', { folderId: 'ma\u0308pp' }],
    ['folderId with a quote', { folderId: "scans' or '1'='1" }],
    ['folderId very long', { folderId: 'a'.repeat(300) }],
  ])('POST /api/scan-tickets with %s is 400 and makes no ticket', async (_what, body) => {
    expectError(await post('/api/scan-tickets').send({ folderId: 'scans', ...body }), 400);
  });

  it('unknown fields cannot set what the server decides (owner, state, admin) or pollute prototypes', async () => {
    const res = await post('/api/print')
      .set('Content-Type', 'application/json')
      .send(
        '{"fileId":"pdf1","printerId":"nope","ownerKey":"bob","userEmail":"bob@example.com","state":"completed",' +
          '"__proto__":{"isAdmin":true,"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
      );
    // Judged on the fields that exist: the printer is unknown.
    expectError(res, 404);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expectError(await agent.get('/api/admin/audit'), 403, 'not_admin');
  });

  it.each([
    '/api/print/..%2F..%2Fetc%2Fpasswd',
    '/api/print/%2e%2e',
    `/api/print/${'f'.repeat(5000)}`,
    '/api/print/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB',
    "/api/print/1'%20or%20'1'='1",
    '/api/scan-jobs/%2e%2e%2f%2e%2e',
    '/api/scan-tickets/..%5C..%5Cwindows',
    '/api/printers/..%2Ffloor2',
    `/api/printers/${'p'.repeat(100)}`,
    '/api/printers/floor2%00',
    '/thumbnails/..%2F..%2Fetc%2Fpasswd',
    '/thumbnails/%E2%80%AEfdp.exe',
    `/thumbnails/${'t'.repeat(300)}`,
  ])('GET %s with a hostile id is 400 or 404, never 500', async (path) => {
    const res = await agent.get(path);
    expect([400, 404]).toContain(res.status);
    if (!path.startsWith('/thumbnails/')) expectError(res, res.status);
    else expect(res.text).not.toMatch(/\bat .+:\d+:\d+|node_modules/);
  });

  it.each([
    '/api/print/%2e%2e/cancel',
    '/api/print/..%2F..%2Fx/retry',
    '/api/scan-jobs/%2e%2e/cancel',
    `/api/scan-tickets/${'a'.repeat(63)}g/finish`,
    '/api/scan-tickets/%2e%2e/cancel',
    '/api/admin/sessions/..%2F..%2F/end',
  ])('POST %s with a hostile id is refused without acting', async (path) => {
    const res = await post(path);
    expect([400, 403, 404]).toContain(res.status);
    expectError(res, res.status);
  });

  it.each([
    ['traversal', '../..'],
    ['encoded traversal', '%2e%2e%2f'],
    ['a quote (query injection)', "root' in parents or '1'='1"],
    ['very long', 'a'.repeat(300)],
    ['non-ASCII', '\u202Eroot'],
    ['given twice', ['root', 'x']],
  ])('GET /api/files with a folderId that is %s is 400 and asks Drive nothing', async (_what, folderId) => {
    const query = Array.isArray(folderId)
      ? folderId.map((f) => `folderId=${encodeURIComponent(f)}`).join('&')
      : `folderId=${encodeURIComponent(folderId)}`;
    expectError(await agent.get(`/api/files?${query}`), 400, 'bad_input');
    expect(t.drive.listCalls).toHaveLength(0);
  });

  it.each([
    ['view', 'view=admin'],
    ['pageSize', 'pageSize=100000'],
    ['pageToken with spaces', `pageToken=${encodeURIComponent('a b')}`],
    ['sort', 'sort=name;drop'],
    ['search over 200 characters', `q=${'q'.repeat(201)}`],
    ['search with NUL', 'q=a%00b'],
    ['search with CR/LF', 'q=a%0d%0atrashed%20%3D%20true'],
    ['search given twice', 'q=a&q=b'],
  ])('GET /api/files with a bad %s is 400 and asks Drive nothing', async (_what, query) => {
    expectError(await agent.get(`/api/files?${query}`), 400, 'bad_input');
    expect(t.drive.listCalls).toHaveLength(0);
  });

  it.each([
    "' or '1'='1",
    "x' or name contains '",
    "') or trashed = true or ('",
    'back\\slash\\',
    "\\' or 1=1",
    '"double" quotes',
    'in parents',
    'ﬁle \u202Etxt.exe',
    'فاتورة',
  ])('a hostile search %j stays one "name or fullText contains" term in the Drive query', async (q) => {
    const res = await agent.get(`/api/files?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
    const asked = t.drive.listCalls[0];
    expect(asked?.search).toBe(q.trim());
    // Parsed with the Google double's parser of Drive's query language: exactly these terms.
    const tree = parseQuery(buildListRequest(asked as NonNullable<typeof asked>).q as string);
    expect(tree).toEqual({
      kind: 'and',
      left: { kind: 'bool', field: 'trashed', negate: false, value: false },
      right: {
        kind: 'or',
        left: { kind: 'text', field: 'name', op: 'contains', value: q.trim() },
        right: { kind: 'text', field: 'fullText', op: 'contains', value: q.trim() },
      },
    });
  });

  it.each([
    ['/print/%2e%2e', 400],
    ['/print/..%2F..%2Fetc%2Fpasswd', 400],
    [`/print/${'x'.repeat(300)}`, 400],
    ['/jobs/not-a-job', 400],
    ['/browse?folderId=..%2F..', 400],
    ['/browse?view=%3Cscript%3E', 400],
    ['/scan?folderId=%27%20or%20%271', 400],
  ])('the page %s answers %i with the error page, no stack and no echo', async (path, status) => {
    const res = await agent.get(path);
    expect(res.status).toBe(status);
    expect(res.type).toBe('text/html');
    expect(res.text).not.toMatch(/\bat .+:\d+:\d+|node_modules|<script>/);
    expect(t.drive.listCalls).toHaveLength(0);
  });
});

describe('bad input: signed out', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
  });
  afterEach(async () => t.close());

  it.each([
    ['POST', '/api/print'],
    ['POST', '/api/scans'],
    ['POST', '/api/scan-tickets'],
    ['POST', '/api/scan-jobs'],
    ['GET', '/api/files?q=%27%20or%20%271%27%3D%271'],
    ['GET', '/api/printers/floor2'],
    ['GET', '/api/scan-tickets/'.padEnd(18 + 64, 'a')],
  ])('%s %s is 401 not_signed_in in the contract shape', async (method, path) => {
    const res = await request(t.app)[method === 'POST' ? 'post' : 'get'](path).send({ fileId: 'x' });
    expectError(res, 401, 'not_signed_in');
    expect(t.drive.listCalls).toHaveLength(0);
  });

  it.each([
    ['a body that is not JSON', '{"printer":'],
    ['a body over 32 kB', JSON.stringify({ printer: 'p'.repeat(40_000) })],
  ])('POST /api/pairing with %s is refused and starts no pairing', async (_what, body) => {
    const panel = request.agent(t.app);
    const res = await panel.post('/api/pairing').set('Content-Type', 'application/json').send(body);
    expect([400, 413]).toContain(res.status);
    expectError(res, res.status);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('POST /api/pairing with an unknown printer starts a pairing for no printer', async () => {
    const res = await request(t.app).post('/api/pairing').send({ printer: 'https://evil.example' });
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/pair\/[A-Za-z0-9_-]{43}$/);
  });

  it.each(['/pair/..%2F..%2Fetc', `/pair/${'A'.repeat(5000)}`, '/pair/%E2%80%AE'])(
    'GET %s (a hostile pairing link) is refused with the refusal page',
    async (path) => {
      const res = await request(t.app).get(path);
      expect([404, 410]).toContain(res.status);
      expect(res.text).not.toMatch(/\bat .+:\d+:\d+|node_modules/);
    },
  );

  it.each(['/pull/..%2F..%2Fetc%2Fpasswd', `/pull/${'A'.repeat(5000)}`, '/scan-upload/..%2F..%2Fx'])(
    '%s (a hostile device link) is refused without a stack',
    async (path) => {
      const res = path.startsWith('/pull/')
        ? await request(t.app).get(path)
        : await request(t.app).post(path);
      expect([400, 404]).toContain(res.status);
      expect(res.text).not.toMatch(/\bat .+:\d+:\d+|node_modules/);
    },
  );
});
