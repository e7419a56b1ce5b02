// Issue 10, item 5: random and broken multipart bodies to the two upload routes (the panel's
// POST /api/scans and a device's scan link). Whatever arrives, the answer is a 4xx in the contract's
// error shape (or a success when the body happens to be a valid upload), never a 500, and no
// temporary file is left behind in TEMP_DIR.

import fc from 'fast-check';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { JPEG } from '../fixtures/documents.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

const RUNS = { numRuns: 120, interruptAfterTimeLimit: 8000 } as const;

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  value: Uint8Array;
}

interface Upload {
  boundary: string;
  /** The boundary the Content-Type header names; usually the body's, sometimes another or none. */
  contentType: string;
  parts: Part[];
  /** Damage done to the assembled body. */
  damage:
    | { kind: 'none' }
    | { kind: 'truncate'; at: number }
    | { kind: 'insert'; at: number; bytes: Uint8Array };
  closed: boolean;
}

const BOUNDARY_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";

const boundaryArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: fc.constantFrom(...BOUNDARY_CHARS), minLength: 1, maxLength: 70 }),
  },
  // Boundaries no client should send: empty, too long, NULs, quotes, CR/LF, non-ASCII.
  fc.string({ maxLength: 90 }),
  fc.constantFrom('', 'a'.repeat(200), 'x\u0000y', '"', 'a\r\nb', 'é'),
);

/** Field names: the ones the routes read, huge ones, ones with NULs or quotes, random ones. */
const fieldNameArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('file', 'folderId', 'name', 'sendfile', 'theOperation', 'destDir', 'destName'),
  },
  fc.constantFrom('x'.repeat(70), 'y'.repeat(5000), 'fi\u0000le', 'a"b', '', '__proto__', 'constructor'),
  fc.string({ maxLength: 20 }),
);

const valueArb = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('scans', 'PutFile', 'ListDir', 'DeleteFile', 'x.pdf')
      .map((s) => Buffer.from(s)),
  },
  fc.constant(JPEG),
  fc.uint8Array({ maxLength: 300 }),
  // A NUL-filled value and one just past the text-field limit of the panel route.
  fc.constantFrom(Buffer.alloc(64), Buffer.alloc(1100, 0x61)),
);

const partArb: fc.Arbitrary<Part> = fc.record(
  {
    name: fieldNameArb,
    filename: fc.oneof(
      fc.constantFrom('scan.jpg', '../../etc/passwd', 'a\u0000b.pdf', ''),
      fc.string({ maxLength: 20 }),
    ),
    contentType: fc.oneof(
      fc.constantFrom('image/jpeg', 'application/pdf', 'text/plain; charset=utf-16'),
      fc.string({ maxLength: 20 }),
    ),
    value: valueArb,
  },
  { requiredKeys: ['name', 'value'] },
);

/** Forms the routes accept, so that damage and extra parts also reach the code after multer. */
const VALID_FORMS: Part[][] = [
  [
    { name: 'folderId', value: Buffer.from('scans') },
    { name: 'file', filename: 'scan.jpg', contentType: 'image/jpeg', value: JPEG },
  ],
  [
    { name: 'theOperation', value: Buffer.from('PutFile') },
    { name: 'sendfile', filename: 'd.jpg', contentType: 'image/jpeg', value: JPEG },
  ],
  [{ name: 'theOperation', value: Buffer.from('MakeDir') }],
  [
    { name: 'folderId', value: Buffer.from('scans') },
    { name: 'file', filename: 'big.jpg', contentType: 'image/jpeg', value: Buffer.alloc(1_100_000, 0xff) },
  ],
];

const partsArb = fc.oneof(
  fc.array(partArb, { maxLength: 14 }),
  fc
    .tuple(fc.constantFrom(...VALID_FORMS), fc.array(partArb, { maxLength: 3 }), fc.boolean())
    .map(([form, extra, before]) => (before ? [...extra, ...form] : [...form, ...extra])),
);

const uploadArb: fc.Arbitrary<Upload> = fc
  .record({
    boundary: boundaryArb,
    header: fc.constantFrom(
      'same',
      'same',
      'same',
      'quoted',
      'other',
      'missing',
      'mixed',
      'text',
      'json',
      'random',
    ),
    randomType: fc.string({ maxLength: 40 }),
    parts: partsArb,
    damage: fc.oneof(
      { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 20 }),
      }),
    ),
    closed: fc.boolean(),
  })
  .map(({ boundary, header, randomType, parts, damage, closed }) => ({
    boundary,
    contentType: {
      same: `multipart/form-data; boundary=${boundary}`,
      quoted: `multipart/form-data; boundary="${boundary}"`,
      other: 'multipart/form-data; boundary=SomethingElse',
      missing: 'multipart/form-data',
      mixed: `multipart/mixed; boundary=${boundary}`,
      text: 'text/plain',
      json: 'application/json',
      random: randomType,
    }[header]!,
    parts,
    damage,
    closed,
  }));

