import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EsclScannerDevice } from '../../src/adapters/escl-scanner.js';
import { type EsclScanner, startEsclScanner } from '../../src/dev/escl-scanner.js';
import { UpstreamError } from '../../src/domain/errors.js';
import type { ScannerConfig, ScanSettings } from '../../src/domain/ports.js';

const FEEDER_GREY: ScanSettings = {
  source: 'feeder',
  duplex: false,
  colorMode: 'grayscale',
  resolution: 150,
  format: 'image/jpeg',
};

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe('EsclScannerDevice against the eSCL scanner double', () => {
  let double: EsclScanner;
  let scanner: ScannerConfig;
  let dir: string;
  const device = new EsclScannerDevice({
    requestTimeoutMs: 2_000,
    pageTimeoutMs: 5_000,
    busyRetry: { attempts: 2, delayMs: 20 },
    pagePollMs: 20,
  });

  beforeAll(async () => {
    double = await startEsclScanner({ resolutions: [75, 150, 300], feederSheets: 3 });
    scanner = { id: 'demo', name: 'Demo MFP', escl: double.url };
    dir = mkdtempSync(path.join(os.tmpdir(), 'escl-adapter-'));
  });
  afterAll(async () => {
    await double.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    double.loadFeeder(3);
    double.setFaults({ busy: false, jamAfterPages: null, pageDelayMs: 0, stallAtPage: null });
  });
  afterEach(async () => {
    // A test that stops mid-job leaves the scanner busy; end it as a client would.
    for (const job of double.jobs)
      if (job.state === 'Processing') await device.cancel(scanner, `${double.url}/ScanJobs/${job.id}`);
  });

  const file = (name: string) => path.join(dir, name);

  it('reads the capabilities', async () => {
    expect(await device.capabilities(scanner)).toEqual({
      sources: ['flatbed', 'feeder'],
      duplex: true,
      colorModes: ['color', 'grayscale', 'blackandwhite'],
      resolutions: [75, 150, 300],
      formats: ['image/jpeg', 'application/pdf'],
    });
  });

  it('reads the status and the feeder state', async () => {
    expect(await device.status(scanner)).toEqual({ state: 'idle', adf: 'AdfLoaded' });
    double.loadFeeder(0);
    expect(await device.status(scanner)).toEqual({ state: 'idle', adf: 'AdfEmpty' });
  });

  it('scans three pages from the feeder with exactly the settings asked, then reports the end', async () => {
    const before = double.jobs.length;
    const jobUrl = await device.startJob(scanner, FEEDER_GREY);
    expect(jobUrl).toMatch(new RegExp(`^${double.url}/ScanJobs/[0-9a-f-]+$`));
    const pages: Buffer[] = [];
    for (let i = 1; i <= 3; i++) {
      expect(await device.nextPage(scanner, jobUrl, file(`p${i}.jpg`))).toBe('image/jpeg');
      pages.push(readFileSync(file(`p${i}.jpg`)));
    }
    expect(await device.nextPage(scanner, jobUrl, file('p4.jpg'))).toBeNull();
    expect(existsSync(file('p4.jpg'))).toBe(false);

    for (const page of pages) expect(page.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(new Set(pages.map((p) => p.toString('base64'))).size).toBe(3);
    const job = double.jobs[before]!;
    expect(job.settings).toMatchObject({
      inputSource: 'Feeder',
      duplex: false,
      esclColorMode: 'Grayscale8',
      xResolution: 150,
      yResolution: 150,
      format: 'image/jpeg',
      region: { width: 2480, height: 3508 },
    });
    expect(job.answers).toEqual([200, 200, 200, 404]);
    expect(job.state).toBe('Completed');
  });

  it('scans both sides: two sheets give four pages', async () => {
    double.loadFeeder(2);
    const jobUrl = await device.startJob(scanner, {
      ...FEEDER_GREY,
      duplex: true,
      colorMode: 'color',
      resolution: 75,
    });
    const types: Array<string | null> = [];
    for (let i = 1; i <= 5; i++) types.push(await device.nextPage(scanner, jobUrl, file(`d${i}.jpg`)));
    expect(types).toEqual(['image/jpeg', 'image/jpeg', 'image/jpeg', 'image/jpeg', null]);
    expect(double.jobs.at(-1)!.settings).toMatchObject({
      duplex: true,
      esclColorMode: 'RGB24',
      xResolution: 75,
    });
  });

  it('scans one page from the flatbed, as PDF when asked', async () => {
    const jobUrl = await device.startJob(scanner, {
      ...FEEDER_GREY,
      source: 'flatbed',
      format: 'application/pdf',
    });
    expect(await device.nextPage(scanner, jobUrl, file('flat.pdf'))).toBe('application/pdf');
    expect(readFileSync(file('flat.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await device.nextPage(scanner, jobUrl, file('flat2.pdf'))).toBeNull();
    expect(double.jobs.at(-1)!.settings).toMatchObject({ inputSource: 'Platen', duplex: false });
    expect(double.jobs.at(-1)!.xml).not.toContain('Duplex');
  });

  it('reports a busy scanner as retryable scanner_busy after trying again', async () => {
    double.setFaults({ busy: true });
    const before = double.requests.filter((r) => r === 'POST /eSCL/ScanJobs').length;
    const err = await failure(device.startJob(scanner, FEEDER_GREY));
    expect(err.code).toBe('scanner_busy');
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('The scanner is busy with another job. Wait a moment and try again.');
    expect(double.requests.filter((r) => r === 'POST /eSCL/ScanJobs').length - before).toBe(2);
  });

  it('reports a jam mid-job as scanner_jam and leaves no file', async () => {
    double.setFaults({ jamAfterPages: 1 });
    const jobUrl = await device.startJob(scanner, FEEDER_GREY);
    expect(await device.nextPage(scanner, jobUrl, file('j1.jpg'))).toBe('image/jpeg');
    const err = await failure(device.nextPage(scanner, jobUrl, file('j2.jpg')));
    expect(err.code).toBe('scanner_jam');
    expect(err.retryable).toBe(false);
    expect(err.message).not.toMatch(/HTTP|409|Adf/);
    expect(existsSync(file('j2.jpg'))).toBe(false);
    expect(await device.status(scanner)).toMatchObject({ adf: 'AdfJam' });
    // A jammed feeder refuses the next job too, and says why.
    expect((await failure(device.startJob(scanner, FEEDER_GREY))).code).toBe('scanner_jam');
  });

  it('reports an empty feeder as scanner_feeder_empty; the flatbed still scans', async () => {
    double.loadFeeder(0);
    const err = await failure(device.startJob(scanner, FEEDER_GREY));
    expect(err.code).toBe('scanner_feeder_empty');
    expect(err.message).toBe("The scanner's feeder is empty. Put the pages in the feeder and try again.");
    const jobUrl = await device.startJob(scanner, { ...FEEDER_GREY, source: 'flatbed' });
    expect(await device.nextPage(scanner, jobUrl, file('e1.jpg'))).toBe('image/jpeg');
  });

  it('refuses settings the scanner does not offer as scanner_failed', async () => {
    const err = await failure(device.startJob(scanner, { ...FEEDER_GREY, resolution: 1200 }));
    expect(err.code).toBe('scanner_failed');
    expect(double.jobs.at(-1)!.state).toBe('Aborted');
  });

  it('waits for a slow page', async () => {
    double.setFaults({ pageDelayMs: 300 });
    const jobUrl = await device.startJob(scanner, FEEDER_GREY);
    expect(await device.nextPage(scanner, jobUrl, file('s1.jpg'))).toBe('image/jpeg');
  });

  it('gives up on a page that stalls halfway within the page limit as scanner_timeout, deleting the partial file', async () => {
    double.setFaults({ stallAtPage: 2 });
    const quick = new EsclScannerDevice({ pageTimeoutMs: 600, requestTimeoutMs: 2_000 });
    const jobUrl = await quick.startJob(scanner, FEEDER_GREY);
    expect(await quick.nextPage(scanner, jobUrl, file('t1.jpg'))).toBe('image/jpeg');
    const started = Date.now();
    const pending = failure(quick.nextPage(scanner, jobUrl, file('t2.jpg')));
    await new Promise((r) => setTimeout(r, 300));
    // The first half has been written by now; the timeout must remove it.
    expect(existsSync(file('t2.jpg'))).toBe(true);
    const err = await pending;
    expect(err.code).toBe('scanner_timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(existsSync(file('t2.jpg'))).toBe(false);
  });

  it('stops a stalled page when the caller aborts, with the caller reason', async () => {
    double.setFaults({ stallAtPage: 1 });
    const jobUrl = await device.startJob(scanner, FEEDER_GREY);
    const reason = new Error('user cancelled');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 100);
    await expect(device.nextPage(scanner, jobUrl, file('a2.jpg'), controller.signal)).rejects.toBe(reason);
    expect(existsSync(file('a2.jpg'))).toBe(false);
  });

  it('cancels with DELETE, and ignores a job the scanner has forgotten', async () => {
    const jobUrl = await device.startJob(scanner, FEEDER_GREY);
    const jobPath = new URL(jobUrl).pathname;
    await device.cancel(scanner, jobUrl);
    expect(double.requests).toContain(`DELETE ${jobPath}`);
    expect(double.jobs.at(-1)).toMatchObject({ deleted: true, state: 'Canceled' });
    await device.cancel(scanner, `${double.url}/ScanJobs/no-such-job`);
    // The scanner is free again.
    await device.cancel(scanner, await device.startJob(scanner, FEEDER_GREY));
  });

  it('reports a scanner that is not there as scanner_unreachable', async () => {
    const gone = await startEsclScanner();
    await gone.close();
    const config = { ...scanner, escl: gone.url };
    expect((await failure(device.capabilities(config))).code).toBe('scanner_unreachable');
    expect((await failure(device.startJob(config, FEEDER_GREY))).code).toBe('scanner_unreachable');
    expect((await failure(device.nextPage(config, `${gone.url}/ScanJobs/x`, file('u.jpg')))).code).toBe(
      'scanner_unreachable',
    );
  });
});

describe('an eSCL scanner that sends an endless document', () => {
  it('is cut off at 1 MiB with scanner_failed, not read into memory', async () => {
    const { createServer } = await import('node:http');
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const device = new EsclScannerDevice();
      await expect(
        device.capabilities({ id: 'endless', name: 'Endless', escl: `http://127.0.0.1:${port}/eSCL` }),
      ).rejects.toMatchObject({ code: 'scanner_failed' });
      expect(sent).toBeLessThan(16 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
