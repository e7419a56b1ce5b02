// The Google double's Drive v3 metadata side (about, files.list/get, drives.list, shared drives),
// driven through the real googleapis client.

import type { drive_v3 } from 'googleapis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { driveFor, errorOf, rawGet, signIn } from '../support/google-double-session.js';

const CLIENT = {
  clientId: 'drive-client',
  clientSecret: 'drive-secret',
  redirectUris: ['http://127.0.0.1:1/cb'],
};
const SCOPE = 'https://www.googleapis.com/auth/drive';

let double: GoogleDouble;
let drive: drive_v3.Drive;
let token: string;

const raw = (path: string, bearer = token) => rawGet(double.baseUrl, path, bearer);

async function names(q: string, extra: drive_v3.Params$Resource$Files$List = {}): Promise<string[]> {
  const res = await drive.files.list({ q, fields: 'files(name)', pageSize: 1000, orderBy: 'name', ...extra });
  return (res.data.files ?? []).map((f) => f.name ?? '');
}

beforeAll(async () => {
  double = await startGoogleDouble({ clients: [CLIENT] });
  const alice = await signIn(double, CLIENT, 'alice@example.com', SCOPE);
  drive = driveFor(double.baseUrl, alice.client);
  token = alice.token;
});

afterAll(async () => {
  await double.close();
});

beforeEach(() => {
  double.faults.clear();
});

