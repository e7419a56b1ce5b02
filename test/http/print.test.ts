import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { busy, fullPrinter, unreachable } from '../fakes/fake-print-system.js';
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

  const plainPrinter = () =>
    fullPrinter({
      capabilities: {
        ...fullPrinter().capabilities,
        sides: ['one-sided'],
        color: ['monochrome'],
        media: [{ id: 'iso_a4_210x297mm', name: 'A4' }],
        finishings: [],
        numberUp: [1],
      },
    });

  it.each([
    [{ sides: 'two-sided-long-edge' }, /sides.*It accepts: one-sided/],
    [{ color: 'color' }, /It accepts: monochrome/],
    [{ media: 'na_legal_8.5x14in' }, /It accepts: iso_a4_210x297mm/],
    [{ copies: 100 }, /from 1 to 99 copies/],
    [{ finishings: ['staple'] }, /finishings/],
    [{ numberUp: 4 }, /It accepts: 1/],
  ])(
    'an option the printer does not support (%o) is 400 option_unsupported; no job, no file',
    async (options, message) => {
      t.printer.descriptions.set('floor2', plainPrinter());
      await t.services.deps.printers.refresh('floor2');
      const { agent, csrf } = await t.signInAs('alice@example.com');
      const res = await agent
        .post('/api/print')
        .set('X-CSRF-Token', csrf)
        .send({ fileId: 'pdf1', printerId: 'floor2', ...options });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('option_unsupported');
      expect(res.body.error.message).toMatch(message);
      expect(t.printer.received).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(t.config.audit.logPath, 'utf8').catch(() => '')).not.toContain('print.submitted');
    },
  );

  it.each([
    [{ copies: 'two' }, 'bad_input'],
    [{ copies: 1.5 }, 'bad_input'],
    [{ orientation: 'sideways' }, 'bad_input'],
    [{ quality: 'best' }, 'bad_input'],
    [{ numberUp: 0 }, 'bad_input'],
    [{ finishings: ['Staple!'] }, 'bad_input'],
    [{ media: 'A4 paper' }, 'bad_input'],
    [{ pageRanges: '1-3,x' }, 'bad_page_ranges'],
  ])('a malformed option (%o) is 400 %s; no job, no file', async (options, code) => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2', ...options });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(t.printer.received).toHaveLength(0);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('asks the printer with Validate-Job first and turns its refusal into option_unsupported', async () => {
    t.printer.descriptions.set(
      'floor2',
      fullPrinter({ facts: { ...fullPrinter().facts, validateJob: true } }),
    );
    await t.services.deps.printers.refresh('floor2');
    t.printer.refuse = ['sides'];
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2', sides: 'two-sided-short-edge' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'option_unsupported',
      message: expect.stringContaining(
        'sides (it accepts: one-sided, two-sided-long-edge, two-sided-short-edge)',
      ),
    });
    expect(t.printer.validated[0]?.submission).toMatchObject({
      documentFormat: 'application/pdf',
      ticket: { sides: 'two-sided-short-edge' },
    });
    expect(t.printer.received).toHaveLength(0);
    t.printer.refuse = [];
    const ok = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'floor2', sides: 'two-sided-short-edge' });
    expect(ok.status).toBe(202);
  });

  it('sends every chosen option and shows them back on the job', async () => {
    const { status } = await printAndWait({
      fileId: 'pdf1',
      printerId: 'floor2',
      copies: 2,
      sides: 'two-sided-long-edge',
      color: 'monochrome',
      media: 'iso_a4_210x297mm',
      pageRanges: '3, 1-2',
      orientation: 'landscape',
      numberUp: 2,
      quality: 'high',
      finishings: ['staple'],
    });
    const ticket = {
      copies: 2,
      sides: 'two-sided-long-edge',
      color: 'monochrome',
      media: 'iso_a4_210x297mm',
      pageRanges: [[1, 3]],
      orientation: 'landscape',
      numberUp: 2,
      quality: 'high',
      finishings: ['staple'],
    };
    expect(t.printer.received[0]?.submission.ticket).toEqual(ticket);
    expect(status.body).toMatchObject({
      state: 'completed',
      step: null,
      converts: false,
      pagesDone: 1,
      options: { ...ticket, pageRanges: '1-3' },
      printerState: 'idle',
      printerStateReasons: [],
    });
  });

  it('a rate-limited metadata request prints after retries', async () => {
    t.drive.flakyMetadata.set('pdf1', 2);
    const { status } = await printAndWait({ fileId: 'pdf1', printerId: 'floor2' });
    expect(status.body.state).toBe('completed');
  });

  it('a printer that has never answered is 502 printer_unreachable; no job, no file', async () => {
    await t.close();
    t = await httpApp({ unreachablePrinters: ['lobby'] });
    t.drive.addFile({ id: 'pdf1', name: 'Plan.pdf', mimeType: 'application/pdf', content: PDF });
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('X-CSRF-Token', csrf)
      .send({ fileId: 'pdf1', printerId: 'lobby' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('printer_unreachable');
    expect(await t.tempFiles()).toEqual([]);
  });

  it('Retry prints the same file on the same printer with the same options as a new job', async () => {
    t.printer.submitFailures.push(unreachable());
    const { agent, csrf, jobId, status } = await printAndWait({
      fileId: 'pdf1',
      printerId: 'floor2',
      copies: 3,
    });
    expect(status.body).toMatchObject({ state: 'failed', step: 'send' });
    const retry = await agent.post(`/api/print/${jobId}/retry`).set('X-CSRF-Token', csrf);
    expect(retry.status).toBe(202);
    expect(retry.body.jobId).not.toBe(jobId);
    await t.services.deps.printing.drain();
    expect((await agent.get(`/api/print/${retry.body.jobId}`)).body.state).toBe('completed');
    expect(t.printer.received[0]?.submission.ticket).toEqual({ copies: 3 });
    const { agent: bob, csrf: bobCsrf } = await t.signInAs('bob@example.com');
    expect((await bob.post(`/api/print/${jobId}/retry`).set('X-CSRF-Token', bobCsrf)).status).toBe(404);
  });

  it('GET /api/printers/:id shows the options and defaults the printer advertises', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const res = await agent.get('/api/printers/floor2');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 'floor2',
      name: 'Floor 2 MFP',
      state: 'idle',
      stateReasons: [],
      capabilities: fullPrinter().capabilities,
      defaults: fullPrinter().defaults,
      scanner: expect.objectContaining({ sources: ['flatbed', 'feeder'] }),
    });
    expect((await agent.get('/api/printers/nowhere')).status).toBe(404);
  });
});
