// The Google double's downloads and exports (alt=media, files.export) and their fault knobs,
// driven through the real googleapis client and plain fetch.

import type { drive_v3 } from 'googleapis';
import { PDFDocument } from 'pdf-lib';
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

describe('downloads and exports', () => {
  it('alt=media streams the exact bytes with type and length', async () => {
    const res = await drive.files.get(
      { fileId: SAMPLE_IDS.fileWelcomePdf, alt: 'media' },
      { responseType: 'arraybuffer' },
    );
    const bytes = Buffer.from(res.data as unknown as ArrayBuffer);
    expect(bytes.equals(double.fileContent(SAMPLE_IDS.fileWelcomePdf) ?? Buffer.alloc(0))).toBe(true);
    // googleapis types headers as a record, but gaxios 7 hands back a fetch Headers object.
    expect((res.headers as unknown as Headers).get('content-type')).toBe('application/pdf');
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBe(3);
    const photo = await raw(`/drive/v3/files/${SAMPLE_IDS.fileTeamPhotoJpg}?alt=media`);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(photo.headers.get('content-length')).toBe(
      String(double.fileContent(SAMPLE_IDS.fileTeamPhotoJpg)?.length),
    );
  });

  it('refuses alt=media for Google Docs and folders with fileNotDownloadable', async () => {
    for (const id of [SAMPLE_IDS.docMeetingNotes, SAMPLE_IDS.folderReports]) {
      const res = await raw(`/drive/v3/files/${id}?alt=media`);
      expect(res.status).toBe(403);
      expect(errorOf(res.body).reason).toBe('fileNotDownloadable');
    }
  });

  it('exports a Google Doc as a valid, deterministic PDF', async () => {
    const first = await raw(`/drive/v3/files/${SAMPLE_IDS.docMeetingNotes}/export?mimeType=application/pdf`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/pdf');
    const res = await drive.files.export(
      { fileId: SAMPLE_IDS.docMeetingNotes, mimeType: 'application/pdf' },
      { responseType: 'arraybuffer' },
    );
    const bytes = Buffer.from(res.data as ArrayBuffer);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(1);
    const again = await drive.files.export(
      { fileId: SAMPLE_IDS.docMeetingNotes, mimeType: 'application/pdf' },
      { responseType: 'arraybuffer' },
    );
    expect(Buffer.from(again.data as ArrayBuffer).equals(bytes)).toBe(true);
  });

  it('refuses exports that are too large, of binary files, or to unsupported types', async () => {
    const huge = await raw(`/drive/v3/files/${SAMPLE_IDS.slidesHuge}/export?mimeType=application/pdf`);
    expect(huge.status).toBe(403);
    expect(errorOf(huge.body).reason).toBe('exportSizeLimitExceeded');
    const binary = await raw(`/drive/v3/files/${SAMPLE_IDS.fileWelcomePdf}/export?mimeType=application/pdf`);
    expect(errorOf(binary.body)).toMatchObject({ code: 400, reason: 'badRequest' });
    const weird = await raw(`/drive/v3/files/${SAMPLE_IDS.docMeetingNotes}/export?mimeType=image/gif`);
    expect(errorOf(weird.body)).toMatchObject({ code: 400, reason: 'badRequest' });
  });

  it('answers a too-large export through googleapis with Google’s 403 exportSizeLimitExceeded body', async () => {
    const failure = await drive.files
      .export({ fileId: SAMPLE_IDS.slidesHuge, mimeType: 'application/pdf' }, { responseType: 'json' })
      .then(
        () => undefined,
        (err: { response?: { status: number; data: unknown } }) => err.response,
      );
    expect(failure?.status).toBe(403);
    expect(failure?.data).toEqual({
      error: {
        code: 403,
        message: 'This file is too large to be exported.',
        errors: [
          {
            domain: 'global',
            reason: 'exportSizeLimitExceeded',
            message: 'This file is too large to be exported.',
          },
        ],
      },
    });
  });

  it('rateLimit answers 403 userRateLimitExceeded N times, then the bytes', async () => {
    double.faults.rateLimit(SAMPLE_IDS.fileQuotePdf, 2);
    const path = `/drive/v3/files/${SAMPLE_IDS.fileQuotePdf}?alt=media`;
    for (let i = 0; i < 2; i++) {
      const res = await raw(path);
      expect(res.status).toBe(403);
      expect(errorOf(res.body)).toMatchObject({ reason: 'userRateLimitExceeded' });
      expect((res.body as { error: { errors: Array<{ domain: string }> } }).error.errors[0]?.domain).toBe(
        'usageLimits',
      );
    }
    const ok = await fetch(`${double.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(
      Buffer.from(await ok.arrayBuffer()).equals(
        double.fileContent(SAMPLE_IDS.fileQuotePdf) ?? Buffer.alloc(0),
      ),
    ).toBe(true);
  });

  it('failAlways and 429 rate limits use Google bodies', async () => {
    double.faults.failAlways(SAMPLE_IDS.fileWelcomePdf);
    const failed = await raw(`/drive/v3/files/${SAMPLE_IDS.fileWelcomePdf}?alt=media`);
    expect(errorOf(failed.body)).toMatchObject({ code: 500, reason: 'backendError' });
    double.faults.rateLimit(SAMPLE_IDS.docMeetingNotes, 1, '429');
    const limited = await raw(
      `/drive/v3/files/${SAMPLE_IDS.docMeetingNotes}/export?mimeType=application/pdf`,
    );
    expect(errorOf(limited.body)).toMatchObject({ code: 429, reason: 'rateLimitExceeded' });
  });
});
