// Printer faults, end to end: the googleapis client against the Google double, the connector as it is
// wired for production, and a real ippeveprinter behind a proxy that misbehaves on demand
// (test/support/faulty-ipp-printer.ts). For each fault: the job ends with a clear state and a message
// in en, nl and sv; no temporary file stays; no 500 reaches a person; the service keeps printing for
// others; and the audit log records the outcome.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { buildPdf } from '../../src/dev/sample-files/pdf.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { PanelClient } from '../support/browser-less-client.js';
import { type FaultyIppPrinter, startFaultyIppPrinter } from '../support/faulty-ipp-printer.js';
import { hasIppEvePrinter, type IppEvePrinter, startIppEvePrinter } from '../support/ippeveprinter.js';

/** Short everywhere, so that every fault ends in a second or two. */
const RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 40 };
const REQUEST_TIMEOUT_MS = 800;
const LANGS = ['en', 'nl', 'sv'] as const;

type Catalog = Record<string, string>;
const catalogs = Object.fromEntries(
  await Promise.all(
    LANGS.map(async (lang) => [
      lang,
      JSON.parse(
        await readFile(new URL(`../../views/locales/${lang}.json`, import.meta.url), 'utf8'),
      ) as Catalog,
    ]),
  ),
) as Record<(typeof LANGS)[number], Catalog>;

/** What eta does to a text it puts in a page. */
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** A panel client that remembers the status of every answer it got. */
class RecordingClient extends PanelClient {
  readonly answers: Array<{ path: string; status: number }> = [];
  override async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await super.fetch(path, init);
    this.answers.push({ path, status: res.status });
    return res;
  }
}

interface JobJson {
  jobId: string;
  state: string;
  ippJobId: number | null;
  error: { code: string; message: string } | null;
}

