// TEMP_DIR faults against the whole connector (real googleapis client, Google double, demo printer):
// a full disk (ENOSPC: every temporary file is a symlink to /dev/full, so the kernel refuses each
// write) and a disk the service may not write to (EACCES, EROFS: thrown by the file layer, since
// tests run as root and chmod 0500 does not stop root; see test/fakes/faulty-temp-files.ts).
// For each: a print job fails with a clear state, a scan upload answers 507/503 in the contract's
// shape, a message exists in three languages, nothing stays in TEMP_DIR, no 500 reaches anyone,
// browsing keeps working, the audit log records the outcome, and all works again once the disk does.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { FaultyTempFiles } from '../fakes/faulty-temp-files.js';
import { JPEG } from '../fixtures/documents.js';
import { PanelClient } from '../support/browser-less-client.js';

const LOCALES = ['en', 'nl', 'sv'] as const;
// biome-ignore lint/suspicious/noExplicitAny: jobs and audit records as JSON
type Json = any;

const FAULTS = [
  { fault: 'ENOSPC', code: 'temp_full', status: 507 },
  { fault: 'EACCES', code: 'temp_unwritable', status: 503 },
  { fault: 'EROFS', code: 'temp_unwritable', status: 503 },
] as const;

describe('TEMP_DIR faults (googleapis + Google double + demo printer)', () => {
  let dir: string;
  let stack: Stack;
  let temp: FaultyTempFiles;
  let alice: PanelClient;
  /** Every answer the connector gave, to anyone, during the test. */
  const answers: Array<{ method: string; url: string; status: number }> = [];
  let messages: Record<(typeof LOCALES)[number], Record<string, string>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-disk-faults-'));
    // The stack's TEMP_DIR is <dir>/tmp; the connector uses this layer over it.
    temp = new FaultyTempFiles({ dir: path.join(dir, 'tmp') });
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      scanner: false,
      overrides: { temp, pollIntervalMs: 100, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 40 } },
      logLevel: 'silent',
    });
    expect(stack.config.tempDir).toBe(temp.dir);
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
    alice = new PanelClient(stack.url);
    await alice.signIn();
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    temp.fault = 'none';
    answers.length = 0;
  });

  const auditRecords = async (): Promise<Json[]> => {
    // Records are appended in the background; give the queue a moment to reach the file.
    await new Promise((r) => setTimeout(r, 50));
    return (await readFile(stack.config.audit.logPath, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  };

  const print = async (): Promise<Json> => {
    const res = await alice.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    expect(res.status, await res.clone().text()).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    return alice.waitForJob(jobId, 30_000);
  };

  const uploadScan = (to: string, form: FormData, csrf = true) =>
    alice.fetch(to, { method: 'POST', headers: csrf ? { 'x-csrf-token': alice.csrf } : {}, body: form });

  const scanForm = (fields: Record<string, string> = {}) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file', new Blob([new Uint8Array(JPEG)], { type: 'image/jpeg' }), 'scan.jpg');
    return form;
  };

  /** What every fault must leave behind: a readable message, an empty TEMP_DIR, a working service. */
  const expectCleanEnd = async (code: string, message: string) => {
    expect(message).toMatch(/^[A-Z].{20,}\.$/);
    expect(message).not.toMatch(/ENOSPC|EACCES|EROFS|\/dev\/full|tmp/);
    for (const l of LOCALES) expect(messages[l][`error.${code}`], `${l} error.${code}`).toBeTruthy();
    expect(await readdir(stack.config.tempDir)).toEqual([]);
    expect(answers.filter((a) => a.status === 500)).toEqual([]);
    const browse = await alice.fetch('/api/files?folderId=root');
    expect(browse.status).toBe(200);
    expect((await browse.json()).files.length).toBeGreaterThan(0);
  };

  describe.each(FAULTS)('$fault', ({ fault, code, status }) => {
    it(`a print job fails ${code}, is audited, and prints once the disk is back`, async () => {
      temp.fault = fault;
      const job = await print();
      expect(job).toMatchObject({ state: 'failed', error: { code } });
      await expectCleanEnd(code, job.error.message);
      // A background job never answers 5xx: the failure is the job's state.
      expect(answers.filter((a) => a.status >= 500)).toEqual([]);
      const failed = (await auditRecords()).filter(
        (r) => r.event === 'print.failed' && r.detail?.jobId === job.jobId,
      );
      expect(failed).toMatchObject([{ detail: { code } }]);

      temp.fault = 'none';
      expect(await print()).toMatchObject({ state: 'completed', error: null });
      expect(await readdir(stack.config.tempDir)).toEqual([]);
    });

    it(`a panel scan upload answers ${status} ${code} in the contract's shape, and works once the disk is back`, async () => {
      temp.fault = fault;
      const res = await uploadScan('/api/scans', scanForm({ folderId: SAMPLE_IDS.folderScans }));
      expect(res.status).toBe(status);
      const body = await res.json();
      expect(body).toEqual({ error: { code, message: expect.any(String) } });
      expect(res.headers.get('cache-control')).toBe('no-store');
      await expectCleanEnd(code, body.error.message);
      const failed = (await auditRecords()).filter((r) => r.event === 'scan.failed');
      expect(failed.at(-1)).toMatchObject({ detail: { code } });

      temp.fault = 'none';
      const again = await uploadScan('/api/scans', scanForm({ folderId: SAMPLE_IDS.folderScans }));
      expect(again.status).toBe(201);
      expect(await readdir(stack.config.tempDir)).toEqual([]);
    });

    it(`a device upload on a scan link answers ${status} ${code}, and the link still works afterwards`, async () => {
      const ticket = await (
        await alice.post('/api/scan-tickets', { folderId: SAMPLE_IDS.folderScans })
      ).json();
      temp.fault = fault;
      const res = await alice.fetch(ticket.uploadUrl, { method: 'POST', body: scanForm() });
      expect(res.status).toBe(status);
      const body = await res.json();
      expect(body).toEqual({ error: { code, message: expect.any(String) } });
      await expectCleanEnd(code, body.error.message);

      temp.fault = 'none';
      const again = await alice.fetch(ticket.uploadUrl, { method: 'POST', body: scanForm() });
      expect(again.status).toBe(201);
      expect(await readdir(stack.config.tempDir)).toEqual([]);
    });
  });
});