describe('about and metadata', () => {
  it('about.get needs fields and returns the user', async () => {
    const about = await drive.about.get({ fields: 'user' });
    expect(about.data.user).toMatchObject({
      kind: 'drive#user',
      displayName: 'Alice Example',
      emailAddress: 'alice@example.com',
      me: true,
    });
    expect(about.data.user?.permissionId).toMatch(/^\d+$/);
    const noFields = await raw('/drive/v3/about');
    expect(noFields.status).toBe(400);
    expect(errorOf(noFields.body).message).toBe("The 'fields' parameter is required for this operation.");
  });

  it('files.get returns requested fields, size as a string, and the root alias works', async () => {
    const file = await drive.files.get({
      fileId: SAMPLE_IDS.fileWelcomePdf,
      fields: 'id,name,size,modifiedTime',
    });
    expect(Object.keys(file.data).sort()).toEqual(['id', 'modifiedTime', 'name', 'size']);
    expect(file.data.size).toBe(String(double.fileContent(SAMPLE_IDS.fileWelcomePdf)?.length));
    expect(file.data.modifiedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const plain = await drive.files.get({ fileId: SAMPLE_IDS.docMeetingNotes });
    expect(plain.data).toEqual({
      kind: 'drive#file',
      id: SAMPLE_IDS.docMeetingNotes,
      name: 'Meeting notes',
      mimeType: 'application/vnd.google-apps.document',
    });
    const root = await drive.files.get({ fileId: 'root', fields: 'id,name' });
    expect(root.data).toEqual({ id: SAMPLE_IDS.aliceRoot, name: 'My Drive' });
  });

  it("answers 404 notFound for unknown files and for Bob's private file", async () => {
    for (const id of ['no-such-file', SAMPLE_IDS.fileBobPrivatePdf]) {
      const res = await raw(`/drive/v3/files/${id}`);
      expect(res.status).toBe(404);
      expect(errorOf(res.body)).toEqual({
        code: 404,
        reason: 'notFound',
        location: 'fileId',
        message: `File not found: ${id}.`,
      });
    }
  });
});

describe('files.list', () => {
  it('lists the root with folders first and hides trashed items only when asked', async () => {
    const res = await drive.files.list({
      q: "'root' in parents and trashed = false",
      orderBy: 'folder,name',
      fields: 'nextPageToken, files(id,name,mimeType,size,modifiedTime)',
    });
    const listed = (res.data.files ?? []).map((f) => f.name);
    expect(listed).toEqual([
      'Big folder',
      'Photos',
      'Reports',
      'Scans',
      'Budget',
      'Floor plan.png',
      'Handbook.pdf',
      'Huge slides',
      "It's a quote.pdf",
      'Meeting notes',
      'Notes.txt',
      'Price list.xlsx',
      'Quarterly report.docx',
      'Team photo.jpg',
      'Welcome.pdf',
    ]);
    expect(res.data.nextPageToken).toBeUndefined();
    const folder = res.data.files?.find((f) => f.name === 'Reports');
    expect(folder?.size).toBeUndefined();
    // Real Drive includes trashed files when the query has no trashed clause.
    expect(await names("'root' in parents")).toContain('Old draft.pdf');
    expect(await names("'root' in parents and trashed = true")).toEqual(['Old draft.pdf']);
  });

  it('pages through the 250-item folder 100 at a time', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const res = await drive.files.list({
        q: `'${SAMPLE_IDS.folderBig}' in parents and trashed = false`,
        pageSize: 100,
        orderBy: 'name',
        fields: 'nextPageToken, files(id,name)',
        ...(pageToken ? { pageToken } : {}),
      });
      seen.push(...(res.data.files ?? []).map((f) => f.name ?? ''));
      pageToken = res.data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen[0]).toBe('Document 001.pdf');
    expect(seen[249]).toBe('Document 250.pdf');
  });

  it('omits nextPageToken when fields does not ask for it, and rejects bad page tokens and sizes', async () => {
    const res = await drive.files.list({ q: `'${SAMPLE_IDS.folderBig}' in parents`, fields: 'files(id)' });
    expect(res.data.nextPageToken).toBeUndefined();
    expect(res.data.files).toHaveLength(100);
    const badToken = await raw('/drive/v3/files?pageToken=forged');
    expect(errorOf(badToken.body)).toMatchObject({ code: 400, reason: 'invalid', location: 'pageToken' });
    const tooBig = await raw('/drive/v3/files?pageSize=1001');
    expect(errorOf(tooBig.body)).toMatchObject({ code: 400, location: 'pageSize' });
  });

  it('finds a name with an escaped apostrophe; name contains matches word prefixes', async () => {
    expect(await names("name contains 'It\\'s a' and trashed = false")).toEqual(["It's a quote.pdf"]);
    expect(await names("name = 'It\\'s a quote.pdf'")).toEqual(["It's a quote.pdf"]);
    expect(await names("name contains 'quote'")).toEqual(["It's a quote.pdf"]);
    expect(await names("name contains 'uote'")).toEqual([]);
  });

  it('supports mimeType filters, not, or and parentheses', async () => {
    const folders = await names(
      "mimeType = 'application/vnd.google-apps.folder' and not ('root' in parents or trashed = true)",
    );
    expect(folders).toEqual(['2026', 'Q3']);
    const nonPdfInRoot = await names(
      "'root' in parents and mimeType != 'application/pdf' and trashed = false and 'me' in owners",
    );
    expect(nonPdfInRoot).toEqual([
      'Big folder',
      'Budget',
      'Floor plan.png',
      'Huge slides',
      'Meeting notes',
      'Notes.txt',
      'Photos',
      'Price list.xlsx',
      'Quarterly report.docx',
      'Reports',
      'Scans',
      'Team photo.jpg',
    ]);
  });

  it('lists sharedWithMe items', async () => {
    expect(await names('sharedWithMe')).toEqual(["Bob's plan.pdf"]);
    expect(await names('sharedWithMe = true and trashed = false')).toEqual(["Bob's plan.pdf"]);
  });

  it('answers 400 invalid on the q parameter for a malformed query', async () => {
    for (const q of [
      "name = 'unterminated",
      "'x' in",
      "name contains 'a' and",
      'bogus = true',
      "name = 'a\\b'",
    ]) {
      const res = await raw(`/drive/v3/files?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(400);
      expect(errorOf(res.body)).toEqual({
        code: 400,
        reason: 'invalid',
        location: 'q',
        message: 'Invalid Value',
      });
    }
  });
});

describe('shared drives', () => {
  it('drives.list shows only drives the user is a member of', async () => {
    const res = await drive.drives.list({});
    expect(res.data.kind).toBe('drive#driveList');
    expect(res.data.drives).toEqual([
      { kind: 'drive#drive', id: SAMPLE_IDS.driveOffice, name: 'Office Shared' },
    ]);
  });

  it('lists a shared drive folder with corpora=drive', async () => {
    const res = await drive.files.list({
      corpora: 'drive',
      driveId: SAMPLE_IDS.driveOffice,
      includeItemsFromAllDrives: true,
      supportsAllDrives: true,
      q: `'${SAMPLE_IDS.driveOffice}' in parents and trashed = false`,
      orderBy: 'folder,name',
      fields: 'files(id,name,driveId)',
    });
    expect(res.data.files).toEqual([
      { id: SAMPLE_IDS.folderOfficeContracts, name: 'Contracts', driveId: SAMPLE_IDS.driveOffice },
      { id: SAMPLE_IDS.folderOfficeScans, name: 'Scans', driveId: SAMPLE_IDS.driveOffice },
    ]);
    const missingFlags = await raw(`/drive/v3/files?corpora=drive&driveId=${SAMPLE_IDS.driveOffice}`);
    expect(missingFlags.status).toBe(403);
    expect(errorOf(missingFlags.body).message).toContain('includeItemsFromAllDrives');
    // Without includeItemsFromAllDrives shared-drive items never show up.
    expect(await names("name = 'Contract A.pdf'")).toEqual([]);
  });

  it('needs supportsAllDrives to get a shared-drive file', async () => {
    expect((await raw(`/drive/v3/files/${SAMPLE_IDS.fileContractAPdf}`)).status).toBe(404);
    const ok = await drive.files.get({
      fileId: SAMPLE_IDS.fileContractAPdf,
      supportsAllDrives: true,
      fields: 'name',
    });
    expect(ok.data.name).toBe('Contract A.pdf');
    const notMember = await raw(`/drive/v3/files/${SAMPLE_IDS.filePayrollPdf}?supportsAllDrives=true`);
    expect(notMember.status).toBe(404);
  });
});

describe('test data and other users', () => {
  it('addFile puts a file where the user sees it, owned like its folder', async () => {
    const added = double.addFile({
      name: 'Added.pdf',
      mimeType: 'application/pdf',
      parents: [SAMPLE_IDS.folderReports2026],
      content: Buffer.from('%PDF-1.4 added'),
    });
    expect(added.ownedBy).toEqual(['alice@example.com']);
    const res = await drive.files.list({
      q: `'${SAMPLE_IDS.folderReports2026}' in parents`,
      orderBy: 'folder,name',
      fields: 'files(name,size,owners(emailAddress))',
    });
    expect(res.data.files).toEqual([
      { name: 'Q3', owners: [{ emailAddress: 'alice@example.com' }] },
      { name: 'Added.pdf', size: '14', owners: [{ emailAddress: 'alice@example.com' }] },
    ]);
  });

  it("Bob sees his own files but not Alice's", async () => {
    const bob = driveFor(double.baseUrl, (await signIn(double, CLIENT, 'bob@example.com', SCOPE)).client);
    const res = await bob.files.list({ q: 'trashed = false', fields: 'files(name)', orderBy: 'name' });
    expect((res.data.files ?? []).map((f) => f.name)).toEqual(['Bob private.pdf', "Bob's plan.pdf"]);
  });
});