function assemble(upload: Upload): Buffer {
  const chunks: Buffer[] = [];
  for (const p of upload.parts) {
    const file = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    const type = p.contentType === undefined ? '' : `\r\nContent-Type: ${p.contentType}`;
    chunks.push(
      Buffer.from(
        `--${upload.boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}${type}\r\n\r\n`,
        'utf8',
      ),
      Buffer.from(p.value),
      Buffer.from('\r\n'),
    );
  }
  if (upload.closed) chunks.push(Buffer.from(`--${upload.boundary}--\r\n`));
  let body = Buffer.concat(chunks);
  const { damage } = upload;
  if (damage.kind === 'truncate') body = body.subarray(0, damage.at % (body.length + 1));
  if (damage.kind === 'insert') {
    const at = damage.at % (body.length + 1);
    body = Buffer.concat([body.subarray(0, at), Buffer.from(damage.bytes), body.subarray(at)]);
  }
  return body;
}

/** Whether a header value can be sent at all (Node refuses control characters). */
function sendable(value: string): boolean {
  return value !== '' && !/[^\t\x20-\x7e\x80-\xff]/.test(value);
}

function expectErrorShape(res: request.Response): void {
  expect(res.status, `status ${res.status}: ${res.text}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `status ${res.status}: ${res.text}`).toBeLessThan(500);
  expect(res.body).toEqual({
    error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) },
  });
}

describe('random multipart bodies to the upload routes', () => {
  let t: App;
  let panel: { agent: TestAgent; csrf: string };
  beforeAll(async () => {
    t = await httpApp({
      extraEnv: { SCAN_MAX_MB: '1' },
      rateLimits: { signInPerMinute: 1000, apiPerMinute: 100_000, uploadsPerMinute: 100_000 },
    });
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
    panel = await t.signInAs('alice@example.com');
  });
  afterAll(async () => t.close());

  it('POST /api/scans: a 4xx in the error shape (or 201 for a valid upload), no temporary file left', async () => {
    await fc.assert(
      fc.asyncProperty(uploadArb, async (upload) => {
        fc.pre(sendable(upload.contentType));
        const uploadsBefore = t.drive.uploads.length;
        const res = await panel.agent
          .post('/api/scans')
          .set('X-CSRF-Token', panel.csrf)
          .set('Content-Type', upload.contentType)
          .send(assemble(upload));
        if (res.status === 201) expect(t.drive.uploads.length).toBe(uploadsBefore + 1);
        else {
          expectErrorShape(res);
          expect(t.drive.uploads.length).toBe(uploadsBefore);
        }
        expect(await t.tempFiles()).toEqual([]);
      }),
      RUNS,
    );
  });

  it('a scan link (file form and device filing form): a 4xx in the error shape, or success; no temporary file left', async () => {
    let path = '';
    const newTicket = async () => {
      const res = await panel.agent
        .post('/api/scan-tickets')
        .set('X-CSRF-Token', panel.csrf)
        .send({ folderId: 'scans', name: 'From device' });
      expect(res.status).toBe(201);
      path = new URL(res.body.uploadUrl).pathname;
    };
    await newTicket();
    await fc.assert(
      fc.asyncProperty(uploadArb, async (upload) => {
        fc.pre(sendable(upload.contentType));
        const uploadsBefore = t.drive.uploads.length;
        const res = await request(t.app)
          .post(path)
          .set('Content-Type', upload.contentType)
          .send(assemble(upload));
        if (res.status === 201) {
          // The link is used up; the next run gets a fresh one.
          expect(t.drive.uploads.length).toBe(uploadsBefore + 1);
          await newTicket();
        } else if (res.status === 200) {
          // A directory operation of the filing form: success that changes nothing.
          expect(res.text).toBe('OK');
          expect(t.drive.uploads.length).toBe(uploadsBefore);
        } else {
          expectErrorShape(res);
          expect(t.drive.uploads.length).toBe(uploadsBefore);
        }
        expect(await t.tempFiles()).toEqual([]);
      }),
      RUNS,
    );
  });

  it('the generator does reach the interesting answers (not only 415s)', async () => {
    // A sanity check on the property above: a valid body from the same builder is accepted, and a
    // truncated copy of it is a 400, so the random runs exercise multer and not just the type check.
    const upload: Upload = {
      boundary: 'b0undary',
      contentType: 'multipart/form-data; boundary=b0undary',
      parts: [
        { name: 'folderId', value: Buffer.from('scans') },
        { name: 'file', filename: 'scan.jpg', contentType: 'image/jpeg', value: JPEG },
      ],
      damage: { kind: 'none' },
      closed: true,
    };
    const ok = await panel.agent
      .post('/api/scans')
      .set('X-CSRF-Token', panel.csrf)
      .set('Content-Type', upload.contentType)
      .send(assemble(upload));
    expect(ok.status).toBe(201);
    const cut = await panel.agent
      .post('/api/scans')
      .set('X-CSRF-Token', panel.csrf)
      .set('Content-Type', upload.contentType)
      .send(assemble({ ...upload, damage: { kind: 'truncate', at: 200 } }));
    expect(cut.status).toBe(400);
    expect(cut.body.error.code).toBe('bad_upload');
    expect(await t.tempFiles()).toEqual([]);
  });
});