describe.skipIf(!hasIppEvePrinter())(
  'printer faults (Google double + connector + faulty ippeveprinter)',
  () => {
    let dir: string;
    let real: IppEvePrinter;
    let faulty: FaultyIppPrinter;
    let stack: Stack;
    let client: RecordingClient;
    let bigPdfId: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-faults-'));
      real = await startIppEvePrinter({ formats: ['application/pdf', 'image/jpeg'], name: 'Fault Printer' });
      faulty = await startFaultyIppPrinter({ upstreamUri: real.uri });
      stack = await startStack({
        dir,
        autoApprove: 'alice@example.com',
        // "demo" is the proxy; "healthy" is the same real printer without it.
        printer: {
          uri: faulty.uri,
          name: 'Faulty printer',
          kind: 'ippeveprinter',
          close: async () => undefined,
        },
        extraPrinters: [{ id: 'healthy', name: 'Healthy printer', uri: real.uri }],
        scanner: false,
        overrides: {
          printSystem: new IppPrintSystem({ requestTimeoutMs: REQUEST_TIMEOUT_MS, probeTimeoutMs: 1000 }),
          pollIntervalMs: 50,
          jobTimeoutMs: 30_000,
          retry: RETRY,
        },
        logLevel: 'silent',
      });
      // Larger than what loopback socket buffers hold, so a connection dropped early is dropped mid-document.
      const big = buildPdf({ title: 'Big', pages: [['A big document']] });
      const content = Buffer.concat([big, Buffer.from(`%${'x'.repeat(1022)}\n`.repeat(24 * 1024))]);
      bigPdfId = stack.google.addFile({
        name: 'Big.pdf',
        mimeType: 'application/pdf',
        parents: [SAMPLE_IDS.aliceRoot],
        content,
        ownedBy: ['alice@example.com'],
      } as never).id;
    });
    afterAll(async () => {
      await stack?.close();
      await faulty?.close();
      await real?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      client = new RecordingClient(stack.url);
      await client.signIn();
    });
    afterEach(async () => {
      await faulty.clear();
      // Nothing a person asked for was answered with a server error of ours.
      expect(client.answers.filter((a) => a.status >= 500)).toEqual([]);
    });

    const submit = async (fileId: string, printerId = 'demo'): Promise<string> => {
      const res = await client.post('/api/print', { fileId, printerId });
      expect(res.status).toBe(202);
      return ((await res.json()) as { jobId: string }).jobId;
    };
    const print = async (fileId: string, printerId = 'demo'): Promise<JobJson> =>
      client.waitForJob(await submit(fileId, printerId));
    const printJobsSeen = (from: number) =>
      faulty.seen.slice(from).filter((r) => r.operation === 'Print-Job' || r.operation === 'Send-Document')
        .length;

    /** Every line of the audit log as written on disk, with the files rotated at midnight UTC. */
    const auditRecords = async (): Promise<Array<{ event: string; detail?: Record<string, unknown> }>> => {
      const logPath = stack.config.audit.logPath;
      const names = (await readdir(path.dirname(logPath))).filter((n) =>
        n.startsWith(path.basename(logPath)),
      );
      const texts = await Promise.all(
        names.map((n) => readFile(path.join(path.dirname(logPath), n), 'utf8')),
      );
      return texts
        .join('\n')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    };
    /** The audit record of how a job ended; it is written just after the job's state, so wait for it. */
    const auditOutcome = async (jobId: string) => {
      const until = Date.now() + 5000;
      for (;;) {
        const found = (await auditRecords()).find(
          (r) => (r.event === 'print.failed' || r.event === 'print.completed') && r.detail?.jobId === jobId,
        );
        if (found || Date.now() > until) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    /** Every promise of the fault suite for a job that failed with `code`. */
    const expectFailedCleanly = async (job: JobJson, code: string) => {
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe(code);
      // A sentence for a person, never the printer's or the socket's own words.
      expect(job.error?.message).toMatch(/^[A-Z].*\.$/);
      expect(job.error?.message).not.toMatch(/ECONN|EPIPE|socket|IPP|HTTP|Error|at \//);
      // The job page says it in each language, from the locale files.
      for (const lang of LANGS) {
        const text = catalogs[lang][`error.${code}`];
        expect(text, `${lang}.json error.${code}`).toBeTruthy();
        const page = await client.fetch(`/jobs/${job.jobId}?lang=${lang}`);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain(`lang="${lang}"`);
        expect(html).toContain(escapeHtml(text as string));
      }
      expect(new Set(LANGS.map((l) => catalogs[l][`error.${code}`])).size).toBe(3);
      // The download was deleted by the time the job was failed.
      expect(await readdir(stack.config.tempDir)).toEqual([]);
      const outcome = await auditOutcome(job.jobId);
      expect(outcome).toMatchObject({ event: 'print.failed', detail: { jobId: job.jobId, code } });
      const deleted = (await auditRecords()).filter(
        (r) => r.event === 'temp.deleted' && r.detail?.jobId === job.jobId,
      );
      expect(deleted.length).toBeGreaterThan(0);
    };

    /** The service still prints: on the healthy printer, and on this one once the fault is gone. */
    const expectStillServing = async () => {
      await faulty.clear();
      for (const printerId of ['healthy', 'demo']) {
        const job = await print(SAMPLE_IDS.fileWelcomePdf, printerId);
        expect(job).toMatchObject({ state: 'completed', error: null });
        expect(await auditOutcome(job.jobId)).toMatchObject({ event: 'print.completed' });
      }
      expect(await readdir(stack.config.tempDir)).toEqual([]);
    };

    it('an unreachable printer (connection refused): retried, then failed printer_unreachable', async () => {
      await faulty.refuse();
      const before = await real.spooledFiles();
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      await expectFailedCleanly(job, 'printer_unreachable');
      expect(job.ippJobId).toBeNull();
      expect(await real.spooledFiles()).toEqual(before);
      await expectStillServing();
    });

    it('a printer that accepts the document and never answers: failed printer_no_answer after the timeout, not sent twice, while another printer prints', async () => {
      faulty.arm('Print-Job', { kind: 'hang' });
      const from = faulty.seen.length;
      const started = Date.now();
      const hanging = await submit(SAMPLE_IDS.fileWelcomePdf);
      // While one job waits on the silent printer, another person's job prints elsewhere.
      const other = await print(SAMPLE_IDS.fileQ3SummaryPdf, 'healthy');
      expect(other.state).toBe('completed');
      const job = (await client.waitForJob(hanging)) as JobJson;
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + 5000);
      await expectFailedCleanly(job, 'printer_no_answer');
      // It may have printed: sending it again could print it twice.
      expect(printJobsSeen(from)).toBe(1);
      await expectStillServing();
    });

    it('a connection closed mid-document: retried a bounded number of times, then failed printer_unreachable', async () => {
      faulty.arm('Print-Job', { kind: 'drop', afterBodyBytes: 64 * 1024 });
      const from = faulty.seen.length;
      const before = await real.spooledFiles();
      const job = await print(bigPdfId);
      await expectFailedCleanly(job, 'printer_unreachable');
      expect(printJobsSeen(from)).toBe(RETRY.attempts);
      expect(await real.spooledFiles()).toEqual(before);
      await expectStillServing();
    });

    it('a printer busy twice, then free: the job completes and prints exactly once', async () => {
      faulty.arm('Print-Job', { kind: 'status', status: 'server-error-busy' }, 2);
      const from = faulty.seen.length;
      const before = await real.spooledFiles();
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      expect(job).toMatchObject({ state: 'completed', error: null });
      // The document went out three times (Print-Job, or Send-Document while it still downloaded).
      expect(
        faulty.seen
          .slice(from)
          .filter((r) => r.operation === 'Print-Job' || r.operation === 'Send-Document')
          .map((r) => r.fault),
      ).toEqual(['status', 'status', null]);
      const spooled = (await real.spooledFiles()).filter((f) => !before.includes(f));
      expect(spooled).toHaveLength(1);
      expect(await auditOutcome(job.jobId)).toMatchObject({ event: 'print.completed' });
      expect(await readdir(stack.config.tempDir)).toEqual([]);
    });

    it.each(['server-error-busy', 'server-error-service-unavailable'] as const)(
      'a printer that answers %s forever: failed printer_busy after the bounded tries',
      async (status) => {
        faulty.arm('Print-Job', { kind: 'status', status });
        const from = faulty.seen.length;
        const before = await real.spooledFiles();
        const job = await print(SAMPLE_IDS.fileWelcomePdf);
        await expectFailedCleanly(job, 'printer_busy');
        expect(printJobsSeen(from)).toBe(RETRY.attempts);
        expect(await real.spooledFiles()).toEqual(before);
        await expectStillServing();
      },
    );

    it('a printer that never answers Get-Printer-Attributes holds up neither the printer list nor printing elsewhere', async () => {
      faulty.arm('Get-Printer-Attributes', { kind: 'hang' });
      const refresh = stack.services.deps.printers.refresh('demo');
      const started = Date.now();
      const list = await client.fetch('/api/printers');
      expect(list.status).toBe(200);
      // Answered from what the printers said before, not after the probe's timeout.
      expect(Date.now() - started).toBeLessThan(500);
      expect((await refresh).state).toBe('unreachable');
      const { printers } = (await client.json('/api/printers')) as {
        printers: Array<{ id: string; state: string }>;
      };
      expect(printers.find((p) => p.id === 'demo')?.state).toBe('unreachable');
      expect(faulty.seen.some((r) => r.operation === 'Get-Printer-Attributes' && r.fault === 'hang')).toBe(
        true,
      );
      await expectStillServing();
      await faulty.clear();
      expect((await stack.services.deps.printers.refresh('demo')).state).toBe('idle');
    });

    it('a printer that accepts the job and then aborts it: failed printer_aborted', async () => {
      faulty.arm('Get-Job-Attributes', { kind: 'job-aborted' });
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      expect(job.ippJobId).toBeGreaterThan(0);
      await expectFailedCleanly(job, 'printer_aborted');
      await expectStillServing();
    });

    it('a printer that answers Print-Job with garbage: failed printer_bad_response, not sent twice', async () => {
      faulty.arm('Print-Job', { kind: 'garbage' });
      const from = faulty.seen.length;
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      await expectFailedCleanly(job, 'printer_bad_response');
      expect(printJobsSeen(from)).toBe(1);
      await expectStillServing();
    });

    it('a printer that answers Print-Job with a truncated IPP message: failed printer_bad_response', async () => {
      faulty.arm('Print-Job', { kind: 'truncated' });
      const from = faulty.seen.length;
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      await expectFailedCleanly(job, 'printer_bad_response');
      expect(printJobsSeen(from)).toBe(1);
      await expectStillServing();
    });

    it('a printer whose answer to Print-Job breaks off before its announced length: failed printer_no_answer', async () => {
      faulty.arm('Print-Job', { kind: 'truncated', cut: 'http' });
      const from = faulty.seen.length;
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      await expectFailedCleanly(job, 'printer_no_answer');
      expect(printJobsSeen(from)).toBe(1);
      await expectStillServing();
    });

    it('a printer that answers garbage while the job is followed: failed printer_bad_response', async () => {
      faulty.arm('Get-Job-Attributes', { kind: 'garbage' });
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      expect(job.ippJobId).toBeGreaterThan(0);
      await expectFailedCleanly(job, 'printer_bad_response');
      await expectStillServing();
    });
  },
);
