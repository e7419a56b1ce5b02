import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { EXECUTABLE, JPEG, makePdf, makePng, pageCount } from '../fixtures/documents.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

describe('scans', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp({ extraEnv: { SCAN_MAX_MB: '1' } });
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
    t.drive.addFile({
      id: 'plan',
      name: 'Plan.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4'),
    });
  });
  afterEach(async () => t.close());

  const ticketPath = (url: string) => new URL(url).pathname;

  it('a panel upload reaches the chosen folder byte-identical under the chosen name', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const pdf = await makePdf(2);
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('name', 'Invoice March')
      .attach('file', pdf, { filename: 'x.bin', contentType: 'application/octet-stream' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      fileId: 'up-1',
      name: 'Invoice March.pdf',
      folderId: 'scans',
      duplicateName: false,
    });
    expect(t.drive.uploads[0]?.content.equals(pdf)).toBe(true);
    expect(t.drive.uploads[0]).toMatchObject({
      folderId: 'scans',
      name: 'Invoice March.pdf',
      mimeType: 'application/pdf',
    });
    expect(await t.tempFiles()).toEqual([]);
  });

  it('says when a file with the same name was already there (Drive keeps both)', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const send = () =>
      agent
        .post('/api/scans')
        .set('X-CSRF-Token', csrf)
        .field('folderId', 'scans')
        .field('name', 'Same')
        .attach('file', JPEG, 'a.jpg');
    expect((await send()).body.duplicateName).toBe(false);
    const second = await send();
    expect(second.body).toMatchObject({ name: 'Same.jpg', duplicateName: true });
    expect(t.drive.uploads).toHaveLength(2);
  });

  it.each([
    ['an executable renamed .pdf', EXECUTABLE, 'report.pdf', 415, 'unsupported_scan_type'],
    [
      'an oversize file',
      Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1024 * 1024 + 10)]),
      'big.pdf',
      413,
      'scan_too_large',
    ],
  ])('refuses %s', async (_label, content, filename, status, code) => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .attach('file', content, filename);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(t.drive.uploads).toHaveLength(0);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('stores a path-traversal file name under a random name and uploads it under a cleaned one', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .field('name', '../../etc/passwd')
      .attach('file', await makePdf(1), '../../../../tmp/evil.pdf');
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('etc-passwd.pdf');
    expect(t.drive.uploads[0]?.filePath).toMatch(/\/scan-[0-9a-f-]{36}\.tmp$/);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('refuses a missing CSRF token with 403 before reading the body', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scans')
      .field('folderId', 'scans')
      .attach('file', await makePdf(1), 'a.pdf');
    expect(res.status).toBe(403);
    expect(t.drive.uploads).toHaveLength(0);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('refuses a non-folder destination, a missing file and a non-multipart body', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const notFolder = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'plan')
      .attach('file', JPEG, 'a.jpg');
    expect(notFolder.status).toBe(400);
    expect(notFolder.body.error.code).toBe('not_a_folder');
    const noFile = await agent.post('/api/scans').set('X-CSRF-Token', csrf).field('folderId', 'scans');
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.code).toBe('no_file');
    const json = await agent.post('/api/scans').set('X-CSRF-Token', csrf).send({ folderId: 'scans' });
    expect(json.status).toBe(415);
    const twoFiles = await agent
      .post('/api/scans')
      .set('X-CSRF-Token', csrf)
      .field('folderId', 'scans')
      .attach('file', JPEG, 'a.jpg')
      .attach('file', JPEG, 'b.jpg');
    expect(twoFiles.status).toBe(400);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('a client that aborts mid-body leaves no temporary file', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const cookie = (await agent.get('/api/session')).request.cookies;
    const server = t.app.listen(0);
    const { port } = server.address() as AddressInfo;
    const boundary = 'XBOUNDARY';
    await new Promise<void>((resolve) => {
      const req = http.request({
        port,
        method: 'POST',
        path: '/api/scans',
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': '900000',
          'X-CSRF-Token': csrf,
          Cookie: cookie,
        },
      });
      req.on('error', () => resolve());
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="folderId"\r\n\r\nscans\r\n`);
      req.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      );
      req.write(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200_000, 0x20)]));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    for (let i = 0; i < 50 && (await readdir(t.config.tempDir)).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    server.close();
    expect(await t.tempFiles()).toEqual([]);
    expect(t.drive.uploads).toHaveLength(0);
  });

  describe('tickets', () => {
    it('a device uploads once without a cookie; a second use is refused and uploads nothing', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const ticket = await agent
        .post('/api/scan-tickets')
        .set('X-CSRF-Token', csrf)
        .send({ folderId: 'scans', name: 'From device' });
      expect(ticket.status).toBe(201);
      expect(ticket.body.uploadUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/scan-upload\/[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(ticket.body.expiresAt)).toBe(t.clock.now() + t.config.scan.ticketSeconds * 1000);
      const path = ticketPath(ticket.body.uploadUrl);
      const jpeg = JPEG;
      const first = await request(t.app).post(path).attach('file', jpeg, 'scan.jpg');
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ fileId: 'up-1', name: 'From device.jpg' });
      expect(t.drive.uploads[0]?.content.equals(jpeg)).toBe(true);
      const second = await request(t.app).post(path).attach('file', jpeg, 'scan.jpg');
      expect(second.status).toBe(410);
      expect(second.body.error.code).toBe('ticket_used');
      expect(t.drive.uploads).toHaveLength(1);
      const outcome = await agent.get(`/api/scan-tickets/${ticket.body.ticketId}`);
      expect(outcome.body).toMatchObject({ state: 'uploaded', fileId: 'up-1', name: 'From device.jpg' });
      expect(await t.tempFiles()).toEqual([]);
    });

    it('an expired ticket is refused and uploads nothing', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const ticket = await agent
        .post('/api/scan-tickets')
        .set('X-CSRF-Token', csrf)
        .send({ folderId: 'scans' });
      t.clock.advance(t.config.scan.ticketSeconds * 1000 + 1);
      const res = await request(t.app)
        .post(ticketPath(ticket.body.uploadUrl))
        .attach('file', JPEG, 'scan.jpg');
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('ticket_expired');
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('a ticket of a signed-out session is refused', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const ticket = await agent
        .post('/api/scan-tickets')
        .set('X-CSRF-Token', csrf)
        .send({ folderId: 'scans' });
      await agent.post('/auth/signout').set('X-CSRF-Token', csrf);
      const res = await request(t.app)
        .post(ticketPath(ticket.body.uploadUrl))
        .attach('file', JPEG, 'scan.jpg');
      expect(res.status).toBe(404);
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('an unknown or malformed link is refused', async () => {
      expect(
        (
          await request(t.app)
            .post(`/scan-upload/${'A'.repeat(43)}`)
            .attach('file', JPEG, 'a.jpg')
        ).status,
      ).toBe(404);
      expect((await request(t.app).post('/scan-upload/short').attach('file', JPEG, 'a.jpg')).status).toBe(
        400,
      );
    });

    it('a three-page flatbed ticket ends as one three-page PDF', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const ticket = await agent
        .post('/api/scan-tickets')
        .set('X-CSRF-Token', csrf)
        .send({ folderId: 'scans', name: 'Contract', pages: 'many' });
      const path = ticketPath(ticket.body.uploadUrl);
      expect((await request(t.app).post(path).attach('file', JPEG, 'p1.jpg')).body).toEqual({ pages: 1 });
      expect((await request(t.app).post(path).attach('file', makePng(40, 60), 'p2.png')).body).toEqual({
        pages: 2,
      });
      expect(
        (
          await request(t.app)
            .post(path)
            .attach('file', await makePdf(1), 'p3.pdf')
        ).status,
      ).toBe(202);
      const waiting = await agent.get(`/api/scan-tickets/${ticket.body.ticketId}`);
      expect(waiting.body).toMatchObject({ state: 'receiving', pages: 3 });
      const done = await request(t.app).post(`${path}/finish`);
      expect(done.status).toBe(201);
      expect(done.body.name).toBe('Contract.pdf');
      expect(await pageCount(t.drive.uploads[0]?.content as Buffer)).toBe(3);
      expect((await request(t.app).post(`${path}/finish`)).status).toBe(410);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('a broken page fails the finish with 400 and leaves no temporary file', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const ticket = await agent
        .post('/api/scan-tickets')
        .set('X-CSRF-Token', csrf)
        .send({ folderId: 'scans', pages: 'many' });
      const path = ticketPath(ticket.body.uploadUrl);
      const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 0x11)]);
      expect((await request(t.app).post(path).attach('file', broken, 'p1.jpg')).status).toBe(202);
      const done = await request(t.app).post(`${path}/finish`);
      expect(done.status).toBe(400);
      expect(done.body.error.code).toBe('unreadable_page');
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
      const outcome = await agent.get(`/api/scan-tickets/${ticket.body.ticketId}`);
      expect(outcome.body).toMatchObject({ state: 'failed', error: { code: 'unreadable_page' } });
    });

    it('pages of an expired multi-page ticket are deleted by the sweep', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const ticket = await agent
        .post('/api/scan-tickets')
        .set('X-CSRF-Token', csrf)
        .send({ folderId: 'scans', pages: 'many' });
      await request(t.app).post(ticketPath(ticket.body.uploadUrl)).attach('file', JPEG, 'p1.jpg');
      expect(await t.tempFiles()).toHaveLength(1);
      t.clock.advance(t.config.scan.ticketSeconds * 1000 + 1);
      expect(await t.services.deps.scanning.sweep()).toBe(1);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('creating a ticket needs a folder and the CSRF token', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      expect((await agent.post('/api/scan-tickets').send({ folderId: 'scans' })).status).toBe(403);
      expect(
        (await agent.post('/api/scan-tickets').set('X-CSRF-Token', csrf).send({ folderId: 'nope' })).status,
      ).toBe(404);
      expect(
        (
          await agent
            .post('/api/scan-tickets')
            .set('X-CSRF-Token', csrf)
            .send({ folderId: 'scans', pages: 'lots' })
        ).status,
      ).toBe(400);
    });

    it('reads a page count from a device as one or many pages', async () => {
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const create = (pages: unknown) =>
        agent.post('/api/scan-tickets').set('X-CSRF-Token', csrf).send({ folderId: 'scans', pages });
      expect((await create(0)).status).toBe(400);
      const three = await create(3);
      expect(three.status).toBe(201);
      const page = await request(t.app).post(ticketPath(three.body.uploadUrl)).attach('file', JPEG, 'p1.jpg');
      expect(page.status).toBe(202);
      expect(page.body).toEqual({ pages: 1 });
      const one = await create(1);
      const whole = await request(t.app).post(ticketPath(one.body.uploadUrl)).attach('file', JPEG, 'a.jpg');
      expect(whole.status).toBe(201);
    });
  });
});
