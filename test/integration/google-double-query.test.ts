// The double's q-language parser and fields masks in isolation, plus a sweep of malformed requests
// that must all be answered with 4xx (never a crash or a 500).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFields, project } from '../../src/dev/google-double/fields.js';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import {
  matchesQuery,
  nameContains,
  parseQuery,
  QuerySyntaxError,
} from '../../src/dev/google-double/query-language.js';
import type { StoredFile } from '../../src/dev/google-double/types.js';

const file: StoredFile = {
  id: 'f1',
  name: "It's a quote.pdf",
  mimeType: 'application/pdf',
  parents: ['root-alice-example-com'],
  ownedBy: ['alice@example.com'],
  sharedWith: ['bob@example.com'],
  trashed: false,
  starred: true,
  createdTime: '2026-01-05T09:00:00.000Z',
  modifiedTime: '2026-02-01T10:00:00.000Z',
};
const alice = {
  viewerEmail: 'alice@example.com',
  resolveId: (id: string) => (id === 'root' ? 'root-alice-example-com' : id),
};
const bob = { ...alice, viewerEmail: 'bob@example.com' };
const matches = (q: string, ctx = alice) => matchesQuery(parseQuery(q), file, ctx);

describe('q language', () => {
  it('evaluates terms, precedence and negation', () => {
    expect(matches("'root' in parents and trashed = false")).toBe(true);
    expect(matches("name contains 'quote' or name = 'x' and trashed = true")).toBe(true);
    expect(matches("(name contains 'quote' or name = 'x') and trashed = true")).toBe(false);
    expect(matches("not name contains 'quote'")).toBe(false);
    expect(matches("NOT mimeType != 'application/pdf'")).toBe(true);
    expect(matches("'me' in owners and starred = true")).toBe(true);
    expect(matches('sharedWithMe')).toBe(false);
    expect(matches('sharedWithMe = true', bob)).toBe(true);
    expect(matches("'alice@example.com' in readers and 'bob@example.com' in readers")).toBe(true);
    expect(matches("modifiedTime > '2026-01-31T00:00:00Z' and createdTime < '2026-01-06T00:00:00Z'")).toBe(
      true,
    );
    expect(matches("fullText contains 'QUOTE'")).toBe(true);
  });

  it('handles escapes in string literals', () => {
    expect(matches("name = 'It\\'s a quote.pdf'")).toBe(true);
    expect(parseQuery("name = 'back\\\\slash'")).toEqual({
      kind: 'text',
      field: 'name',
      op: '=',
      value: 'back\\slash',
    });
  });

  it('rejects malformed queries', () => {
    for (const q of [
      '',
      "name = 'open",
      "name = 'bad \\n escape'",
      "name == 'x'",
      "name contains 'x' and",
      "('a' in parents",
      "'a' in parents)",
      "'a' in nowhere",
      'trashed = maybe',
      "size > '1'",
      "name ! 'x'",
      'name = x',
      '# comment',
    ]) {
      expect(() => parseQuery(q), q).toThrow(QuerySyntaxError);
    }
  });

  it('matches name contains on word prefixes like Drive', () => {
    expect(nameContains('HelloWorld.pdf', 'Hello')).toBe(true);
    expect(nameContains('HelloWorld.pdf', 'World')).toBe(false);
    expect(nameContains('Document 001.pdf', '001')).toBe(true);
    expect(nameContains('Document 001.pdf', '.pdf')).toBe(true);
  });
});

describe('fields masks', () => {
  const response = {
    kind: 'drive#fileList',
    nextPageToken: 't',
    files: [{ id: '1', name: 'a', size: '3', owners: [{ me: true, emailAddress: 'x' }] }],
  };

  it('selects nested and slash paths', () => {
    expect(project(response, parseFields('nextPageToken, files(id,name)'))).toEqual({
      nextPageToken: 't',
      files: [{ id: '1', name: 'a' }],
    });
    expect(project(response, parseFields('files/owners/emailAddress,files/id'))).toEqual({
      files: [{ id: '1', owners: [{ emailAddress: 'x' }] }],
    });
    expect(project(response, parseFields('*'))).toEqual(response);
  });

  it('rejects malformed masks', () => {
    for (const mask of ['files(', 'files(id))', 'a,,b', 'a b'])
      expect(() => parseFields(mask), mask).toThrow();
  });
});

describe('robustness', () => {
  let double: GoogleDouble;
  beforeAll(async () => {
    double = await startGoogleDouble({
      clients: [{ clientId: 'c', clientSecret: 's', redirectUris: ['http://127.0.0.1:1/cb'] }],
      autoApprove: 'alice@example.com',
    });
  });
  afterAll(async () => {
    await double.close();
  });

  it('answers malformed requests with 4xx and keeps serving', async () => {
    const auth = await fetch(
      `${double.baseUrl}/o/oauth2/v2/auth?client_id=c&redirect_uri=${encodeURIComponent('http://127.0.0.1:1/cb')}` +
        '&response_type=code&scope=https://www.googleapis.com/auth/drive',
      { redirect: 'manual' },
    );
    const code = new URL(auth.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokenRes = await fetch(`${double.baseUrl}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: 'c',
        client_secret: 's',
        redirect_uri: 'http://127.0.0.1:1/cb',
      }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}` };
    const cases: Array<[string, RequestInit]> = [
      ['/drive/v3/files?q=%27unterminated', { headers }],
      ['/drive/v3/files?fields=files(id', { headers }],
      ['/drive/v3/files?pageSize=abc', { headers }],
      ['/drive/v3/files?orderBy=size%20sideways', { headers }],
      ['/drive/v3/files?corpora=galaxy', { headers }],
      ['/drive/v3/files?supportsAllDrives=perhaps', { headers }],
      ['/drive/v3/files/%E0%A4%A', { headers }],
      ['/drive/v3/files/x?alt=csv', { headers }],
      ['/drive/v3/files/file-welcome-pdf/export', { headers }],
      [
        '/drive/v3/files',
        { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{nope' },
      ],
      ['/drive/v3/files', { method: 'POST', headers, body: '{"name": 5}' }],
      ['/upload/drive/v3/files?uploadType=multipart', { method: 'POST', headers, body: 'x' }],
      [
        '/upload/drive/v3/files?uploadType=multipart',
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'multipart/related; boundary=b' },
          body: '--b\r\nno headers end',
        },
      ],
      ['/upload/drive/v3/files?uploadType=sideways', { method: 'POST', headers, body: 'x' }],
      ['/upload/drive/v3/files?upload_id=unknown', { method: 'PUT', body: 'x' }],
      ['/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad json' }],
      ['/token', { method: 'POST', body: 'grant_type=authorization_code' }],
      ['/revoke', { method: 'POST' }],
      ['/o/oauth2/v2/auth/approve', { method: 'POST', body: new URLSearchParams({ request_id: 'x' }) }],
      ['/nowhere', {}],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(`${double.baseUrl}${path}`, init);
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBeLessThan(500);
    }
    const about = await fetch(`${double.baseUrl}/drive/v3/about?fields=user`, { headers });
    expect(about.status).toBe(200);
  });
});
