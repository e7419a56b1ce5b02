// The lifecycle of scan temporary files (issue 10, item 2): one scope per scan request deletes
// every file the request wrote, on every path, and the audit log says so with `temp.deleted`.
// Pages a multi-page ticket keeps are deleted when the ticket ends (finish, cancel, expiry, sign-out).

import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { EXECUTABLE, JPEG, makePdf } from '../fixtures/documents.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;
// biome-ignore lint/suspicious/noExplicitAny: audit records as JSON
type Json = any;

const BOUNDARY = 'XTEMPBOUNDARY';

describe('scan temporary files', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp({ extraEnv: { SCAN_MAX_MB: '1' } });
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
  });
  afterEach(async () => t.close());

  const auditRecords = async (): Promise<Json[]> =>
    (await readFile(t.config.audit.logPath, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));

  /** `temp.deleted` records with this reason (audit records are appended in the background). */
  const deletions = async (reason: string, wanted = 1): Promise<Json[]> => {
    let found: Json[] = [];
    for (let i = 0; i < 100; i++) {
      found = (await auditRecords()).filter((r) => r.event === 'temp.deleted' && r.detail?.reason === reason);
      if (found.length >= wanted) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return found;
  };

  /** TEMP_DIR once the server is done with it (a client that went away gets no answer to wait for). */
  const settledTempDir = async (): Promise<string[]> => {
    for (let i = 0; i < 100 && (await t.tempFiles()).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    return t.tempFiles();
  };

  const newTicket = async (pages: 'one' | 'many' = 'one') => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scan-tickets')
      .set('X-CSRF-Token', csrf)
      .send({ folderId: 'scans', pages });
    expect(res.status).toBe(201);
    return { agent, csrf, path: new URL(res.body.uploadUrl).pathname, ticketId: res.body.ticketId as string };
  };

  /**
   * Sends the start of a multipart upload (200 KB of a 900 KB body), waits until the server has
   * written part of it to TEMP_DIR, and goes away mid-body.
   */
  const abortMidUpload = async (path: string, headers: Record<string, string> = {}) => {
    const server = t.app.listen(0);
    const { port } = server.address() as AddressInfo;
    try {
      await new Promise<void>((resolve) => {
        const req = http.request({
          port,
          method: 'POST',
          path,
          headers: {
            'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
            'Content-Length': '900000',
            ...headers,
          },
        });
        req.on('error', () => resolve());
        req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="folderId"\r\n\r\nscans\r\n`);
        req.write(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
        );
        req.write(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200_000, 0x20)]));
        const waitForFile = async () => {
          for (let i = 0; i < 100 && (await t.tempFiles()).length === 0; i++)
            await new Promise((r) => setTimeout(r, 10));
          // The upload really was being written when the client left.
          expect(await t.tempFiles()).toHaveLength(1);
          req.destroy();
          resolve();
        };
        void waitForFile();
      });
      expect(await settledTempDir()).toEqual([]);
    } finally {
      server.close();
    }
  };

  it('a panel client that goes away mid-upload leaves TEMP_DIR empty, and the deletion is audited', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const cookie = (await agent.get('/api/session')).request.cookies;
    await abortMidUpload('/api/scans', { 'X-CSRF-Token': csrf, Cookie: cookie });
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 1 } }]);
    expect(t.drive.uploads).toHaveLength(0);
  });

  it('a device that goes away mid-upload leaves TEMP_DIR empty and its link unused', async () => {
    const { path } = await newTicket();
    await abortMidUpload(path);
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 1 } }]);
    // The link was not used up by the broken attempt.
    const retry = await request(t.app).post(path).attach('file', JPEG, 'scan.jpg');
    expect(retry.status).toBe(201);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('a field refused after the file was written (name too long) deletes the file and audits it', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .attach('file', JPEG, 'a.jpg')
      .field('folderId', 'scans')
      .field('name', 'x'.repeat(301));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_input');
    expect(await t.tempFiles()).toEqual([]);
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 1 } }]);
    expect((await auditRecords()).filter((r) => r.event === 'scan.failed')).toMatchObject([
      { detail: { code: 'bad_input' } },
    ]);
  });

  it('a document Drive refuses to store (upload fails) is deleted and the failure audited', async () => {
    const forToken = t.drive.forToken.bind(t.drive);
    t.drive.forToken = (token) => ({
      ...forToken(token),
      upload: async () => {
        throw new UpstreamError('drive_unavailable', 'Google Drive did not answer. Try again in a minute.');
      },
    });
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .attach('file', await makePdf(1), 'a.pdf');
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: { code: 'drive_unavailable', message: expect.any(String) } });
    expect(await t.tempFiles()).toEqual([]);
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 1 } }]);
    expect((await auditRecords()).filter((r) => r.event === 'scan.failed')).toMatchObject([
      { detail: { code: 'drive_unavailable' } },
    ]);
  });

  it.each([
    ['an executable', EXECUTABLE, 415, 'unsupported_scan_type'],
    [
      'a file over the limit',
      Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1024 * 1024 + 10)]),
      413,
      'scan_too_large',
    ],
  ])('%s is refused, deleted and the deletion audited', async (_label, content, status, code) => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .attach('file', content, 'scan.pdf');
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await t.tempFiles()).toEqual([]);
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 1 } }]);
  });

  it('a device directory operation that carries a document leaves nothing behind', async () => {
    const { path } = await newTicket();
    const res = await request(t.app)
      .post(path)
      .field('theOperation', 'ListDir')
      .attach('sendfile', JPEG, 'scan.jpg');
    expect(res.status).toBe(200);
    expect(await t.tempFiles()).toEqual([]);
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 1 } }]);
  });

  it('a device form with two documents (a file part and a text field) deletes both', async () => {
    const { path } = await newTicket();
    const res = await request(t.app)
      .post(path)
      .field('sendfile', '%PDF-1.4 as text')
      .attach('file', JPEG, 'scan.jpg');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_upload');
    expect(await t.tempFiles()).toEqual([]);
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 1 } }]);
  });

  it('a page kept by a multi-page ticket outlives its request and is deleted at sign-out', async () => {
    const { agent, csrf, path } = await newTicket('many');
    expect((await request(t.app).post(path).attach('file', JPEG, 'p1.jpg')).status).toBe(202);
    expect((await request(t.app).post(path).attach('file', JPEG, 'p2.jpg')).status).toBe(202);
    expect(await t.tempFiles()).toHaveLength(2);
    expect(await deletions('scan', 0)).toEqual([]);
    await agent.post('/auth/signout').set('X-CSRF-Token', csrf);
    expect(await settledTempDir()).toEqual([]);
    expect(await deletions('session_ended')).toMatchObject([{ detail: { files: 2 } }]);
  });

  it('pages of a ticket canceled at the panel are deleted and audited', async () => {
    const canceled = await newTicket('many');
    await request(t.app).post(canceled.path).attach('file', JPEG, 'p1.jpg');
    const res = await canceled.agent
      .post(`/api/scan-tickets/${canceled.ticketId}/cancel`)
      .set('X-CSRF-Token', canceled.csrf);
    expect(res.status).toBe(200);
    expect(await t.tempFiles()).toEqual([]);
    expect(await deletions('scan_canceled')).toMatchObject([{ detail: { files: 1 } }]);
  });

  it('pages of an expired ticket are deleted by the sweep and audited', async () => {
    const expiring = await newTicket('many');
    await request(t.app).post(expiring.path).attach('file', JPEG, 'p1.jpg');
    t.clock.advance(t.config.scan.ticketSeconds * 1000 + 1);
    expect(await t.services.deps.scanning.sweep()).toBe(1);
    expect(await t.tempFiles()).toEqual([]);
    expect(await deletions('ticket_expired')).toMatchObject([{ detail: { files: 1 } }]);
  });

  it('a finished multi-page ticket deletes its pages and the combined PDF', async () => {
    const { path } = await newTicket('many');
    await request(t.app).post(path).attach('file', JPEG, 'p1.jpg');
    await request(t.app)
      .post(path)
      .attach('file', await makePdf(1), 'p2.pdf');
    const done = await request(t.app).post(`${path}/finish`);
    expect(done.status).toBe(201);
    expect(await t.tempFiles()).toEqual([]);
    // Two pages and the PDF made of them.
    expect(await deletions('scan')).toMatchObject([{ detail: { files: 3 } }]);
  });
});
