// A job's end heard the moment it happens: at a printer that offers ippget (RFC 3995 event
// notifications, RFC 3996 pull delivery), the connector's job is created with a subscription to its
// own events and followed with Get-Notifications, which the printer holds until something happens.
// ippeveprinter (CUPS 2.4) offers no notifications, so the virtual printer plays that printer here.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { startVirtualPrinter, type VirtualPrinter } from '../../src/dev/virtual-printer.js';
import type { PrinterConfig, PrinterDescription } from '../../src/domain/ports.js';
import { PanelClient } from '../support/browser-less-client.js';

const PDF =
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';

/** The connector's view of one job, polled every 10 ms: when it first said completed. */
async function completedAt(client: PanelClient, jobId: string, timeoutMs = 20_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.json(`/api/print/${jobId}`);
    if (job.state === 'completed') return Date.now();
    if (['failed', 'canceled'].includes(job.state)) throw new Error(`the job ended ${job.state}`);
    if (Date.now() > until) throw new Error(`the job is still ${job.state}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('following a job by ippget events', () => {
  let dir: string;
  let printer: VirtualPrinter;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-events-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('the IPP adapter against a printer with notifications', () => {
    let system: IppPrintSystem;
    let documentPath: string;
    const config = () => ({ id: 'events', name: 'Events printer', uri: printer.uri });
    /** Alice's one-copy PDF job, named `jobName`, to `to` as `description` describes it. */
    const submitTo = (to: PrinterConfig, description: PrinterDescription, jobName: string) =>
      system.submit(to, {
        documentPath,
        documentFormat: 'application/pdf',
        jobName,
        userName: 'alice@example.com',
        ticket: { copies: 1 },
        printer: description,
      });

    beforeAll(async () => {
      printer = await startVirtualPrinter({
        spoolDir: path.join(dir, 'adapter'),
        notifications: true,
        completeAfterMs: 300,
      });
      system = new IppPrintSystem({ requestTimeoutMs: 5000 });
      documentPath = path.join(dir, 'doc.pdf');
      await writeFile(documentPath, PDF);
    });
    afterAll(async () => printer?.close());

    it('reads ippget from the printer, subscribes with the job, and hears it end at once', async () => {
      const description = await system.describe(config());
      expect(description.facts.ippget).toBe(true);
      const submitted = await submitTo(config(), description, 'Events');
      expect(submitted.subscriptionId).toBeGreaterThan(0);
      const watch = {
        ippJobId: submitted.ippJobId,
        subscriptionId: submitted.subscriptionId as number,
        sequence: 1,
      };
      // The job is processing when Print-Job is answered: that event is there already.
      const first = await system.jobEvents(config(), watch, 2000);
      expect(first.status?.phase).toBe('processing');
      expect(first.complete).toBe(false);
      // The next request is held until the job completes, about 300 ms later, and answered then.
      const asked = Date.now();
      const second = await system.jobEvents(config(), { ...watch, sequence: first.sequence }, 4000);
      const waited = Date.now() - asked;
      expect(second.status?.phase).toBe('completed');
      expect(second.complete).toBe(true);
      expect(second.held).toBe(false);
      const job = printer.jobs.find((j) => j.id === submitted.ippJobId);
      expect(Date.now() - (job?.completedAt as number)).toBeLessThan(500);
      expect(waited).toBeLessThan(3000);
    });

    it('a wait with no event ends quietly after waitMs, held, with the same sequence', async () => {
      const description = await system.describe(config());
      const slow = await startVirtualPrinter({
        spoolDir: path.join(dir, 'slow'),
        notifications: true,
        completeAfterMs: 5000,
      });
      try {
        const slowConfig = { id: 'slow', name: 'Slow printer', uri: slow.uri };
        const submitted = await submitTo(
          slowConfig,
          { ...description, facts: { ...description.facts, ippget: true } },
          'Slow',
        );
        const watch = {
          ippJobId: submitted.ippJobId,
          subscriptionId: submitted.subscriptionId as number,
          sequence: 2,
        };
        const started = Date.now();
        const news = await system.jobEvents(slowConfig, watch, 300);
        expect(news).toEqual({ status: null, sequence: 2, complete: false, held: true });
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await slow.close();
      }
    });

    it('a printer without notifications gets no subscription request and reports no ippget', async () => {
      const plain = await startVirtualPrinter({ spoolDir: path.join(dir, 'plain'), completeAfterMs: 50 });
      try {
        const plainConfig = { id: 'plain', name: 'Plain printer', uri: plain.uri };
        const description = await system.describe(plainConfig);
        expect(description.facts.ippget).toBe(false);
        const submitted = await submitTo(plainConfig, description, 'Plain');
        expect(submitted.subscriptionId).toBeUndefined();
      } finally {
        await plain.close();
      }
    });
  });

  describe('the connector end to end (googleapis + Google double + virtual printer)', () => {
    let stack: Stack;
    let client: PanelClient;
    let events: VirtualPrinter;

    beforeAll(async () => {
      // Each job prints for 1.7 s. Polled at 0, 50, 150, 350, 750, 1550 and 2550 ms, its end would
      // be seen about 850 ms late; heard by event, within a few milliseconds.
      events = await startVirtualPrinter({
        spoolDir: path.join(dir, 'e2e'),
        notifications: true,
        completeAfterMs: 1700,
      });
      stack = await startStack({
        dir: path.join(dir, 'stack'),
        autoApprove: 'alice@example.com',
        printer: { uri: events.uri, name: 'Events printer', kind: 'virtual', close: () => events.close() },
        logLevel: 'silent',
      });
      client = new PanelClient(stack.url);
      await client.signIn();
    });
    afterAll(async () => {
      await stack?.close();
    });

    async function printWelcome(): Promise<{ seen: number; printerDone: number; ippJobId: number }> {
      const res = await client.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
      expect(res.status).toBe(202);
      const { jobId } = (await res.json()) as { jobId: string };
      const seen = await completedAt(client, jobId);
      const job = await client.json(`/api/print/${jobId}`);
      const printed = events.jobs.find((j) => j.id === job.ippJobId);
      return { seen, printerDone: printed?.completedAt as number, ippJobId: job.ippJobId };
    }

    it('reports a job completed within 100 ms of the printer finishing it, by Get-Notifications', async () => {
      const before = events.operations.length;
      const { seen, printerDone } = await printWelcome();
      const lateness = seen - printerDone;
      // The promise is 100 ms; the bound leaves room for a loaded CI machine and is still far
      // below the ~850 ms that polling would take for this job.
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(400);
      const asked = events.operations.slice(before);
      expect(asked).toContain('Get-Notifications');
      // Events instead of polling: at most a safety-net Get-Job-Attributes, not one per interval.
      expect(asked.filter((op) => op === 'Get-Job-Attributes').length).toBeLessThanOrEqual(1);
    });

    it('falls back to polling when the printer stops answering for its events, and still completes', async () => {
      const before = events.operations.length;
      events.forgetSubscriptions();
      const res = await client.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
      const { jobId } = (await res.json()) as { jobId: string };
      // This job's subscription is forgotten as soon as the printer made it: Get-Notifications answers
      // client-error-not-found, and the job is followed with Get-Job-Attributes instead.
      await completedAt(client, jobId);
      const asked = events.operations.slice(before);
      expect(asked).toContain('Get-Notifications');
      expect(asked).toContain('Get-Job-Attributes');
    });
  });
});
