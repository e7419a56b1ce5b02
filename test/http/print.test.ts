import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { busy, unreachable } from '../fakes/fake-print-system.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;
const PDF = Buffer.from('%PDF-1.4\n% test document\n%%EOF\n');

describe('POST /api/print and GET /api/print/:jobId', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    t.drive.addFile({ id: 'doc1', name: 'Notes', mimeType: 'application/vnd.google-apps.document' });
    t.drive.addFile({
      id: 'zip1',
      name: 'Archive.zip',
      mimeType: 'application/zip',
      content: Buffer.from('PK'),
    });
    t.drive.addFile({ id: 'dir1', name: 'Folder', mimeType: FOLDER_MIME });
  });
  afterEach(async () => t.close());

  async function printAndWait(body: Record<string, unknown>) {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent.post('/api/print').set('X-CSRF-Token', csrf).send(body);
    expect(res.status).toBe(202);
    await t.services.deps.printing.drain();
    const status = await agent.get(`/api/print/${res.body.jobId}`);
    return { agent, csrf, jobId: res.body.jobId as string, status };
  }

  it('prints a PDF: 202 at once, then completed, bytes identical, temp folder empty', async () => {
    const { status } = await printAndWait({
      fileId: 'pdf1',
      printerId: 'floor2',
      copies: 2,
      sides: 'two-sided-long-edge',
    });
    expect(status.body).toMatchObject({
      state: 'completed',
      fileName: 'Plan.pdf',
      printerId: 'floor2',
      ippJobId: 100,
      error: null,
    });
    expect(t.printer.received[0]?.content.equals(PDF)).toBe(true);
    expect(t.printer.received[0]?.submission).toMatchObject({
      documentFormat: 'application/pdf',
      jobName: 'Plan.pdf',
      userName: 'alice@example.com',
      ticket: { copies: 2, sides: 'two-sided-long-edge' },
    });
    expect(await t.tempFiles()).toEqual([]);
  });

  it('prints a Google Doc as its PDF export', async () => {
    const { status } = await printAndWait({ fileId: 'doc1', printerId: 'floor2' });
    expect(status.body.state).toBe('completed');
    expect(t.printer.received[0]?.submission.documentFormat).toBe('application/pdf');
    expect(t.printer.received[0]?.content.toString()).toContain('export of Notes');
  });

  it('retries a rate-limited download and a busy printer', async () => {
    t.drive.flaky.set('pdf1', 2);
    t.printer.submitFailures.push(busy(), busy());
    const { status } = await printAndWait({ fileId: 'pdf1', printerId: 'floor2' });
    expect(status.body.state).toBe('completed');
    expect(t.printer.received).toHaveLength(1);
  });

  it('fails with a cause a person can act on when the printer is unreachable; temp folder empty', async () => {
    t.printer.submitFailures.push(unreachable());
    const { status } = await printAndWait({ fileId: 'pdf1', printerId: 'floor2' });
    expect(status.body.state).toBe('failed');
    expect(status.body.error).toEqual({
      code: 'printer_unreachable',
      message: expect.stringContaining('printer'),
    });
    expect(await t.tempFiles()).toEqual([]);
  });

  it('a job the printer aborts is failed', async () => {
    t.printer.phases = ['processing', 'aborted'];
    const { status } = await printAndWait({ fileId: 'pdf1', printerId: 'floor2' });
    expect(status.body).toMatchObject({ state: 'failed', error: { code: 'printer_aborted' } });
  });

  it.each([
    [{ printerId: 'floor2' }, 400, 'bad_input'],
    [{ fileId: 'pdf1' }, 400, 'bad_input'],
    [{ fileId: 'pdf1', printerId: 'floor2', copies: 0 }, 400, 'bad_input'],
    [{ fileId: 'pdf1', printerId: 'floor2', sides: 'both' }, 400, 'bad_input'],
    [{ fileId: 'pdf1', printerId: 'floor2', pageRanges: '5-2' }, 400, 'bad_page_ranges'],
    [{ fileId: 'pdf1', printerId: 'nowhere' }, 404, 'printer_not_found'],
    [{ fileId: 'missing', printerId: 'floor2' }, 404, 'file_not_found'],
    [{ fileId: 'zip1', printerId: 'floor2' }, 415, 'unsupported_type'],
    [{ fileId: 'dir1', printerId: 'floor2' }, 400, 'not_a_file'],
  ])('refuses %o with %i %s', async (body, status, code) => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent.post('/api/print').set('X-CSRF-Token', csrf).send(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(t.printer.received).toHaveLength(0);
  });

  it('refuses a body that is not JSON with 400, not 500', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .set('Content-Type', 'application/json')
      .send('{"fileId":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_json');
  });

  it('shows a job only to the session that started it', async () => {
    const { jobId } = await printAndWait({ fileId: 'pdf1', printerId: 'floor2' });
    const { agent: bob } = await t.signInAs('bob@example.com');
    const res = await bob.get(`/api/print/${jobId}`);
    expect(res.status).toBe(404);
    expect((await bob.get('/api/print/not-a-uuid')).status).toBe(400);
  });

  it('writes print events to the audit log without names or tokens', async () => {
    await printAndWait({ fileId: 'pdf1', printerId: 'floor2' });
    const { readFile } = await import('node:fs/promises');
    const log = await readFile(t.config.audit.logPath, 'utf8');
    for (const e of ['print.submitted', 'temp.deleted', 'print.completed'])
      expect(log).toContain(`"event":"${e}"`);
    expect(log).toContain('"fileId":"pdf1"');
    expect(log).not.toContain('alice');
    expect(log).not.toContain('ya29');
  });
});
