// The session and job store (a real redis-server) goes away while a job runs, and comes back.
// Paused (the process stopped, its connections open): the job waits for it and completes.
// Stopped and started again empty (no persistence, as the README asks): the job's temporary file is
// deleted, its end is recorded in the audit log once the store answers again, nothing crashes, and
// people sign in again. Answers while it is away are 503 in the contract's shape, never 500.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { startVirtualPrinter, type VirtualPrinter } from '../../src/dev/virtual-printer.js';
import { PanelClient } from '../support/browser-less-client.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';
import { sleep, until } from '../support/until.js';

/** A panel client that remembers the status of every answer it got. */
class RecordingClient extends PanelClient {
  readonly statuses: number[] = [];
  override async fetch(p: string, init: RequestInit = {}): Promise<Response> {
    const res = await super.fetch(p, init);
    this.statuses.push(res.status);
    return res;
  }
}

describe.skipIf(!hasRedisServer())('the session and job store goes away while a job runs', () => {
  let dir: string;
  let redis: TestRedis;
  let printer: VirtualPrinter;
  let stack: Stack;

  const tempFiles = () => readdir(stack.config.tempDir);
  const auditRecords = async () => {
    const logPath = stack.config.audit.logPath;
    const names = (await readdir(path.dirname(logPath))).filter((n) => n.startsWith(path.basename(logPath)));
    const texts = await Promise.all(names.map((n) => readFile(path.join(path.dirname(logPath), n), 'utf8')));
    return texts
      .join('\n')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; detail?: Record<string, unknown> });
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-redis-faults-'));
    redis = await startRedis();
    // Each job stays "printing" at the printer for two seconds: long enough to pull Redis away.
    printer = await startVirtualPrinter({ spoolDir: path.join(dir, 'printed'), completeAfterMs: 2000 });
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      printer: { uri: printer.uri, name: 'Slow printer', kind: 'virtual', close: () => printer.close() },
      scanner: false,
      logLevel: 'silent',
      env: { SESSION_STORE: 'redis', REDIS_URL: redis.url },
      overrides: { pollIntervalMs: 100, recordRetryMs: [200, 400, 800, 1600, 3200] },
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await printer?.close();
    await redis?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('paused while the job prints: requests get 503, the job waits for the store and completes', async () => {
    const alice = new RecordingClient(stack.url);
    await alice.signIn();
    const res = await alice.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    const { jobId } = (await res.json()) as { jobId: string };
    await until(
      'the job to print',
      async () => (await alice.json(`/api/print/${jobId}`)).state === 'printing',
    );
    redis.pause();
    try {
      const during = await alice.fetch('/api/files?folderId=root');
      expect(during.status).toBe(503);
      expect(await during.json()).toEqual({
        error: { code: 'session_unavailable', message: expect.any(String) },
      });
      await sleep(1500);
    } finally {
      redis.resume();
    }
    const done = await until('the job to complete', async () => {
      const job = await alice.json(`/api/print/${jobId}`);
      return job.state === 'completed' ? job : undefined;
    });
    expect(done.error).toBeNull();
    expect(await tempFiles()).toEqual([]);
    expect(
      (await auditRecords()).some((r) => r.event === 'print.completed' && r.detail?.jobId === jobId),
    ).toBe(true);
    expect(alice.statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  });

  it('stopped and started again empty: the file is deleted, the end is audited, nothing crashes, people sign in again', async () => {
    const alice = new RecordingClient(stack.url);
    await alice.signIn();
    const res = await alice.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    const { jobId } = (await res.json()) as { jobId: string };
    await until(
      'the job to print',
      async () => (await alice.json(`/api/print/${jobId}`)).state === 'printing',
    );
    await redis.stop();
    const during = await alice.fetch(`/api/print/${jobId}`);
    expect(during.status).toBe(503);
    expect(await during.json()).toEqual({
      error: { code: 'session_unavailable', message: expect.any(String) },
    });
    // The printer finishes meanwhile; the connector cannot record it yet.
    await sleep(2500);
    await redis.restart();
    const ended = await until("the job's end to be audited", async () =>
      (await auditRecords()).find(
        (r) => (r.event === 'print.failed' || r.event === 'print.completed') && r.detail?.jobId === jobId,
      ),
    );
    expect(ended.event).toBe('print.failed');
    expect(ended.detail?.code).toBe('print_failed');
    expect(await tempFiles()).toEqual([]);
    // The store came back empty: the session is gone, so the panel signs in again and prints.
    const status = await until('the session to be gone', async () => {
      const s = (await alice.fetch('/api/session')).status;
      return s === 401 ? s : undefined;
    });
    expect(status).toBe(401);
    await alice.signIn();
    const next = await alice.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    const { jobId: nextId } = (await next.json()) as { jobId: string };
    await until(
      'the next job to complete',
      async () => (await alice.json(`/api/print/${nextId}`)).state === 'completed',
    );
    expect(alice.statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  }, 60_000);
});
