// Drive faults against the whole connector: the real googleapis client talking to the Google double
// with its fault knobs armed, a real ippeveprinter, the eSCL scanner double. For every fault: the job
// ends in a clear state with a code people can read in three languages, no temporary file stays, no
// 5xx reaches anyone, another person's job still prints, and the audit log says how it ended.

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EsclScannerDevice } from '../../src/adapters/escl-scanner.js';
import { GoogleDriveConnector } from '../../src/adapters/google-drive.js';
import { googleEndpoints } from '../../src/adapters/google-endpoints.js';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { buildPdf } from '../../src/dev/sample-files/pdf.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { PanelClient } from '../support/browser-less-client.js';
import { hasIppEvePrinter, startIppEvePrinter } from '../support/ippeveprinter.js';

const STALL_MS = 300;
const RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 40 };
const LOCALES = ['en', 'nl', 'sv'] as const;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// biome-ignore lint/suspicious/noExplicitAny: jobs and audit records as JSON
type Json = any;

describe.skipIf(!hasIppEvePrinter())(
  'Drive faults (googleapis + Google double + ippeveprinter + eSCL)',
  () => {
    let dir: string;
    let google: GoogleDouble;
    let printer: Awaited<ReturnType<typeof startIppEvePrinter>>;
    let stack: Stack;
    let alice: PanelClient;
    let bob: PanelClient;
    /** Every answer the connector gave, to anyone, during the test. */
    const answers: Array<{ method: string; url: string; status: number }> = [];
    let messages: Record<(typeof LOCALES)[number], Record<string, string>>;
    /** A PDF of a few hundred KB: several 64 KB slices, so a fault can strike in the middle. */
    let big: { id: string; content: Buffer };

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-faults-'));
      [google, printer] = await Promise.all([
        startGoogleDouble({ clients: [], autoApprove: 'alice@example.com' }),
        startIppEvePrinter({ formats: ['application/pdf'], name: 'Faults Printer' }),
      ]);
      const pages = Array.from({ length: 120 }, (_, p) =>
        Array.from({ length: 40 }, (_, l) => `Page ${p + 1}, line ${l + 1}: ${'x'.repeat(40)}`),
      );
      const stored = google.addFile({
        name: 'Big report.pdf',
        mimeType: 'application/pdf',
        parents: [SAMPLE_IDS.aliceRoot],
        ownedBy: ['alice@example.com'],
        content: buildPdf({ title: 'Big report', pages }),
      });
      big = { id: stored.id, content: stored.content as Buffer };
      stack = await startStack({
        dir,
        google,
        printer: { uri: printer.uri, name: 'Faults Printer', kind: 'ippeveprinter', close: async () => {} },
        overrides: {
          drives: new GoogleDriveConnector({
            apiRoot: googleEndpoints(google.baseUrl).apiRoot,
            downloadIdleMs: STALL_MS,
            // Every scan goes through a resumable session, whose faults are what is tested here.
            resumableThresholdBytes: 0,
            chunkBytes: 256 * 1024,
            uploadRetry: { maxFailures: 2, retryDelayMs: 10 },
          }),
          scannerDevice: new EsclScannerDevice({
            pageTimeoutMs: 5000,
            requestTimeoutMs: 2000,
            busyRetry: { attempts: 2, delayMs: 50 },
            pagePollMs: 50,
          }),
          pollIntervalMs: 100,
          retry: RETRY,
        },
        logLevel: 'silent',
      });
      stack.server.on('request', (req, res) => {
        res.on('close', () =>
          answers.push({ method: req.method ?? '', url: req.url ?? '', status: res.statusCode }),
        );
      });
      messages = Object.fromEntries(
        await Promise.all(
          LOCALES.map(async (l) => [l, JSON.parse(await readFile(`views/locales/${l}.json`, 'utf8'))]),
        ),
      );
      google.setAutoApprove('bob@example.com');
      bob = new PanelClient(stack.url);
      await bob.signIn();
      google.setAutoApprove('alice@example.com');
    }, 60_000);

    afterAll(async () => {
      await stack?.close();
      await google?.close();
      await printer?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      google.faults.clear();
      // A fresh sign-in each time: the 401 case leaves the previous token expired.
      alice = new PanelClient(stack.url);
      await alice.signIn();
    });

    const downloadsOf = (fileId: string) =>
      google.requests.filter((r) => r.path === `/drive/v3/files/${fileId}` && r.query.alt === 'media');

    /**
     * Prints and waits for the job to end. When Drive says the token is dead the connector ends the
     * session (the panel gets 401): the person signs in again and finds the job, as on a real panel.
     */
    const print = async (client: PanelClient, fileId: string): Promise<Json> => {
      const res = await client.post('/api/print', { fileId, printerId: 'demo' });
      expect(res.status, await res.clone().text()).toBe(202);
      const { jobId } = (await res.json()) as { jobId: string };
      let asker = client;
      for (let i = 0; i < 300; i++) {
        const answer = await asker.fetch(`/api/print/${jobId}`);
        if (answer.status === 401 && asker === alice) {
          alice = new PanelClient(stack.url);
          await alice.signIn();
          asker = alice;
          continue;
        }
        expect(answer.status).toBe(200);
        const job = await answer.json();
        if (['completed', 'failed', 'canceled'].includes(job.state)) return job;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`print job ${jobId} did not end`);
    };

    const scan = async (name: string): Promise<Json> => {
      const res = await alice.post('/api/scan-jobs', {
        printerId: 'demo',
        folderId: SAMPLE_IDS.folderScans,
        name,
        resolution: 150,
      });
      expect(res.status, await res.clone().text()).toBe(202);
      const { scanJobId } = (await res.json()) as { scanJobId: string };
      for (let i = 0; i < 400; i++) {
        const job = await alice.json(`/api/scan-jobs/${scanJobId}`);
        if (['completed', 'failed', 'canceled'].includes(job.state)) return job;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('scan job did not end');
    };

    const auditRecords = async (): Promise<Json[]> => {
      // Records are appended in the background; give the queue a moment to reach the file.
      await new Promise((r) => setTimeout(r, 50));
      const text = await readFile(stack.config.audit.logPath, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    };

    /** What every fault must leave behind, whatever the fault. */
    const expectCleanEnd = async (
      job: Json,
      code: string,
      audit: { event: 'print.failed' | 'scan.failed'; key: 'jobId' | 'scanJobId'; id: string },
    ) => {
      expect(job.state).toBe('failed');
      expect(job.error.code).toBe(code);
      // A sentence for a person, never Google's own words.
      expect(job.error.message).toMatch(/^[A-Z].{20,}\.$/);
      expect(job.error.message).not.toMatch(/Backend Error|Rate Limit|Invalid Credentials|status code/i);
      for (const l of LOCALES) expect(messages[l][`error.${code}`], `${l} error.${code}`).toBeTruthy();
      expect(await readdir(stack.config.tempDir)).toEqual([]);
      expect(answers.filter((a) => a.status >= 500)).toEqual([]);
      const failed = (await auditRecords()).filter(
        (r) => r.event === audit.event && r.detail?.[audit.key] === audit.id,
      );
      expect(failed).toHaveLength(1);
      expect(failed[0].detail.code).toBe(code);
      // Meanwhile the service keeps serving others.
      const other = await print(bob, SAMPLE_IDS.fileBobPlanPdf);
      expect(other).toMatchObject({ state: 'completed', error: null });
    };

    /**
     * The printer got the file byte for byte exactly once. The document goes out while it downloads,
     * so a download cut mid-way may have reached the printer as an incomplete request first: such a
     * job must be a strict prefix of the file that the printer did not complete (the connector broke
     * the chunked body off without its last chunk).
     */
    const expectPrintedBig = async (before: string[]) => {
      const spooled = (await printer.spooledFiles()).filter((f) => !before.includes(f));
      const contents = await Promise.all(spooled.map((f) => readFile(f)));
      expect(contents.filter((c) => sha(c) === sha(big.content))).toHaveLength(1);
      for (const [i, content] of contents.entries()) {
        if (sha(content) === sha(big.content)) continue;
        expect(content.length).toBeLessThan(big.content.length);
        expect(big.content.subarray(0, content.length).equals(content)).toBe(true);
        const jobId = Number(path.basename(spooled[i] as string).split('-')[0]);
        const status = await new IppPrintSystem({}).jobStatus(
          { id: 'real', name: 'real', uri: printer.uri },
          jobId,
        );
        expect(['aborted', 'canceled']).toContain(status.phase);
      }
      expect(await readdir(stack.config.tempDir)).toEqual([]);
    };

    describe('printing', () => {
      it('Drive 401 mid-download (the token expired): the job fails signed_out, not retried further', async () => {
        google.faults.unauthorizedDownload(big.id, 64 * 1024);
        const before = downloadsOf(big.id).length;
        const job = await print(alice, big.id);
        // The cut connection is retried once; that try meets the 401, which no retry can fix.
        expect(downloadsOf(big.id).length - before).toBe(2);
        await expectCleanEnd(job, 'signed_out', { event: 'print.failed', key: 'jobId', id: job.jobId });
      });

      it.each([
        ['403 userRateLimitExceeded', '403' as const],
        ['429 rateLimitExceeded', '429' as const],
      ])('%s twice: retried with backoff, then it prints', async (_name, kind) => {
        google.faults.rateLimit(big.id, 2, kind);
        const before = await printer.spooledFiles();
        const tries = downloadsOf(big.id).length;
        const job = await print(alice, big.id);
        expect(job).toMatchObject({ state: 'completed', error: null });
        expect(downloadsOf(big.id).length - tries).toBe(3);
        await expectPrintedBig(before);
      });

      it('429 with Retry-After: 1 waits at least a second before the next try, then prints', async () => {
        google.faults.rateLimit(big.id, 1, '429', 1);
        const tries = downloadsOf(big.id).length;
        const before = await printer.spooledFiles();
        const job = await print(alice, big.id);
        expect(job).toMatchObject({ state: 'completed', error: null });
        const [first, second] = downloadsOf(big.id).slice(tries);
        // The backoff alone would wait at most 40 ms here.
        expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
        await expectPrintedBig(before);
      });

      it('429 with a Retry-After beyond the cap: gives up at once with drive_rate_limited', async () => {
        google.faults.rateLimit(big.id, 5, '429', 3600);
        const tries = downloadsOf(big.id).length;
        const started = Date.now();
        const job = await print(alice, big.id);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(downloadsOf(big.id).length - tries).toBe(1);
        await expectCleanEnd(job, 'drive_rate_limited', {
          event: 'print.failed',
          key: 'jobId',
          id: job.jobId,
        });
      });

      it('a rate limit that does not end: bounded tries, then drive_rate_limited', async () => {
        google.faults.rateLimit(big.id, 100, '403');
        const tries = downloadsOf(big.id).length;
        const job = await print(alice, big.id);
        expect(downloadsOf(big.id).length - tries).toBe(RETRY.attempts);
        await expectCleanEnd(job, 'drive_rate_limited', {
          event: 'print.failed',
          key: 'jobId',
          id: job.jobId,
        });
      });

      it('5xx once: retried, then it prints', async () => {
        google.faults.failDownload(big.id, 1, 503);
        const before = await printer.spooledFiles();
        const job = await print(alice, big.id);
        expect(job).toMatchObject({ state: 'completed', error: null });
        await expectPrintedBig(before);
      });

      it('5xx on every try: bounded retries, then drive_unavailable', async () => {
        google.faults.failAlways(big.id, 500);
        const tries = downloadsOf(big.id).length;
        const job = await print(alice, big.id);
        expect(downloadsOf(big.id).length - tries).toBe(RETRY.attempts);
        await expectCleanEnd(job, 'drive_unavailable', {
          event: 'print.failed',
          key: 'jobId',
          id: job.jobId,
        });
      });

      it('connection reset mid-download: retried from scratch, the printer gets the file byte for byte', async () => {
        google.faults.resetDownload(big.id, 128 * 1024, 1);
        const before = await printer.spooledFiles();
        const tries = downloadsOf(big.id).length;
        const job = await print(alice, big.id);
        expect(job).toMatchObject({ state: 'completed', error: null });
        expect(downloadsOf(big.id).length - tries).toBe(2);
        await expectPrintedBig(before);
      });

      it('connection reset on every try: bounded retries, then drive_unavailable', async () => {
        google.faults.resetDownload(big.id, 64 * 1024, 100);
        const tries = downloadsOf(big.id).length;
        const job = await print(alice, big.id);
        expect(downloadsOf(big.id).length - tries).toBe(RETRY.attempts);
        await expectCleanEnd(job, 'drive_unavailable', {
          event: 'print.failed',
          key: 'jobId',
          id: job.jobId,
        });
      });

      it('a download that stalls: download_stalled after the idle timeout, not the job limit', async () => {
        google.faults.stallDownload(big.id, 64 * 1024, 100);
        const tries = downloadsOf(big.id).length;
        const started = Date.now();
        const job = await print(alice, big.id);
        expect(Date.now() - started).toBeLessThan(RETRY.attempts * STALL_MS + 5000);
        expect(downloadsOf(big.id).length - tries).toBe(RETRY.attempts);
        await expectCleanEnd(job, 'download_stalled', { event: 'print.failed', key: 'jobId', id: job.jobId });
      });

      it('a download that stalls once before any byte: retried, then it prints', async () => {
        google.faults.stallDownload(big.id, 0, 1);
        const before = await printer.spooledFiles();
        const job = await print(alice, big.id);
        expect(job).toMatchObject({ state: 'completed', error: null });
        await expectPrintedBig(before);
      });
    });

    describe('scan uploads (resumable sessions)', () => {
      const uploadSessionsOpened = () =>
        google.requests.filter((r) => r.method === 'POST' && r.query.uploadType === 'resumable').length;
      const cancels = () =>
        google.requests.filter((r) => r.method === 'DELETE' && r.path === '/upload/drive/v3/files');

      it.each([
        ['5xx on every chunk', () => google.faults.failNextUploadChunk(100, 503), 'drive_unavailable'],
        [
          'the connection dropped on every chunk',
          () => google.faults.dropNextUploadConnection(100),
          'drive_unavailable',
        ],
        ['401 on a chunk', () => google.faults.failNextUploadChunk(1, 401), 'signed_out'],
      ])(
        '%s: the job fails clearly and its upload session is cancelled at Drive',
        async (name, arm, code) => {
          const opened = uploadSessionsOpened();
          const cancelled = cancels().length;
          arm();
          const job = await scan(`Fault ${name}`);
          expect(uploadSessionsOpened() - opened).toBe(1);
          expect(cancels().length - cancelled).toBe(1);
          expect(google.canceledUploadSessions.at(-1)).toBe(cancels().at(-1)?.query.upload_id);
          expect(google.openUploadSessions()).toEqual([]);
          expect(google.findFilesByName(`Fault ${name}.pdf`)).toHaveLength(0);
          await expectCleanEnd(job, code, { event: 'scan.failed', key: 'scanJobId', id: job.scanJobId });
        },
      );

      it('one 5xx chunk: the upload resumes, the scan arrives, and no session is left open', async () => {
        google.faults.failNextUploadChunk(1, 503);
        const cancelled = cancels().length;
        const job = await scan('Resumed scan');
        expect(job).toMatchObject({ state: 'completed', error: null });
        expect(google.fileContent(job.fileId)?.subarray(0, 5).toString()).toBe('%PDF-');
        expect(cancels().length).toBe(cancelled);
        expect(google.openUploadSessions()).toEqual([]);
        expect(await readdir(stack.config.tempDir)).toEqual([]);
      });
    });
  },
);
