import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { JPEG, makePdf, makePng, pageCount } from '../fixtures/documents.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

/** One part of a hand-built multipart body: a text field, or a file part when `filename` is set. */
interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

const BOUNDARY = 'FilingBoundary7MA4YWxkTrZu0gW';

/** A multipart body in exactly the order given, as a device would send it. */
function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const type = p.contentType ? `\r\nContent-Type: ${p.contentType}` : '';
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`, 'latin1'));
    chunks.push(typeof p.value === 'string' ? Buffer.from(p.value, 'utf8') : p.value);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

const filingFields = (operation: string): Part[] => [
  { name: 'theOperation', value: operation },
  { name: 'destDir', value: '/scans' },
  { name: 'destName', value: 'device-0001.pdf' },
];

describe('HTTP filing on a scan link', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp({ extraEnv: { SCAN_MAX_MB: '1' } });
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
  });
  afterEach(async () => t.close());

  /** A ticket created by a signed-in panel; returns the upload path and the panel's agent. */
  async function ticket(pages: 'one' | 'many' = 'one', name = 'From device') {
    const panel = await t.signInAs('alice@example.com');
    const res = await panel.agent
      .post('/api/scan-tickets')
      .set('X-CSRF-Token', panel.csrf)
      .send({ folderId: 'scans', name, pages });
    expect(res.status).toBe(201);
    return { ...panel, path: new URL(res.body.uploadUrl).pathname, id: res.body.ticketId as string };
  }

  const post = (path: string, parts: Part[]) =>
    request(t.app)
      .post(path)
      .set('Content-Type', `multipart/form-data; boundary=${BOUNDARY}`)
      .send(multipart(parts));

  describe('PutFile', () => {
    it('with sendfile as a file part reaches Drive byte-identical', async () => {
      const pdf = await makePdf(2);
      const { path } = await ticket();
      const res = await post(path, [
        ...filingFields('PutFile'),
        { name: 'sendfile', value: pdf, filename: 'device-0001.pdf', contentType: 'application/pdf' },
      ]);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ fileId: 'up-1', name: 'From device.pdf' });
      expect(t.drive.uploads[0]?.content.equals(pdf)).toBe(true);
      expect(t.drive.uploads[0]).toMatchObject({ folderId: 'scans', mimeType: 'application/pdf' });
      expect(await t.tempFiles()).toEqual([]);
    });

    it('with theOperation after the file part', async () => {
      const { path } = await ticket();
      const res = await post(path, [
        { name: 'sendfile', value: JPEG, filename: 'scan.jpg', contentType: 'image/jpeg' },
        { name: 'destName', value: 'scan.jpg' },
        { name: 'theOperation', value: 'PutFile' },
      ]);
      expect(res.status).toBe(201);
      expect(t.drive.uploads[0]?.content.equals(JPEG)).toBe(true);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('with the document as a plain text field (binary bytes kept)', async () => {
      const png = makePng(20, 10);
      expect(png.some((b) => b >= 0x80)).toBe(true);
      const { path } = await ticket();
      const res = await post(path, [...filingFields('PutFile'), { name: 'sendfile', value: png }]);
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('From device.png');
      expect(t.drive.uploads[0]?.content.equals(png)).toBe(true);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('a text-field document over the scan limit is 413 and leaves nothing behind', async () => {
      const { path } = await ticket();
      const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1024 * 1024 + 10, 0x20)]);
      const res = await post(path, [...filingFields('PutFile'), { name: 'sendfile', value: big }]);
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('scan_too_large');
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('without a document is 400 and leaves the ticket usable', async () => {
      const { path } = await ticket();
      const res = await post(path, filingFields('PutFile'));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('no_file');
      expect((await post(path, [{ name: 'sendfile', value: JPEG, filename: 'a.jpg' }])).status).toBe(201);
    });

    it('works once only: a second PutFile is 410 and uploads nothing', async () => {
      const { path } = await ticket();
      const put = () =>
        post(path, [...filingFields('PutFile'), { name: 'sendfile', value: JPEG, filename: 'a.jpg' }]);
      expect((await put()).status).toBe(201);
      const again = await put();
      expect(again.status).toBe(410);
      expect(again.body.error.code).toBe('ticket_used');
      expect(t.drive.uploads).toHaveLength(1);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('on an expired ticket is 410 and uploads nothing', async () => {
      const { path } = await ticket();
      t.clock.advance(t.config.scan.ticketSeconds * 1000 + 1);
      const res = await post(path, [
        ...filingFields('PutFile'),
        { name: 'sendfile', value: JPEG, filename: 'a.jpg' },
      ]);
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('ticket_expired');
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('several PutFile on a many-page ticket and a finish make one PDF', async () => {
      const { path, agent, id } = await ticket('many', 'Contract');
      const pages: Part[] = [
        { name: 'sendfile', value: JPEG, filename: 'p1.jpg', contentType: 'image/jpeg' },
        { name: 'sendfile', value: makePng(30, 40), filename: 'p2.png', contentType: 'image/png' },
        { name: 'sendfile', value: await makePdf(1), filename: 'p3.pdf', contentType: 'application/pdf' },
      ];
      for (const [i, page] of pages.entries()) {
        const res = await post(path, [page, ...filingFields('PutFile')]);
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ pages: i + 1 });
      }
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({
        state: 'receiving',
        pages: 3,
      });
      const done = await request(t.app).post(`${path}/finish`);
      expect(done.status).toBe(201);
      expect(done.body.name).toBe('Contract.pdf');
      expect(t.drive.uploads).toHaveLength(1);
      expect(await pageCount(t.drive.uploads[0]?.content as Buffer)).toBe(3);
      expect(await t.tempFiles()).toEqual([]);
    });
  });

  describe('other operations', () => {
    it.each(['ListDir', 'MakeDir', 'RemoveDir'])('%s answers 200 OK and changes nothing', async (op) => {
      const { path, agent, id } = await ticket();
      const res = await post(path, filingFields(op));
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/plain');
      expect(res.text).toBe('OK');
      expect(t.drive.uploads).toHaveLength(0);
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({ state: 'waiting', pages: 0 });
      // A directory operation that carries a document does not use the ticket either.
      const withFile = await post(path, [
        { name: 'sendfile', value: JPEG, filename: 'a.jpg' },
        ...filingFields(op),
      ]);
      expect(withFile.status).toBe(200);
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
      const put = await post(path, [
        ...filingFields('PutFile'),
        { name: 'sendfile', value: JPEG, filename: 'a.jpg' },
      ]);
      expect(put.status).toBe(201);
      expect(t.drive.uploads[0]?.content.equals(JPEG)).toBe(true);
    });

    it('a directory operation on a many-page ticket adds no page', async () => {
      const { path, agent, id } = await ticket('many');
      expect((await post(path, filingFields('MakeDir'))).status).toBe(200);
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({ state: 'waiting', pages: 0 });
    });

    it('DeleteFile is refused with 403 and the ticket still works', async () => {
      const { path } = await ticket();
      const res = await post(path, [
        ...filingFields('DeleteFile'),
        { name: 'sendfile', value: JPEG, filename: 'a.jpg' },
      ]);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('operation_refused');
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
      expect((await post(path, [{ name: 'file', value: JPEG, filename: 'a.jpg' }])).status).toBe(201);
    });

    it('an unknown operation is 400 and leaves no temporary file', async () => {
      const { path } = await ticket();
      const res = await post(path, [
        { name: 'sendfile', value: JPEG, filename: 'a.jpg' },
        ...filingFields('RenameFile'),
      ]);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('unknown_operation');
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('two documents in one request are 400 and leave no temporary file', async () => {
      const { path } = await ticket();
      const res = await post(path, [
        { name: 'sendfile', value: JPEG, filename: 'a.jpg' },
        { name: 'file', value: JPEG, filename: 'b.jpg' },
      ]);
      expect(res.status).toBe(400);
      const mixed = await post(path, [
        { name: 'file', value: JPEG, filename: 'b.jpg' },
        { name: 'sendfile', value: 'not a document' },
      ]);
      expect(mixed.status).toBe(400);
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('our own file field keeps working', async () => {
      const { path } = await ticket();
      const res = await request(t.app).post(path).attach('file', JPEG, 'scan.jpg');
      expect(res.status).toBe(201);
      expect(t.drive.uploads[0]?.content.equals(JPEG)).toBe(true);
    });
  });

  describe('a stray finish', () => {
    it('on a single-document ticket is 400 and the ticket stays usable', async () => {
      const { path, agent, id } = await ticket();
      const res = await request(t.app).post(`${path}/finish`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('not_a_page_ticket');
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({ state: 'waiting' });
      const put = await post(path, [
        ...filingFields('PutFile'),
        { name: 'sendfile', value: JPEG, filename: 'a.jpg' },
      ]);
      expect(put.status).toBe(201);
      expect(t.drive.uploads).toHaveLength(1);
    });

    it('on a many-page ticket without pages is 400 and changes nothing', async () => {
      const { path } = await ticket('many');
      const res = await request(t.app).post(`${path}/finish`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('no_pages');
      expect((await post(path, [{ name: 'sendfile', value: JPEG, filename: 'p1.jpg' }])).body).toEqual({
        pages: 1,
      });
      expect((await request(t.app).post(`${path}/finish`)).status).toBe(201);
      expect(t.drive.uploads).toHaveLength(1);
      expect(await t.tempFiles()).toEqual([]);
    });
  });

  describe('the panel', () => {
    it('sees pages arrive and finishes the scan itself', async () => {
      const { path, agent, csrf, id } = await ticket('many', 'Panel finish');
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({ state: 'waiting', pages: 0 });
      await post(path, [{ name: 'sendfile', value: JPEG, filename: 'p1.jpg' }]);
      await post(path, [{ name: 'sendfile', value: JPEG, filename: 'p2.jpg' }]);
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({
        state: 'receiving',
        pages: 2,
      });
      const done = await agent.post(`/api/scan-tickets/${id}/finish`).set('X-CSRF-Token', csrf);
      expect(done.status).toBe(201);
      expect(done.body).toEqual({ fileId: 'up-1', name: 'Panel finish.pdf' });
      expect(await pageCount(t.drive.uploads[0]?.content as Buffer)).toBe(2);
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({ state: 'uploaded' });
      expect((await post(path, [{ name: 'sendfile', value: JPEG, filename: 'p3.jpg' }])).status).toBe(410);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('finish without pages is 400 and changes nothing', async () => {
      const { agent, csrf, id } = await ticket('many');
      const res = await agent.post(`/api/scan-tickets/${id}/finish`).set('X-CSRF-Token', csrf);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('no_pages');
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({ state: 'waiting' });
    });

    it('cancels: received pages are deleted and the link is dead', async () => {
      const { path, agent, csrf, id } = await ticket('many');
      await post(path, [{ name: 'sendfile', value: JPEG, filename: 'p1.jpg' }]);
      expect(await t.tempFiles()).toHaveLength(1);
      const res = await agent.post(`/api/scan-tickets/${id}/cancel`).set('X-CSRF-Token', csrf);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ state: 'canceled' });
      expect(await t.tempFiles()).toEqual([]);
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toEqual({ state: 'canceled' });
      expect((await post(path, [{ name: 'sendfile', value: JPEG, filename: 'p2.jpg' }])).status).toBe(410);
      expect((await request(t.app).post(`${path}/finish`)).status).toBe(410);
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('finish and cancel need the CSRF token and the session that made the ticket', async () => {
      const { path, agent, id } = await ticket('many');
      await post(path, [{ name: 'sendfile', value: JPEG, filename: 'p1.jpg' }]);
      expect((await agent.post(`/api/scan-tickets/${id}/cancel`)).status).toBe(403);
      const bob = await t.signInAs('bob@example.com');
      for (const action of ['finish', 'cancel']) {
        const res = await bob.agent.post(`/api/scan-tickets/${id}/${action}`).set('X-CSRF-Token', bob.csrf);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('ticket_not_found');
      }
      expect((await bob.agent.get(`/api/scan-tickets/${id}`)).status).toBe(404);
      expect((await request(t.app).post(`/api/scan-tickets/${id}/finish`)).status).toBe(401);
      expect((await agent.get(`/api/scan-tickets/${id}`)).body).toMatchObject({
        state: 'receiving',
        pages: 1,
      });
      expect(t.drive.uploads).toHaveLength(0);
    });
  });
});
