import { afterEach, describe, expect, it } from 'vitest';
import { FlakyPrintJobStore } from '../fakes/flaky-job-store.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;
const PDF = Buffer.from('%PDF-1.4\n% fault test\n%%EOF\n');

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
};

// Promise 3 and 5 under faults: a job's background work never escapes as an unhandled rejection
// (vitest fails the run on one), and an expired token ends the session that holds it.
describe('background jobs under faults', () => {
  let t: App | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a job store that fails while a job runs: the job is recorded failed, nothing crashes, others are served', async () => {
    const store = new FlakyPrintJobStore();
    t = await httpApp({ printJobs: store });
    const app = t;
    app.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    // Both the progress update and the job's own failure handling fail: only the one place that
    // settles every background task is left to record it.
    store.failReplaces = 2;
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2' });
    expect(res.status).toBe(202);
    await app.services.deps.printing.drain();
    const job = await agent.get(`/api/print/${res.body.jobId}`);
    expect(job.body).toMatchObject({ state: 'failed', error: { code: 'print_failed' } });
    expect(await app.tempFiles()).toEqual([]);
    expect((await agent.get('/api/printers')).status).toBe(200);
  });

  it('a job store that is down for good: the job cannot be recorded, yet the process keeps serving', async () => {
    const store = new FlakyPrintJobStore();
    t = await httpApp({ printJobs: store });
    const app = t;
    app.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    let release = () => {};
    app.drive.downloadGate = new Promise<void>((r) => {
      release = r;
    });
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2' });
    await until(async () => (await app.tempFiles()).length === 1);
    store.down = true;
    release();
    await app.services.deps.printing.drain();
    expect(await app.tempFiles()).toEqual([]);
    const status = await agent.get(`/api/print/${res.body.jobId}`);
    expect(status.status).toBe(500);
    expect(status.body).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    store.down = false;
    expect((await agent.get('/api/printers')).status).toBe(200);
  });

  it('Drive answers 401 mid-download: the job fails with "sign in again", the session ends and its token is revoked', async () => {
    t = await httpApp();
    const app = t;
    app.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf, token } = await app.signInAs('alice@example.com');
    let release = () => {};
    app.drive.downloadGate = new Promise<void>((r) => {
      release = r;
    });
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2' });
    expect(res.status).toBe(202);
    await until(async () => (await app.tempFiles()).length === 1);
    app.drive.revoked.add(token);
    release();
    await app.services.deps.printing.drain();
    expect(await app.services.deps.admin.sessions()).toEqual([]);
    expect(app.signIn.revoked).toContain(token);
    expect((await agent.get('/api/session')).status).toBe(401);
    expect(await app.tempFiles()).toEqual([]);
    const events = await app.services.audit.readAll({});
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['print.failed', 'session.expired']));
    const failed = events.find((e) => e.event === 'print.failed');
    expect(failed?.detail).toMatchObject({ code: 'signed_out' });
  });

  it('Drive answers 401 to a page request: the answer says sign in again and the session is over', async () => {
    t = await httpApp();
    const app = t;
    const { agent, token } = await app.signInAs('bob@example.com');
    app.drive.revoked.add(token);
    const list = await agent.get('/api/files');
    expect(list.status).toBe(401);
    expect(list.body.error.code).toBe('signed_out');
    expect(app.signIn.revoked).toContain(token);
    expect((await agent.get('/api/session')).status).toBe(401);
  });
});
