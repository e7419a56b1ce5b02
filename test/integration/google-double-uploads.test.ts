// Uploads to the Google double: multipart and media through googleapis, resumable by hand with fetch.

import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { drive_v3 } from 'googleapis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { driveFor, signIn } from '../support/google-double-session.js';

const CLIENT = {
  clientId: 'upload-client',
  clientSecret: 'upload-secret',
  redirectUris: ['http://127.0.0.1:1/cb'],
};
const CHUNK = 256 * 1024;

let double: GoogleDouble;
let drive: drive_v3.Drive;
let token: string;

beforeAll(async () => {
  double = await startGoogleDouble({ clients: [CLIENT], autoApprove: 'alice@example.com' });
  const alice = await signIn(
    double,
    CLIENT,
    'alice@example.com',
    'https://www.googleapis.com/auth/drive.file https://www.googleapis.com/auth/drive.readonly',
  );
  token = alice.token;
  drive = driveFor(double.baseUrl, alice.client);
});

afterAll(async () => {
  await double.close();
});

beforeEach(() => {
  double.faults.clear();
});

function statusOf(err: unknown): number | undefined {
  return (err as { response?: { status?: number } }).response?.status;
}

describe('simple uploads through googleapis', () => {
  it('multipart upload lands in the folder with identical bytes', async () => {
    const bytes = randomBytes(300_000);
    const res = await drive.files.create(
      {
        requestBody: { name: 'Scan 001.pdf', parents: [SAMPLE_IDS.folderScans] },
        media: { mimeType: 'application/pdf', body: Readable.from([bytes]) },
        fields: 'id,name,mimeType,size,parents',
      },
      { rootUrl: `${double.baseUrl}/` },
    );
    expect(res.data).toMatchObject({
      name: 'Scan 001.pdf',
      mimeType: 'application/pdf',
      size: String(bytes.length),
      parents: [SAMPLE_IDS.folderScans],
    });
    expect(double.fileContent(res.data.id ?? '')?.equals(bytes)).toBe(true);
    const request = double.requests.filter((r) => r.method === 'POST').at(-1);
    expect(request).toMatchObject({ path: '/upload/drive/v3/files', query: { uploadType: 'multipart' } });
    expect(request?.authorization).toBe(`Bearer ${token}`);
  });

  it('keeps both files when names collide, and supports uploadType=media', async () => {
    for (let i = 0; i < 2; i++) {
      await drive.files.create(
        { requestBody: { name: 'Same name.pdf', parents: [SAMPLE_IDS.folderScans] }, media: { body: 'x' } },
        { rootUrl: `${double.baseUrl}/` },
      );
    }
    expect(double.findFilesByName('Same name.pdf')).toHaveLength(2);
    const media = await drive.files.create(
      { media: { mimeType: 'image/jpeg', body: Readable.from([Buffer.from('jpeg-ish')]) } },
      { rootUrl: `${double.baseUrl}/` },
    );
    expect(media.data).toMatchObject({ kind: 'drive#file', name: 'Untitled', mimeType: 'image/jpeg' });
    expect(double.getFile(media.data.id ?? '')?.parents).toEqual([SAMPLE_IDS.aliceRoot]);
  });

  it('needs supportsAllDrives for a shared-drive folder and refuses folders the user cannot see', async () => {
    const upload = (parent: string, supportsAllDrives: boolean) =>
      drive.files.create(
        {
          requestBody: { name: 'Shared scan.pdf', parents: [parent] },
          media: { body: 'pdf' },
          supportsAllDrives,
        },
        { rootUrl: `${double.baseUrl}/` },
      );
    expect(await upload(SAMPLE_IDS.folderOfficeScans, false).catch(statusOf)).toBe(404);
    expect(await upload(SAMPLE_IDS.bobRoot, true).catch(statusOf)).toBe(404);
    const ok = await upload(SAMPLE_IDS.folderOfficeScans, true);
    expect(double.getFile(ok.data.id ?? '')?.driveId).toBe(SAMPLE_IDS.driveOffice);
  });
});

