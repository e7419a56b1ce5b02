import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { PanelClient } from '../support/browser-less-client.js';
import { hasIppEvePrinter, startIppEvePrinter } from '../support/ippeveprinter.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Real parts: the googleapis client against the Google double, a real ippeveprinter, the connector.
describe.skipIf(!hasIppEvePrinter())(
  'printing end to end (googleapis + Google double + ippeveprinter)',
  () => {
    let stack: Stack;
    let dir: string;
    let printer: Awaited<ReturnType<typeof startIppEvePrinter>>;
    let client: PanelClient;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-e2e-'));
      printer = await startIppEvePrinter({ formats: ['application/pdf', 'image/jpeg'], name: 'E2E Printer' });
      stack = await startStack({
        dir,
        autoApprove: 'alice@example.com',
        printer: {
          uri: printer.uri,
          name: 'E2E Printer',
          kind: 'ippeveprinter',
          close: async () => undefined,
        },
        extraPrinters: [{ id: 'gone', name: 'Unplugged printer', uri: 'ipp://127.0.0.1:9/ipp/print' }],
        overrides: { pollIntervalMs: 100, retry: { attempts: 5, baseDelayMs: 50, maxDelayMs: 400 } },
        logLevel: 'silent',
      });
    });
    afterAll(async () => {
      await stack?.close();
      await printer?.stop();
      await rm(dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      client = new PanelClient(stack.url);
      await client.signIn();
    });

    const tempDirEmpty = async () => expect(await readdir(stack.config.tempDir)).toEqual([]);
    const print = async (fileId: string, printerId = 'demo') => {
      const res = await client.post('/api/print', { fileId, printerId });
      expect(res.status).toBe(202);
      const { jobId } = (await res.json()) as { jobId: string };
      return client.waitForJob(jobId);
    };
    const spooledWith = async (before: string[]) => {
      const after = await printer.spooledFiles();
      return after.filter((f) => !before.includes(f));
    };

    it('a PDF arrives at the printer byte-identical and the temporary folder is empty', async () => {
      const before = await printer.spooledFiles();
      const job = await print(SAMPLE_IDS.fileWelcomePdf);
      expect(job).toMatchObject({
        state: 'completed',
        fileName: 'Welcome.pdf',
        printerId: 'demo',
        error: null,
      });
      expect(job.ippJobId).toBeGreaterThan(0);
      const [spooled] = await spooledWith(before);
      expect(sha(await readFile(spooled as string))).toBe(
        sha(stack.google.fileContent(SAMPLE_IDS.fileWelcomePdf) as Buffer),
      );
      await tempDirEmpty();
    });

    it('a Google Doc arrives as its exported PDF', async () => {
      const before = await printer.spooledFiles();
      const job = await print(SAMPLE_IDS.docMeetingNotes);
      expect(job.state).toBe('completed');
      const [spooled] = await spooledWith(before);
      const token = stack.google.issuedTokens.at(-1)?.accessToken as string;
      const exported = await fetch(
        `${stack.google.baseUrl}/drive/v3/files/${SAMPLE_IDS.docMeetingNotes}/export?mimeType=application/pdf`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const expected = Buffer.from(await exported.arrayBuffer());
      expect(expected.subarray(0, 5).toString()).toBe('%PDF-');
      expect(sha(await readFile(spooled as string))).toBe(sha(expected));
      await tempDirEmpty();
    });

    it('a rate-limited file prints after retries', async () => {
      stack.google.faults.rateLimit(SAMPLE_IDS.fileQ3SummaryPdf, 2);
      const job = await print(SAMPLE_IDS.fileQ3SummaryPdf);
      expect(job.state).toBe('completed');
      const downloads = stack.google.requests.filter(
        (r) => r.path === `/drive/v3/files/${SAMPLE_IDS.fileQ3SummaryPdf}` && r.query.alt === 'media',
      );
      expect(downloads.length).toBe(3);
      await tempDirEmpty();
    });

    it('a Drive 500 fails the job with a cause and leaves the temporary folder empty', async () => {
      stack.google.faults.failAlways(SAMPLE_IDS.fileContractAPdf, 500);
      const job = await print(SAMPLE_IDS.fileContractAPdf);
      expect(job).toMatchObject({ state: 'failed', error: { code: 'drive_unavailable' } });
      stack.google.faults.clear();
      await tempDirEmpty();
    });

    it('a printer that never answered is 502 printer_unreachable at once; the temporary folder is empty', async () => {
      const res = await client.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'gone' });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('printer_unreachable');
      await tempDirEmpty();
    });

    it('a file of a type nothing can print is 415 naming what can be printed; nothing is created', async () => {
      const zip = stack.google.addFile({
        name: 'Archive.zip',
        mimeType: 'application/zip',
        parents: [SAMPLE_IDS.aliceRoot],
        content: Buffer.from('PK\x03\x04'),
        ownedBy: ['alice@example.com'],
      } as never);
      const res = await client.post('/api/print', { fileId: zip.id, printerId: 'demo' });
      expect(res.status).toBe(415);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('unsupported_type');
      expect(error.message).toMatch(/PDF/);
      await tempDirEmpty();
    });

    it('a Google file too large to export fails with a cause a person can act on', async () => {
      const job = await print(SAMPLE_IDS.slidesHuge);
      expect(job).toMatchObject({ state: 'failed', error: { code: 'export_too_large' } });
      await tempDirEmpty();
    });

    it('GET /api/printers reports the real printer idle and the unplugged one unreachable', async () => {
      const { printers } = await client.json('/api/printers');
      expect(printers).toEqual([
        { id: 'demo', name: 'E2E Printer', state: 'idle', stateReasons: [] },
        { id: 'gone', name: 'Unplugged printer', state: 'unreachable', stateReasons: [] },
      ]);
    });
  },
);
