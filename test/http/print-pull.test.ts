import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import nodePath from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryPulledDocumentStore } from '../../src/adapters/memory-pull-store.js';
import type { AuditEvent, PulledDocument } from '../../src/domain/ports.js';
import { PullDocuments } from '../../src/domain/pull-documents.js';
import { TempFiles } from '../../src/domain/temp-files.js';
import { loggablePath } from '../../src/http/middleware/request-log.js';
import { InstantClock } from '../fakes/manual-clock.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;
const PDF = Buffer.from('%PDF-1.4\n% pulled test document\n%%EOF\n');

/** supertest keeps an application/pdf body as bytes only when told to; it hands the parser the raw stream. */
const bytes: Parameters<request.Test['parse']>[0] = (res, done) => {
  const stream = res as unknown as http.IncomingMessage;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('pull delivery: POST /api/print with delivery pull, then GET /pull/:capability', () => {
  let t: App;
  beforeEach(async () => {
    // Shorter than the session's idle time, so the owner can still look after the clock moves.
    t = await httpApp({ extraEnv: { PULL_SECONDS: '60' } });
    t.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    t.drive.addFile({ id: 'doc1', name: 'Notes', mimeType: 'application/vnd.google-apps.document' });
  });
  afterEach(async () => t.close());

  async function pullReady(body: Record<string, unknown> = { fileId: 'pdf1', printerId: 'floor2' }) {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ ...body, delivery: 'pull' });
    expect(res.status).toBe(202);
    await t.services.deps.printing.drain();
    const jobId = res.body.jobId as string;
    const status = await agent.get(`/api/print/${jobId}`);
    const url = new URL(status.body.documentUrl as string);
    return { agent, csrf, jobId, status, path: url.pathname, capability: url.pathname.split('/')[2] ?? '' };
  }

  const fetchDocument = async (path: string) => {
    const res = await request(t.app).get(path).buffer(true).parse(bytes);
    // The job is marked after the last byte left, so the answer can arrive a moment before.
    await settled();
    return res;
  };
  /** Waits until the hand-over ended: the file is gone and the audit has its temp.deleted. */
  async function settled() {
    for (let i = 0; i < 200; i++) {
      const files = await t.tempFiles();
      const audit = await readFile(t.config.audit.logPath, 'utf8').catch(() => '');
      if (files.length === 0 && /"event":"print\.(completed|failed)"[^\n]*"delivery":"pull"/.test(audit))
        return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const auditText = () => readFile(t.config.audit.logPath, 'utf8');

  it('prepares the document, shows ready with a single-use link, and nothing is sent by IPP', async () => {
    const { status, capability } = await pullReady();
    expect(status.body).toMatchObject({ state: 'ready', delivery: 'pull', step: 'fetch', error: null });
    expect(status.body.documentUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/pull\/[A-Za-z0-9_-]{43}$/);
    // 256 bits.
    expect(Buffer.from(capability, 'base64url')).toHaveLength(32);
    expect(t.printer.received).toEqual([]);
    expect(await t.tempFiles()).toHaveLength(1);
  });

  it('streams the exact document once, without a cookie; the job completes; a second GET is 404', async () => {
    const { agent, jobId, path } = await pullReady();
    const first = await fetchDocument(path);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/pdf');
    expect(first.headers['content-length']).toBe(String(PDF.length));
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['set-cookie']).toBeUndefined();
    expect((first.body as Buffer).equals(PDF)).toBe(true);

    const second = await request(t.app).get(path);
    expect(second.status).toBe(404);
    expect(second.body).toEqual({ error: { code: 'pull_not_found', message: expect.any(String) } });

    const status = await agent.get(`/api/print/${jobId}`);
    expect(status.body).toMatchObject({ state: 'completed', delivery: 'pull', step: null });
    expect(status.body.documentUrl).toBeUndefined();
    expect(await t.tempFiles()).toEqual([]);
    const audit = await auditText();
    expect(audit).toMatch(/"event":"print.completed"[^\n]*"delivery":"pull"/);
    expect(audit).toMatch(/"event":"temp.deleted"[^\n]*"reason":"pull_fetched"/);
  });

  it('exports a Google Doc to PDF and cuts chosen pages only through pageRanges', async () => {
    const { path } = await pullReady({ fileId: 'doc1', printerId: 'floor2' });
    const res = await fetchDocument(path);
    expect(res.status).toBe(200);
    expect((res.body as Buffer).toString()).toContain('export of Notes');
  });

  it('HEAD tells size and type without using the link up', async () => {
    const { path } = await pullReady();
    const head = await request(t.app).head(path);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(PDF.length));
    expect(await t.tempFiles()).toHaveLength(1);
    expect((await fetchDocument(path)).status).toBe(200);
    expect((await request(t.app).head(path)).status).toBe(404);
  });

  it('an unfetched document is deleted at expiry and its link is 404; the job says why', async () => {
    const { agent, jobId, path } = await pullReady();
    t.clock.advance(t.config.pullSeconds * 1000);
    // Expired before the sweep: already refused.
    expect((await request(t.app).get(path)).status).toBe(404);
    expect(await t.services.deps.printing.sweepPulled()).toBe(1);
    expect(await t.tempFiles()).toEqual([]);
    expect((await request(t.app).get(path)).status).toBe(404);
    const status = await agent.get(`/api/print/${jobId}`);
    expect(status.body).toMatchObject({ state: 'failed', error: { code: 'pull_expired' } });
    expect(await auditText()).toMatch(/"event":"temp.deleted"[^\n]*"reason":"pull_expired"/);
  });

  it('canceling a ready job withdraws the link and deletes the document', async () => {
    const { agent, csrf, jobId, path } = await pullReady();
    const res = await agent.post(`/api/print/${jobId}/cancel`).set('X-CSRF-Token', csrf);
    expect(res.body).toMatchObject({ state: 'canceled' });
    expect(await t.tempFiles()).toEqual([]);
    expect((await request(t.app).get(path)).status).toBe(404);
  });

  it('a transfer the device breaks off uses the link up, deletes the file and fails the job', async () => {
    const big = Buffer.alloc(32 * 1024 * 1024, 0x20);
    PDF.copy(big);
    t.drive.addFile({ id: 'big1', name: 'Big.pdf', mimeType: 'application/pdf', content: big });
    const { agent, jobId, path } = await pullReady({ fileId: 'big1', printerId: 'floor2' });
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
      });
      await settled();
      const status = await agent.get(`/api/print/${jobId}`);
      expect(status.body).toMatchObject({ state: 'failed', error: { code: 'pull_interrupted' } });
      expect(await t.tempFiles()).toEqual([]);
      expect((await request(t.app).get(path)).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('the job page says ready, keeps the link folded in <details>, then says fetched by the device', async () => {
    const { agent, jobId, path } = await pullReady();
    const ready = await agent.get(`/jobs/${jobId}`);
    expect(ready.status).toBe(200);
    expect(ready.text).toContain('Ready: your printer can fetch it now.');
    expect(ready.text).toMatch(
      /<details class="pull-link" id="job-pull" >[\s\S]*\/pull\/[A-Za-z0-9_-]{43}[\s\S]*<\/details>/,
    );
    await fetchDocument(path);
    const done = await agent.get(`/jobs/${jobId}`);
    expect(done.text).toContain('Done: fetched by the device.');
    expect(done.text).not.toContain('/pull/');
  });

  it('another session cannot see the job or its link', async () => {
    const { jobId } = await pullReady();
    const { agent: bob } = await t.signInAs('bob@example.com');
    const res = await bob.get(`/api/print/${jobId}`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('/pull/');
  });

  it.each([
    [{ copies: 2 }, 'copies'],
    [{ sides: 'two-sided-long-edge' }, 'sides'],
    [{ color: 'monochrome', media: 'iso_a4_210x297mm' }, 'color, media'],
  ])('refuses %j with 400 option_unsupported, creating nothing', async (options, named) => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2', delivery: 'pull', ...options });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('option_unsupported');
    expect(res.body.error.message).toMatch(/takes only pages/);
    expect(res.body.error.message).toContain(named);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('honours pages by cutting them (a page outside the document fails the job, nothing left behind)', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2', delivery: 'pull', pageRanges: '5-6' });
    expect(res.status).toBe(202);
    await t.services.deps.printing.drain();
    const status = await agent.get(`/api/print/${res.body.jobId}`);
    // The test PDF has no real pages: cutting is attempted, and fails cleanly.
    expect(status.body.state).toBe('failed');
    expect(status.body.documentUrl).toBeUndefined();
    expect(await t.tempFiles()).toEqual([]);
  });

  it('keeps the link out of the request log and the audit log', async () => {
    const { path, capability } = await pullReady();
    expect(loggablePath(path)).toBe('/pull/[document]');
    await fetchDocument(path);
    const audit = await auditText();
    expect(audit).not.toContain(capability);
    expect(audit).not.toContain('/pull/');
  });
});

describe('pull delivery of a large PDF: published while it downloads, streamed as it grows', () => {
  let t: App;
  let server: http.Server;
  let port: number;
  /** Opens the fake Drive's gate: the download (all bytes written already) finishes. */
  let openGate: () => void;
  const BIG = Buffer.alloc(5 * 1024 * 1024, 0x20);
  PDF.copy(BIG);

  async function start(options: { jobTimeoutMs?: number } = {}) {
    t = await httpApp({ extraEnv: { PULL_SECONDS: '60' }, ...options });
    t.drive.addFile({ id: 'big1', name: 'Big.pdf', mimeType: 'application/pdf', content: BIG });
    t.drive.downloadGate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  }
  afterEach(async () => {
    openGate?.();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  /** Submits with pull delivery and polls until the job is ready (its download still running). */
  async function pullReady() {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'big1', printerId: 'floor2', delivery: 'pull' });
    expect(res.status).toBe(202);
    const jobId = res.body.jobId as string;
    for (let i = 0; i < 500; i++) {
      const status = await agent.get(`/api/print/${jobId}`);
      if (status.body.state === 'ready') {
        const path = new URL(status.body.documentUrl as string).pathname;
        return { agent, csrf, jobId, path };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('the job never became ready');
  }

  /** The device's GET: resolves once every byte of the file is in (the response may go on). */
  function deviceGet(path: string, until = BIG.length) {
    let bytes = 0;
    let req!: http.ClientRequest;
    const chunks: Buffer[] = [];
    let reached!: () => void;
    const received = new Promise<void>((r) => {
      reached = r;
    });
    const ended = new Promise<{ res: http.IncomingMessage; body: Buffer; complete: boolean }>(
      (resolve, reject) => {
        req = http.get({ host: '127.0.0.1', port, path }, (res) => {
          const done = () => resolve({ res, body: Buffer.concat(chunks), complete: res.complete });
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            bytes += c.length;
            if (bytes >= until) reached();
          });
          res.on('end', done);
          res.on('error', done);
          res.on('close', done);
        });
        req.on('error', reject);
      },
    );
    return { received, ended, destroy: () => req.destroy() };
  }

  async function until(check: () => Promise<boolean>) {
    for (let i = 0; i < 400; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('never happened');
  }

  it('is ready before its download ended; the GET gets every byte chunked and ends with the download', async () => {
    await start();
    const { agent, jobId, path } = await pullReady();
    // HEAD cannot tell a size yet.
    const head = await request(t.app).head(path);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBeUndefined();
    const get = deviceGet(path);
    await get.received;
    // Every byte is out, but the download has not finished: neither has the response, nor the job.
    await new Promise((r) => setTimeout(r, 50));
    expect((await agent.get(`/api/print/${jobId}`)).body.state).toBe('ready');
    openGate();
    const { res, body, complete } = await get.ended;
    expect(complete).toBe(true);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(body.equals(BIG)).toBe(true);
    await until(async () => (await agent.get(`/api/print/${jobId}`)).body.state === 'completed');
    await t.services.deps.printing.drain();
    expect(await t.tempFiles()).toEqual([]);
    expect((await request(t.app).get(path)).status).toBe(404);
  });

  it('a download that fails while the device reads breaks the transfer off, even with every byte sent', async () => {
    await start({ jobTimeoutMs: 400 });
    const { agent, jobId, path } = await pullReady();
    const get = deviceGet(path);
    await get.received;
    // The download never finishes: the job's time runs out and the download is stopped.
    const { body, complete } = await get.ended;
    expect(complete).toBe(false);
    expect(body.length).toBeLessThanOrEqual(BIG.length);
    await t.services.deps.printing.drain();
    const status = await agent.get(`/api/print/${jobId}`);
    expect(status.body).toMatchObject({ state: 'failed', error: { code: 'print_timeout' } });
    expect(await t.tempFiles()).toEqual([]);
    expect((await request(t.app).get(path)).status).toBe(404);
    const audit = await readFile(t.config.audit.logPath, 'utf8');
    expect(audit.match(/"event":"print\.failed"/g)).toHaveLength(1);
  });

  it('a device that breaks off while the document downloads fails the job as interrupted and stops the download', async () => {
    await start();
    const { agent, jobId, path } = await pullReady();
    const get = deviceGet(path, 1);
    await get.received;
    get.destroy();
    // The download is stopped: the job's work ends without the gate being opened.
    await t.services.deps.printing.drain();
    await until(async () => (await agent.get(`/api/print/${jobId}`)).body.state !== 'ready');
    const status = await agent.get(`/api/print/${jobId}`);
    expect(status.body).toMatchObject({ state: 'failed', error: { code: 'pull_interrupted' } });
    expect(await t.tempFiles()).toEqual([]);
    expect((await request(t.app).get(path)).status).toBe(404);
    const audit = await readFile(t.config.audit.logPath, 'utf8');
    expect(audit.match(/"event":"print\.failed"/g)).toHaveLength(1);
  });

  it('canceling while the document downloads withdraws the link and deletes the file', async () => {
    await start();
    const { agent, csrf, jobId, path } = await pullReady();
    const res = await agent.post(`/api/print/${jobId}/cancel`).set('X-CSRF-Token', csrf);
    expect(res.body).toMatchObject({ state: 'canceled' });
    expect(res.body.documentUrl).toBeUndefined();
    await t.services.deps.printing.drain();
    expect(await t.tempFiles()).toEqual([]);
    expect((await request(t.app).get(path)).status).toBe(404);
  });

  it('fetched after its download ended, it is sent whole with its Content-Length', async () => {
    await start();
    const { agent, jobId, path } = await pullReady();
    openGate();
    await t.services.deps.printing.drain();
    const head = await request(t.app).head(path);
    expect(head.headers['content-length']).toBe(String(BIG.length));
    const { res, body, complete } = await deviceGet(path).ended;
    expect(complete).toBe(true);
    expect(res.headers['content-length']).toBe(String(BIG.length));
    expect(body.equals(BIG)).toBe(true);
    await until(async () => (await agent.get(`/api/print/${jobId}`)).body.state === 'completed');
    await until(async () => (await t.tempFiles()).length === 0);
  });
});

describe('PullDocuments: every path that ends a prepared document deletes its file', () => {
  let dir: string;
  let temp: TempFiles;
  const events: AuditEvent[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(nodePath.join(os.tmpdir(), 'dpc-pull-unit-'));
    temp = new TempFiles({ dir: nodePath.join(dir, 'tmp') });
    await temp.init();
    events.length = 0;
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  function pulls(store = new InMemoryPulledDocumentStore()) {
    return new PullDocuments({
      store,
      temp,
      audit: { record: async (e) => void events.push(e) },
      clock: new InstantClock(),
      secret: 's'.repeat(40),
      seconds: 60,
      publicUrl: 'https://print.example.com',
    });
  }
  async function prepared(): Promise<string> {
    const file = await temp.create('print');
    await writeFile(file, PDF);
    return file;
  }
  const capabilityOf = (p: PullDocuments, jobId: string) => p.documentUrl(jobId).split('/pull/')[1] as string;

  it('a store that cannot record the document: the moved file is deleted and the error goes on', async () => {
    const store = new InMemoryPulledDocumentStore();
    store.create = async () => {
      throw new Error('store down');
    };
    const input = { prepared: await prepared(), jobId: 'j1', userEmail: 'a@example.com', fileId: 'f1' };
    await expect(pulls(store).publish(input)).rejects.toThrow('store down');
    expect(await readdir(temp.dir)).toEqual([]);
    expect(events).toMatchObject([{ event: 'temp.deleted', detail: { reason: 'pull_failed' } }]);
  });

  it('a send that throws (the device went away) still deletes the file, and the link is used up', async () => {
    const p = pulls();
    await p.publish({ prepared: await prepared(), jobId: 'j2', userEmail: 'a@example.com', fileId: 'f1' });
    const result = await p.deliver(capabilityOf(p, 'j2'), async () => {
      throw new Error('socket closed');
    });
    expect(result.outcome).toBe('interrupted');
    expect(await readdir(temp.dir)).toEqual([]);
    await expect(p.deliver(capabilityOf(p, 'j2'), async () => undefined)).rejects.toMatchObject({
      status: 404,
    });
  });

  it('a record whose file is gone (a restart emptied TEMP_DIR) is used up and reported missing', async () => {
    const p = pulls();
    await p.publish({ prepared: await prepared(), jobId: 'j3', userEmail: 'a@example.com', fileId: 'f1' });
    for (const name of await readdir(temp.dir)) await temp.remove(nodePath.join(temp.dir, name));
    const result = await p.deliver(capabilityOf(p, 'j3'), async () => undefined);
    expect(result.outcome).toBe('missing');
  });

  it('withdraw deletes once; each job has a link of its own', async () => {
    const p = pulls();
    await p.publish({ prepared: await prepared(), jobId: 'j4', userEmail: 'a@example.com', fileId: 'f1' });
    expect(await p.withdraw('j4')).toBe(true);
    expect(await readdir(temp.dir)).toEqual([]);
    expect(await p.withdraw('j4')).toBe(false);
    expect(capabilityOf(p, 'j4')).not.toBe(capabilityOf(p, 'j5'));
    const expired: PulledDocument[] = await p.sweep();
    expect(expired).toEqual([]);
  });
});
