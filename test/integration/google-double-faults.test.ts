// The Google double's metadata fault knob (rateLimitMetadata), driven through the real googleapis
// client: files.get without alt=media answers Google's rate-limit errors N times, then the file.

import type { drive_v3 } from 'googleapis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { driveFor, rawGet, signIn } from '../support/google-double-session.js';

const CLIENT = {
  clientId: 'faults-client',
  clientSecret: 'faults-secret',
  redirectUris: ['http://127.0.0.1:1/cb'],
};
const SCOPE = 'https://www.googleapis.com/auth/drive';
const FILE = SAMPLE_IDS.fileHandbookPdf;

let double: GoogleDouble;
let drive: drive_v3.Drive;
let token: string;

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

/** files.get metadata without gaxios's own retries, so every answer of the double is seen. */
async function getMetadata(): Promise<{ status: number; body: unknown }> {
  try {
    const res = await drive.files.get({ fileId: FILE, fields: 'id,name' }, { retry: false });
    return { status: res.status, body: res.data };
  } catch (err) {
    const response = (err as { response?: { status: number; data: unknown } }).response;
    if (!response) throw err;
    return { status: response.status, body: response.data };
  }
}

const metadataGets = () =>
  double.requests.filter((r) => r.path === `/drive/v3/files/${FILE}` && r.query.alt !== 'media').length;

describe('rateLimitMetadata', () => {
  it('answers 403 userRateLimitExceeded N times with Google’s body, then the metadata', async () => {
    double.faults.rateLimitMetadata(FILE, 2);
    for (let i = 0; i < 2; i++) {
      expect(await getMetadata()).toEqual({
        status: 403,
        body: {
          error: {
            code: 403,
            message: 'User Rate Limit Exceeded',
            errors: [
              { domain: 'usageLimits', reason: 'userRateLimitExceeded', message: 'User Rate Limit Exceeded' },
            ],
          },
        },
      });
    }
    expect(await getMetadata()).toEqual({ status: 200, body: { id: FILE, name: 'Handbook.pdf' } });
    expect(await getMetadata()).toEqual({ status: 200, body: { id: FILE, name: 'Handbook.pdf' } });
  });

  it('answers 429 rateLimitExceeded with status RESOURCE_EXHAUSTED when asked, which googleapis retries', async () => {
    double.faults.rateLimitMetadata(FILE, 1, '429');
    expect(await getMetadata()).toEqual({
      status: 429,
      body: {
        error: {
          code: 429,
          message: 'Rate Limit Exceeded',
          errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' }],
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    });
    expect((await getMetadata()).status).toBe(200);

    // With its default retry config gaxios retries a 429 on its own (but never a 403).
    double.faults.rateLimitMetadata(FILE, 1, '429');
    const before = metadataGets();
    const res = await drive.files.get({ fileId: FILE, fields: 'name' });
    expect(res.data).toEqual({ name: 'Handbook.pdf' });
    expect(metadataGets() - before).toBe(2);
  });

  it('leaves downloads alone, and the download knob leaves metadata alone', async () => {
    double.faults.rateLimitMetadata(FILE, 1);
    const media = await rawGet(double.baseUrl, `/drive/v3/files/${FILE}?alt=media`, token);
    expect(media.status).toBe(200);
    expect((await getMetadata()).status).toBe(403);

    double.faults.rateLimit(FILE, 1);
    expect((await getMetadata()).status).toBe(200);
    expect((await rawGet(double.baseUrl, `/drive/v3/files/${FILE}?alt=media`, token)).status).toBe(403);
  });

  it('only limits the armed file, follows the root alias, and clear() disarms it', async () => {
    double.faults.rateLimitMetadata(SAMPLE_IDS.aliceRoot, 1);
    double.faults.rateLimitMetadata(FILE, 5);
    const welcome = await drive.files.get(
      { fileId: SAMPLE_IDS.fileWelcomePdf, fields: 'name' },
      { retry: false },
    );
    expect(welcome.data.name).toBe('Welcome.pdf');
    const root = await rawGet(double.baseUrl, '/drive/v3/files/root?fields=id', token);
    expect(root.status).toBe(403);
    expect((await getMetadata()).status).toBe(403);
    double.faults.clear();
    expect((await getMetadata()).status).toBe(200);
  });
});
