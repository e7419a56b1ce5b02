import { afterEach, describe, expect, it } from 'vitest';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;
const PDF = Buffer.from('%PDF-1.4\n% cancel test\n%%EOF\n');

// Promise 3: the temporary file is deleted when the job ends on cancel and on a timeout too.
describe('cancel and timeout', () => {
  let t: App | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const start = async (app: App) => {
    app.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2' });
    return { agent, csrf, jobId: res.body.jobId as string };
  };
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('canceling during the download stops the job, deletes the file and sends nothing', async () => {
    t = await httpApp();
    const app = t;
    let release = () => {};
    app.drive.downloadGate = new Promise<void>((r) => {
      release = r;
    });
    const { agent, csrf, jobId } = await start(app);
    // The temporary file is created just before the job says 'downloading'; wait for both.
    await until(
      async () =>
        (await app.tempFiles()).length === 1 &&
        (await agent.get(`/api/print/${jobId}`)).body.state === 'downloading',
    );
    expect((await agent.get(`/api/print/${jobId}`)).body.state).toBe('downloading');
    const canceled = await agent.post(`/api/print/${jobId}/cancel`).set('X-CSRF-Token', csrf);
    expect(canceled.body.state).toBe('canceled');
    release();
    expect(await app.tempFiles()).toEqual([]);
    expect(app.printer.received).toHaveLength(0);
  });

  it('canceling while it prints cancels the job at the printer', async () => {
    t = await httpApp();
    const app = t;
    app.printer.phases = ['processing'];
    const { agent, csrf, jobId } = await start(app);
    await until(async () => (await agent.get(`/api/print/${jobId}`)).body.state === 'printing');
    const res = await agent.post(`/api/print/${jobId}/cancel`).set('X-CSRF-Token', csrf);
    expect(res.body.state).toBe('canceled');
    expect(app.printer.canceled).toEqual([100]);
    expect(await app.tempFiles()).toEqual([]);
  });

  it('canceling a job the printer has already finished says it printed (too late)', async () => {
    t = await httpApp();
    const app = t;
    app.printer.phases = ['processing'];
    const { agent, csrf, jobId } = await start(app);
    await until(async () => (await agent.get(`/api/print/${jobId}`)).body.state === 'printing');
    app.printer.phases = ['completed'];
    const res = await agent.post(`/api/print/${jobId}/cancel`).set('X-CSRF-Token', csrf);
    expect(res.body.state).toBe('completed');
    expect(app.printer.canceled).toEqual([]);
  });

  it('a job that does not end in time fails as print_timeout and is canceled at the printer', async () => {
    t = await httpApp({ jobTimeoutMs: 150 });
    const app = t;
    app.printer.phases = ['processing'];
    const { agent, jobId } = await start(app);
    await app.services.deps.printing.drain();
    const job = (await agent.get(`/api/print/${jobId}`)).body;
    expect(job).toMatchObject({ state: 'failed', error: { code: 'print_timeout' } });
    expect(app.printer.canceled).toEqual([100]);
    expect(await app.tempFiles()).toEqual([]);
  });

  it('a timeout during a stuck download deletes the temporary file', async () => {
    t = await httpApp({ jobTimeoutMs: 100 });
    const app = t;
    app.drive.downloadGate = new Promise<void>(() => {});
    const { agent, jobId } = await start(app);
    await until(async () => (await agent.get(`/api/print/${jobId}`)).body.state === 'failed');
    expect((await agent.get(`/api/print/${jobId}`)).body.error.code).toBe('print_timeout');
    expect(await app.tempFiles()).toEqual([]);
  });
});
