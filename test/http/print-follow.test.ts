import { afterEach, describe, expect, it } from 'vitest';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;
const PDF = Buffer.from('%PDF-1.4\n% follow test\n%%EOF\n');

// A job is followed with a short first question that backs off, so a finished job is reported
// within a fraction of a second, and a long one costs the printer one question a second.
describe('following a job at the printer', () => {
  let t: App | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('asks after 50 ms, then doubles the wait up to the poll interval', async () => {
    t = await httpApp({ pollIntervalMs: 1000 });
    const app = t;
    const waits: number[] = [];
    const sleep = app.clock.sleep.bind(app.clock);
    app.clock.sleep = (ms, signal) => {
      waits.push(ms);
      return sleep(ms, signal);
    };
    app.printer.phases = [
      'processing',
      'processing',
      'processing',
      'processing',
      'processing',
      'processing',
      'processing',
      'completed',
    ];
    app.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf } = await app.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2' });
    await app.services.deps.printing.drain();
    expect((await agent.get(`/api/print/${res.body.jobId}`)).body.state).toBe('completed');
    expect(waits).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
  });
});
