import { afterEach, describe, expect, it } from 'vitest';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;
const PDF = Buffer.from('%PDF-1.4\n% queue test\n%%EOF\n');

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
};

// A printer takes one job at a time: the connector keeps the others in line (in order) instead of
// having the printer refuse them as busy; jobs for another printer do not wait.
describe('jobs queue per printer', () => {
  let t: App | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a second job for the same printer is sent only after the first ended there; another printer prints meanwhile', async () => {
    t = await httpApp();
    const app = t;
    app.drive.addFile({ id: 'pdf1', name: 'One.pdf', mimeType: 'application/pdf', content: PDF });
    app.drive.addFile({ id: 'pdf2', name: 'Two.pdf', mimeType: 'application/pdf', content: PDF });
    app.drive.addFile({ id: 'pdf3', name: 'Three.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    // The first job stays at the printer until the test lets it finish.
    app.printer.phases = ['processing']; // repeats until the test sets 'completed'
    const submit = async (fileId: string, printerId: string) =>
      (await agent.post('/api/print').set('X-CSRF-Token', csrf).send({ fileId, printerId })).body
        .jobId as string;
    const state = async (jobId: string) => (await agent.get(`/api/print/${jobId}`)).body.state as string;
    const first = await submit('pdf1', 'floor2');
    await until(async () => (await state(first)) === 'printing');
    const second = await submit('pdf2', 'floor2');
    const other = await submit('pdf3', 'lobby');
    await until(async () => app.printer.received.length === 2);
    expect(app.printer.received.map((r) => [r.printerId, r.submission.jobName])).toEqual([
      ['floor2', 'One.pdf'],
      ['lobby', 'Three.pdf'],
    ]);
    expect(await state(second)).not.toBe('sending');
    expect(await state(second)).not.toBe('printing');
    app.printer.phases = ['completed'];
    await app.services.deps.printing.drain();
    expect(app.printer.received.map((r) => r.submission.jobName)).toEqual([
      'One.pdf',
      'Three.pdf',
      'Two.pdf',
    ]);
    for (const id of [first, second, other]) expect(await state(id)).toBe('completed');
    expect(await app.tempFiles()).toEqual([]);
  });

  it('a job waiting for its printer can be canceled; the line goes on', async () => {
    t = await httpApp();
    const app = t;
    app.drive.addFile({ id: 'pdf1', name: 'One.pdf', mimeType: 'application/pdf', content: PDF });
    app.drive.addFile({ id: 'pdf2', name: 'Two.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    app.printer.phases = ['processing']; // repeats until the test sets 'completed'
    const submit = async (fileId: string) =>
      (await agent.post('/api/print').set('X-CSRF-Token', csrf).send({ fileId, printerId: 'floor2' })).body
        .jobId as string;
    const first = await submit('pdf1');
    await until(async () => (await agent.get(`/api/print/${first}`)).body.state === 'printing');
    const second = await submit('pdf2');
    const canceled = await agent.post(`/api/print/${second}/cancel`).set('X-CSRF-Token', csrf);
    expect(canceled.body.state).toBe('canceled');
    app.printer.phases = ['completed'];
    await app.services.deps.printing.drain();
    expect(app.printer.received.map((r) => r.submission.jobName)).toEqual(['One.pdf']);
    expect(await app.tempFiles()).toEqual([]);
  });
});
