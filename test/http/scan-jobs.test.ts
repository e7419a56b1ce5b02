import { PDFDocument } from 'pdf-lib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { scannerBusy, scannerJam } from '../fakes/fake-scanner.js';
import { pageCount } from '../fixtures/documents.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

// Scan now: pages pulled from the printer's scanner (a fake eSCL device here; the real client and the
// eSCL double are tested in test/integration) go to Drive as one PDF; nothing is left behind.
describe('POST /api/scan-jobs (Scan now)', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
  });
  afterEach(async () => t.close());

  async function scan(body: Record<string, unknown>) {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/scan-jobs')
      .set('X-CSRF-Token', csrf)
      .send({ printerId: 'floor2', folderId: 'scans', ...body });
    return { agent, csrf, res };
  }
  async function scanAndWait(body: Record<string, unknown>) {
    const started = await scan(body);
    expect(started.res.status, JSON.stringify(started.res.body)).toBe(202);
    await t.services.deps.scanJobs.drain();
    const job = await started.agent.get(`/api/scan-jobs/${started.res.body.scanJobId}`);
    return { ...started, job: job.body, scanJobId: started.res.body.scanJobId as string };
  }

  it('a three-page feeder scan arrives as one three-page PDF with exactly the chosen settings', async () => {
    const { job } = await scanAndWait({
      name: 'Contract',
      source: 'feeder',
      colorMode: 'color',
      resolution: 600,
      duplex: false,
    });
    expect(job).toMatchObject({
      state: 'completed',
      pages: 3,
      fileId: 'up-1',
      name: 'Contract.pdf',
      folderId: 'scans',
      folderName: 'Scans',
      error: null,
    });
    expect(t.scanner.started).toEqual([
      {
        scannerId: 'floor2',
        settings: {
          source: 'feeder',
          colorMode: 'color',
          resolution: 600,
          duplex: false,
          format: 'application/pdf',
        },
      },
    ]);
    const upload = t.drive.uploads[0];
    expect(upload).toMatchObject({ folderId: 'scans', name: 'Contract.pdf', mimeType: 'application/pdf' });
    expect(await pageCount(upload?.content as Buffer)).toBe(3);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('presets: the feeder when loaded, grey, 300 dpi', async () => {
    await scanAndWait({});
    expect(t.scanner.started[0]?.settings).toMatchObject({
      source: 'feeder',
      colorMode: 'grayscale',
      resolution: 300,
      duplex: false,
    });
    t.scanner.statusOf = { state: 'idle', adf: 'AdfEmpty' };
    await scanAndWait({});
    expect(t.scanner.started[1]?.settings.source).toBe('flatbed');
  });

  it.each([
    [{ source: 'feeder', colorMode: 'sepia' }, 'bad_input'],
    [{ resolution: 1200 }, 'option_unsupported'],
    [{ resolution: 'high' }, 'bad_input'],
    [{ duplex: true, source: 'flatbed' }, 'option_unsupported'],
    [{ ocr: true, ocrLanguages: 'fin' }, 'ocr_unavailable'],
    [{ ocr: true, ocrLanguages: 'nld,eng' }, 'bad_ocr_languages'],
    [{ manualDuplex: true, source: 'flatbed' }, 'two_sided_needs_feeder'],
    [{ manualDuplex: true, source: 'feeder', duplex: true }, 'two_sided_needs_feeder'],
    [{ printerId: 'lobby' }, 'no_scanner'],
  ])('refuses %o with 400 %s; nothing starts, nothing is uploaded', async (body, code) => {
    const { res } = await scan(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(t.scanner.started).toHaveLength(0);
    expect(t.drive.uploads).toHaveLength(0);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('an unknown printer is 404 and a folder that is a file is 400', async () => {
    t.drive.addFile({
      id: 'plan',
      name: 'Plan.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF'),
    });
    expect((await scan({ printerId: 'nowhere' })).res.status).toBe(404);
    const notFolder = await scan({ folderId: 'plan' });
    expect(notFolder.res.status).toBe(400);
    expect(notFolder.res.body.error.code).toBe('not_a_folder');
  });

  it('a busy scanner is waited for (bounded retries)', async () => {
    t.scanner.startFailures.push(scannerBusy(), scannerBusy());
    const { job } = await scanAndWait({});
    expect(job.state).toBe('completed');
  });

  it('a jam ends the job with its cause: nothing uploaded, the scanner job deleted, no file left', async () => {
    t.scanner.failAt = { page: 2, error: scannerJam() };
    const { job } = await scanAndWait({});
    expect(job).toMatchObject({ state: 'failed', pages: 1, error: { code: 'scanner_jam' } });
    expect(t.scanner.canceled).toHaveLength(1);
    expect(t.drive.uploads).toHaveLength(0);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('an empty feeder (no pages) fails with a cause a person can act on', async () => {
    t.scanner.feeder = 0;
    const { job } = await scanAndWait({ source: 'feeder' });
    expect(job).toMatchObject({ state: 'failed', error: { code: 'scanner_no_pages' } });
    expect(t.drive.uploads).toHaveLength(0);
    expect(await t.tempFiles()).toEqual([]);
  });

  it('cancel deletes the scanner job and uploads nothing; only the owner sees or cancels the job', async () => {
    let release = () => {};
    t.scanner.gate = new Promise<void>((r) => {
      release = r;
    });
    const { agent, csrf, res } = await scan({});
    const id = res.body.scanJobId as string;
    const { agent: bob, csrf: bobCsrf } = await t.signInAs('bob@example.com');
    expect((await bob.get(`/api/scan-jobs/${id}`)).status).toBe(404);
    expect((await bob.post(`/api/scan-jobs/${id}/cancel`).set('X-CSRF-Token', bobCsrf)).status).toBe(404);
    for (let i = 0; i < 100 && (await agent.get(`/api/scan-jobs/${id}`)).body.state !== 'scanning'; i++)
      await new Promise((r) => setTimeout(r, 5));
    const canceling = agent.post(`/api/scan-jobs/${id}/cancel`).set('X-CSRF-Token', csrf);
    setTimeout(release, 20);
    const canceled = await canceling;
    expect(canceled.status).toBe(200);
    expect(canceled.body.state).toBe('canceled');
    expect(t.scanner.canceled).toHaveLength(1);
    expect(t.drive.uploads).toHaveLength(0);
    expect(await t.tempFiles()).toEqual([]);
  });

  describe('two-sided on a one-sided feeder (the person turns the stack)', () => {
    async function untilState(agent: Awaited<ReturnType<typeof scan>>['agent'], id: string, state: string) {
      for (let i = 0; i < 400; i++) {
        const job = (await agent.get(`/api/scan-jobs/${id}`)).body;
        if (job.state === state) return job;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`scan job never reached ${state}`);
    }
    /** Page widths in points: the fake scanner's pages are 8, 9, 10... pixels wide, at 300 dpi. */
    async function pageWidths(pdf: Buffer) {
      const doc = await PDFDocument.load(pdf);
      return doc.getPages().map((p) => Math.round((p.getWidth() * 300) / 72));
    }

    it('scans the fronts, waits for the turn, scans the backs and puts all six in reading order', async () => {
      const { agent, csrf, res } = await scan({ name: 'Both sides', source: 'feeder', manualDuplex: true });
      expect(res.status).toBe(202);
      const id = res.body.scanJobId as string;
      const waiting = await untilState(agent, id, 'turn_pages');
      expect(waiting).toMatchObject({ pages: 3, fronts: 3 });
      // Nobody else can ask for the backs of this scan.
      const { agent: bob, csrf: bobCsrf } = await t.signInAs('bob@example.com');
      expect((await bob.post(`/api/scan-jobs/${id}/backs`).set('X-CSRF-Token', bobCsrf)).status).toBe(404);
      const backs = await agent.post(`/api/scan-jobs/${id}/backs`).set('X-CSRF-Token', csrf);
      expect(backs.status).toBe(200);
      await t.services.deps.scanJobs.drain();
      const job = (await agent.get(`/api/scan-jobs/${id}`)).body;
      expect(job).toMatchObject({ state: 'completed', pages: 6, name: 'Both sides.pdf' });
      expect(t.scanner.started).toHaveLength(2);
      // Fronts come out 8, 9, 10 wide; the turned stack gives the backs 8, 9, 10 too, last sheet first:
      // reading order is front 1, back 1 (the last scanned), front 2, back 2, front 3, back 3.
      expect(await pageWidths(t.drive.uploads[0]?.content as Buffer)).toEqual([8, 10, 9, 9, 10, 8]);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('backs that do not match the fronts fail the scan: nothing uploaded, no file left', async () => {
      const { agent, csrf, res } = await scan({ source: 'feeder', manualDuplex: true });
      const id = res.body.scanJobId as string;
      await untilState(agent, id, 'turn_pages');
      t.scanner.feeder = 2;
      await agent.post(`/api/scan-jobs/${id}/backs`).set('X-CSRF-Token', csrf);
      await t.services.deps.scanJobs.drain();
      const job = (await agent.get(`/api/scan-jobs/${id}`)).body;
      expect(job).toMatchObject({ state: 'failed', error: { code: 'two_sided_mismatch' } });
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('a cancel while waiting for the turn ends it; asking for backs then is 409', async () => {
      const { agent, csrf, res } = await scan({ source: 'feeder', manualDuplex: true });
      const id = res.body.scanJobId as string;
      await untilState(agent, id, 'turn_pages');
      const canceled = await agent.post(`/api/scan-jobs/${id}/cancel`).set('X-CSRF-Token', csrf);
      expect(canceled.body.state).toBe('canceled');
      await t.services.deps.scanJobs.drain();
      const late = await agent.post(`/api/scan-jobs/${id}/backs`).set('X-CSRF-Token', csrf);
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('not_waiting_for_backs');
      expect(t.scanner.started).toHaveLength(1);
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });

    it('a person who walks away: the wait runs out, the scan fails and its pages are deleted', async () => {
      const { agent, res } = await scan({ source: 'feeder', manualDuplex: true });
      const id = res.body.scanJobId as string;
      await untilState(agent, id, 'turn_pages');
      t.clock.advance(5 * 60_000 + 1);
      await t.services.deps.scanJobs.drain();
      // Five minutes also ended the panel's session: the person signs in again to see the job.
      void agent;
      const again = await t.signInAs('alice@example.com');
      const job = (await again.agent.get(`/api/scan-jobs/${id}`)).body;
      expect(job).toMatchObject({ state: 'failed', error: { code: 'backs_not_scanned' } });
      expect(t.drive.uploads).toHaveLength(0);
      expect(await t.tempFiles()).toEqual([]);
    });
  });

  it('a second scan on the same scanner waits in line', async () => {
    let release = () => {};
    t.scanner.gate = new Promise<void>((r) => {
      release = r;
    });
    const first = await scan({ name: 'First' });
    const second = await first.agent
      .post('/api/scan-jobs')
      .set('X-CSRF-Token', first.csrf)
      .send({ printerId: 'floor2', folderId: 'scans', name: 'Second' });
    const state = async (id: string) => (await first.agent.get(`/api/scan-jobs/${id}`)).body.state;
    await new Promise((r) => setTimeout(r, 30));
    expect(await state(first.res.body.scanJobId)).toBe('scanning');
    expect(await state(second.body.scanJobId)).toBe('queued');
    expect(t.scanner.started).toHaveLength(1);
    release();
    t.scanner.gate = null;
    await t.services.deps.scanJobs.drain();
    expect(await state(second.body.scanJobId)).toBe('completed');
    expect(t.drive.uploads.map((u) => u.name)).toEqual(['First.pdf', 'Second.pdf']);
  });

  it('GET /api/printers/:id shows the scanner of a printer that has one, and null otherwise', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const floor2 = await agent.get('/api/printers/floor2');
    expect(floor2.body.scanner).toMatchObject({
      sources: ['flatbed', 'feeder'],
      duplex: true,
      colorModes: ['blackandwhite', 'grayscale', 'color'],
      resolutions: [150, 300, 600],
      defaults: { source: 'feeder', colorMode: 'grayscale', resolution: 300 },
    });
    expect((await agent.get('/api/printers/lobby')).body.scanner).toBeNull();
  });
});