describe('resumable upload by hand', () => {
  async function start(name: string, total: number): Promise<string> {
    const res = await fetch(
      `${double.baseUrl}/upload/drive/v3/files?uploadType=resumable&supportsAllDrives=true&fields=id,name,size`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json; charset=UTF-8',
          'x-upload-content-type': 'application/pdf',
          'x-upload-content-length': String(total),
        },
        body: JSON.stringify({ name, parents: [SAMPLE_IDS.folderScans] }),
      },
    );
    expect(res.status).toBe(200);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(
      new RegExp(`^${double.baseUrl}/upload/drive/v3/files\\?uploadType=resumable.*upload_id=`),
    );
    return location;
  }

  const put = (url: string, range: string, body?: Buffer) =>
    fetch(url, {
      method: 'PUT',
      headers: { 'content-range': range },
      ...(body ? { body: new Uint8Array(body) } : {}),
    });

  it('takes 256 KiB-multiple chunks, answers status queries, survives a failed chunk', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 123);
    const total = bytes.length;
    const url = await start('Big scan.pdf', total);

    const empty = await put(url, `bytes */${total}`);
    expect(empty.status).toBe(308);
    expect(empty.headers.get('range')).toBeNull();

    const first = await put(url, `bytes 0-${4 * CHUNK - 1}/${total}`, bytes.subarray(0, 4 * CHUNK));
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe(`bytes=0-${4 * CHUNK - 1}`);

    double.faults.failNextUploadChunk();
    const failed = await put(
      url,
      `bytes ${4 * CHUNK}-${8 * CHUNK - 1}/${total}`,
      bytes.subarray(4 * CHUNK, 8 * CHUNK),
    );
    expect(failed.status).toBe(503);
    const status = await put(url, `bytes */${total}`);
    expect(status.status).toBe(308);
    expect(status.headers.get('range')).toBe(`bytes=0-${4 * CHUNK - 1}`);

    const misaligned = await put(
      url,
      `bytes ${4 * CHUNK}-${5 * CHUNK + 9}/${total}`,
      bytes.subarray(4 * CHUNK, 5 * CHUNK + 10),
    );
    expect(misaligned.status).toBe(400);
    const wrongOffset = await put(
      url,
      `bytes ${8 * CHUNK}-${9 * CHUNK - 1}/${total}`,
      bytes.subarray(8 * CHUNK, 9 * CHUNK),
    );
    expect(wrongOffset.status).toBe(400);

    for (let offset = 4 * CHUNK; offset < total; offset += 4 * CHUNK) {
      const end = Math.min(offset + 4 * CHUNK, total) - 1;
      const res = await put(url, `bytes ${offset}-${end}/${total}`, bytes.subarray(offset, end + 1));
      if (end + 1 < total) {
        expect(res.status).toBe(308);
        continue;
      }
      expect(res.status).toBe(200);
      const file = (await res.json()) as { id: string; name: string; size: string };
      expect(file).toMatchObject({ name: 'Big scan.pdf', size: String(total) });
      expect(double.fileContent(file.id)?.equals(bytes)).toBe(true);
      expect(double.getFile(file.id)?.mimeType).toBe('application/pdf');
    }
  });

  it('stores nothing of a chunk whose connection dropped', async () => {
    const bytes = randomBytes(2 * CHUNK + 5);
    const url = await start('Dropped scan.pdf', bytes.length);
    double.faults.dropNextUploadConnection();
    await expect(
      put(url, `bytes 0-${2 * CHUNK - 1}/${bytes.length}`, bytes.subarray(0, 2 * CHUNK)),
    ).rejects.toThrow();
    const status = await put(url, `bytes */${bytes.length}`);
    expect(status.status).toBe(308);
    expect(status.headers.get('range')).toBeNull();
    expect((await put(url, `bytes 0-${2 * CHUNK - 1}/*`, bytes.subarray(0, 2 * CHUNK))).status).toBe(308);
    const last = await put(
      url,
      `bytes ${2 * CHUNK}-${bytes.length - 1}/${bytes.length}`,
      bytes.subarray(2 * CHUNK),
    );
    expect(last.status).toBe(200);
    const { id } = (await last.json()) as { id: string };
    expect(double.fileContent(id)?.equals(bytes)).toBe(true);
  });
});
