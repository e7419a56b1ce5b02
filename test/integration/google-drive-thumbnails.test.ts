// The Drive adapter against the Google double: thumbnails fetched with the person's token, the parent
// folder's name in search results, and sorting with folders first.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleDriveConnector, isTrustedThumbnailUrl } from '../../src/adapters/google-drive.js';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import type { Drive } from '../../src/domain/ports.js';
import { signIn } from '../support/google-double-session.js';

const CLIENT = { clientId: 'thumbs', clientSecret: 'thumbs-secret', redirectUris: ['http://127.0.0.1:1/cb'] };
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

let double: GoogleDouble;
let drive: Drive;

beforeAll(async () => {
  double = await startGoogleDouble({ clients: [CLIENT] });
  const alice = await signIn(double, CLIENT, 'alice@example.com', 'https://www.googleapis.com/auth/drive');
  drive = new GoogleDriveConnector({ apiRoot: `${double.baseUrl}/` }).forToken(alice.token);
});
afterAll(async () => double.close());

describe('thumbnails', () => {
  it('get gives a PDF its thumbnailLink on the double, and thumbnail() fetches a PNG with the token', async () => {
    const file = await drive.get(SAMPLE_IDS.fileWelcomePdf);
    expect(file.thumbnailLink).toBe(`${double.baseUrl}/thumbnails/${SAMPLE_IDS.fileWelcomePdf}`);
    const thumb = await drive.thumbnail(file);
    expect(thumb?.contentType).toBe('image/png');
    expect(thumb?.bytes.subarray(0, 4)).toEqual(PNG_SIGNATURE);
    const asked = double.requests.filter((r) => r.path === `/thumbnails/${SAMPLE_IDS.fileWelcomePdf}`);
    expect(asked.at(-1)?.authorization).toMatch(/^Bearer /);
  });

  it('a Google Doc has no thumbnail here, and thumbnail() answers null', async () => {
    const doc = await drive.get(SAMPLE_IDS.docMeetingNotes);
    expect(doc.thumbnailLink ?? null).toBeNull();
    expect(await drive.thumbnail(doc)).toBeNull();
  });

  it('never sends the token to a host that is not Google or the API root', async () => {
    const before = double.requests.length;
    const file = await drive.get(SAMPLE_IDS.fileWelcomePdf);
    expect(await drive.thumbnail({ ...file, thumbnailLink: 'http://127.0.0.1:9/steal' })).toBeNull();
    expect(double.requests.length).toBe(before + 1);
  });

  it.each([
    ['https://lh3.googleusercontent.com/abc=s220', true],
    ['https://drive.google.com/thumbnail?id=1', true],
    ['http://lh3.googleusercontent.com/abc', false],
    ['https://googleusercontent.com.evil.example/abc', false],
    ['https://evil.example/?x=.googleusercontent.com', false],
    ['http://127.0.0.1:4000/thumbnails/x', true],
    ['http://127.0.0.1:4001/thumbnails/x', false],
    ['not a url', false],
  ])('isTrustedThumbnailUrl(%s) is %s', (link, trusted) => {
    expect(isTrustedThumbnailUrl(link, 'http://127.0.0.1:4000/')).toBe(trusted);
  });
});

describe('search and sort', () => {
  it('a search names the folder each result lives in, asking once per folder', async () => {
    const before = double.requests.length;
    const page = await drive.list({ view: 'mydrive', search: 'Q3' });
    const where = Object.fromEntries(page.files.map((f) => [f.name, f.parentName]));
    expect(where).toMatchObject({ Q3: '2026', 'Q3 summary.pdf': 'Q3' });
    const gets = double.requests.slice(before).filter((r) => /^\/drive\/v3\/files\/[^/]+$/.test(r.path));
    expect(gets.length).toBe(new Set(gets.map((r) => r.path)).size);
  });

  it('sorts by date, newest first, with folders first', async () => {
    const page = await drive.list({ view: 'mydrive', folderId: SAMPLE_IDS.folderBig, orderBy: 'modified' });
    const times = page.files.map((f) => f.modifiedTime ?? '');
    expect(times).toEqual([...times].sort().reverse());
    const root = await drive.list({ view: 'mydrive', orderBy: 'modified' });
    const firstFile = root.files.findIndex((f) => !f.isFolder);
    expect(root.files.slice(firstFile).every((f) => !f.isFolder)).toBe(true);
  });
});
