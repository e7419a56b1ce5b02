import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EsclScannerDevice } from '../../src/adapters/escl-scanner.js';
import { type EsclScanner, startEsclScanner } from '../../src/dev/escl-scanner.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { startVirtualPrinter, type VirtualPrinter } from '../../src/dev/virtual-printer.js';
import { pageCount } from '../fixtures/documents.js';
import { PanelClient } from '../support/browser-less-client.js';

// Scan now with real parts: the connector's eSCL client against the eSCL scanner double (which
// sane-airscan's scanimage also scans from, in sane-airscan.test.ts), uploads through googleapis to the
// Google double.
describe('Scan now end to end (eSCL double -> connector -> Drive)', () => {
  let dir: string;
  let scanner: EsclScanner;
  let printer: VirtualPrinter;
  let stack: Stack;
  let client: PanelClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-scan-now-'));
    [scanner, printer] = await Promise.all([
      startEsclScanner({ name: 'E2E Scanner', feederSheets: 3, duplex: true }),
      startVirtualPrinter({ spoolDir: path.join(dir, 'spool') }),
    ]);
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      printer: { uri: printer.uri, name: 'E2E MFP', kind: 'virtual', close: async () => {} },
      scanner,
      overrides: {
        scannerDevice: new EsclScannerDevice({
          // Pages are drawn and JPEG-encoded in this process: on a loaded CI machine one takes a second or two.
          pageTimeoutMs: 5000,
          requestTimeoutMs: 2000,
          busyRetry: { attempts: 2, delayMs: 50 },
          pagePollMs: 50,
        }),
        retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
      },
      logLevel: 'silent',
    });
  });
  afterAll(async () => {
    await stack?.close();
    await Promise.all([scanner?.close(), printer?.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    scanner.setFaults({ busy: false, jamAfterPages: null, pageDelayMs: 0, stallAtPage: null });
    scanner.loadFeeder(3);
    client = new PanelClient(stack.url);
    await client.signIn();
  });

  const tempDirEmpty = async () => expect(await readdir(stack.config.tempDir)).toEqual([]);
  const start = async (body: Record<string, unknown>) => {
    const res = await client.post('/api/scan-jobs', {
      printerId: 'demo',
      folderId: SAMPLE_IDS.folderScans,
      // 150 dpi keeps the double's page drawing quick; the chosen value is still checked on the wire.
      resolution: 150,
      ...body,
    });
    expect(res.status, await res.clone().text()).toBe(202);
    return ((await res.json()) as { scanJobId: string }).scanJobId;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the job's JSON as the API answers it
  const wait = async (id: string): Promise<any> => {
    for (let i = 0; i < 300; i++) {
      const job = await client.json(`/api/scan-jobs/${id}`);
      if (['completed', 'failed', 'canceled'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('scan job did not end');
  };
  const uploadsNamed = (name: string) => stack.google.findFilesByName(name);

  it('a three-page feeder scan arrives as one three-page PDF with exactly the chosen settings', async () => {
    const jobsBefore = scanner.jobs.length;
    const job = await wait(
      await start({ name: 'Feeder three', source: 'feeder', colorMode: 'color', resolution: 150 }),
    );
    expect(job).toMatchObject({
      state: 'completed',
      pages: 3,
      name: 'Feeder three.pdf',
      folderId: SAMPLE_IDS.folderScans,
      error: null,
    });
    const received = scanner.jobs[jobsBefore]?.settings;
    expect(received).toMatchObject({ source: 'feeder', colorMode: 'color', xResolution: 150, duplex: false });
    const content = stack.google.fileContent(job.fileId) as Buffer;
    expect(await pageCount(content)).toBe(3);
    expect(stack.google.getFile(job.fileId)?.parents).toEqual([SAMPLE_IDS.folderScans]);
    await tempDirEmpty();
  });

  it('two-sided from the feeder gives both sides of each sheet', async () => {
    scanner.loadFeeder(2);
    const job = await wait(await start({ name: 'Both sides', source: 'feeder', duplex: true }));
    expect(job).toMatchObject({ state: 'completed', pages: 4 });
    await tempDirEmpty();
  });

  it.each([
    ['busy', () => scanner.setFaults({ busy: true }), 'scanner_busy'],
    ['jam', () => scanner.setFaults({ jamAfterPages: 1 }), 'scanner_jam'],
    ['empty feeder', () => scanner.loadFeeder(0), 'scanner_feeder_empty'],
    ['a stalled page', () => scanner.setFaults({ stallAtPage: 2 }), 'scanner_timeout'],
  ])('%s ends the job with a message, nothing uploaded, no temporary file', async (name, arm, code) => {
    arm();
    const job = await wait(await start({ name: `Fault ${name}`, source: 'feeder' }));
    expect(job.state).toBe('failed');
    expect(job.error.code).toBe(code);
    expect(job.error.message.length).toBeGreaterThan(20);
    expect(uploadsNamed(`Fault ${name}.pdf`)).toHaveLength(0);
    await tempDirEmpty();
  });

  it('cancel deletes the scanner job, uploads nothing, and only the owner can see or cancel', async () => {
    scanner.setFaults({ pageDelayMs: 400 });
    const jobsBefore = scanner.jobs.length;
    const id = await start({ name: 'Canceled scan', source: 'feeder' });
    // Another person's session gets the same 404 as for an unknown job.
    stack.google.setAutoApprove('bob@example.com');
    const bob = new PanelClient(stack.url);
    await bob.signIn();
    stack.google.setAutoApprove('alice@example.com');
    expect((await bob.fetch(`/api/scan-jobs/${id}`)).status).toBe(404);
    expect((await bob.post(`/api/scan-jobs/${id}/cancel`)).status).toBe(404);
    for (let i = 0; i < 100; i++) {
      const job = await client.json(`/api/scan-jobs/${id}`);
      if (job.state === 'scanning') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const canceled = await client.post(`/api/scan-jobs/${id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(((await canceled.json()) as { state: string }).state).toBe('canceled');
    expect(scanner.jobs[jobsBefore]?.deleted).toBe(true);
    expect(uploadsNamed('Canceled scan.pdf')).toHaveLength(0);
    await tempDirEmpty();
  });

  it('GET /api/printers/demo shows the scanner; the scan page offers Scan now', async () => {
    const shown = await client.json('/api/printers/demo');
    expect(shown.scanner).toMatchObject({
      sources: expect.arrayContaining(['feeder']),
      duplex: true,
      resolutions: expect.arrayContaining([300]),
    });
    const html = await (await client.fetch(`/scan?folderId=${SAMPLE_IDS.folderScans}`)).text();
    expect(html).toContain('id="scan-now-start"');
    expect(html).toContain('data-printer-id="demo"');
  });
});
