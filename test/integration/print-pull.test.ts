import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryPulledDocumentStore } from '../../src/adapters/memory-pull-store.js';
import { createRedisClient, type RedisClient } from '../../src/adapters/redis-client.js';
import { RedisPulledDocumentStore } from '../../src/adapters/redis-pull-store.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import type { PulledDocument, PulledDocumentStore } from '../../src/domain/ports.js';
import { InstantClock } from '../fakes/manual-clock.js';
import { PanelClient } from '../support/browser-less-client.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';

// Real parts: the googleapis client against the Google double, the real converters, the connector on a
// port; `fetch` without a cookie stands in for the device that fetches its document.
describe('pull delivery end to end (googleapis + Google double + a device fetching the link)', () => {
  let stack: Stack;
  let dir: string;
  let client: PanelClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-pull-'));
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      preferVirtualPrinter: true,
      overrides: { pollIntervalMs: 100, retry: { attempts: 5, baseDelayMs: 50, maxDelayMs: 400 } },
      // Request lines go to the log file, which must never hold a link.
      logLevel: 'info',
    });
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    client = new PanelClient(stack.url);
    await client.signIn();
  });

  /** Submits with pull delivery and waits until the document is ready to fetch. */
  async function pullReady(fileId: string) {
    const res = await client.post('/api/print', { fileId, printerId: 'demo', delivery: 'pull' });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const until = Date.now() + 20_000;
    for (;;) {
      const job = await client.json(`/api/print/${jobId}`);
      if (job.state === 'ready') return { jobId, documentUrl: job.documentUrl as string };
      if (['completed', 'failed', 'canceled'].includes(job.state) || Date.now() > until) {
        throw new Error(`job ${jobId} is ${job.state}: ${JSON.stringify(job.error)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The device: one GET without a cookie; then the link is used up. */
  async function deviceFetches(documentUrl: string) {
    expect(new URL(documentUrl).origin).toBe(stack.url);
    const res = await fetch(documentUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(body.length));
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    const again = await fetch(documentUrl);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: { code: 'pull_not_found', message: expect.any(String) } });
    return PDFDocument.load(body);
  }

  it('a Google Doc is exported to PDF, fetched once by the device, and the job completes', async () => {
    const { jobId, documentUrl } = await pullReady(SAMPLE_IDS.docMeetingNotes);
    const pdf = await deviceFetches(documentUrl);
    expect(pdf.getPageCount()).toBeGreaterThan(0);
    const job = await client.waitForJob(jobId);
    expect(job).toMatchObject({ state: 'completed', delivery: 'pull', error: null });
    expect(job.documentUrl).toBeUndefined();
    expect(await readdir(stack.config.tempDir)).toEqual([]);
  });

  it('a PNG is converted to a one-page PDF and fetched once', async () => {
    const { jobId, documentUrl } = await pullReady(SAMPLE_IDS.fileFloorPlanPng);
    const pdf = await deviceFetches(documentUrl);
    expect(pdf.getPageCount()).toBe(1);
    expect(await client.waitForJob(jobId)).toMatchObject({ state: 'completed', delivery: 'pull' });
    expect(await readdir(stack.config.tempDir)).toEqual([]);
  });

  it('keeps links out of the log file and the audit log; the credential audit finds nothing', async () => {
    const { jobId, documentUrl } = await pullReady(SAMPLE_IDS.fileWelcomePdf);
    await deviceFetches(documentUrl);
    await client.waitForJob(jobId);
    const capability = new URL(documentUrl).pathname.split('/')[2] as string;
    // pino writes the file asynchronously: give the request lines a moment.
    await new Promise((r) => setTimeout(r, 300));
    const log = await readFile(stack.config.log.file as string, 'utf8');
    expect(log).toContain('/pull/[document]');
    expect(log).not.toContain(capability);
    const audit = await readFile(stack.config.audit.logPath, 'utf8');
    expect(audit).not.toContain(capability);
    expect(audit).toMatch(/"event":"print.completed"[^\n]*"delivery":"pull"/);
    const report = await stack.services.deps.admin.scan();
    expect(report.findings).toEqual([]);
  });
});

/** The same contract for both stores: single use, expiry, sweep. */
function storeContract(name: string, make: () => PulledDocumentStore) {
  describe(`${name}: pulled document records`, () => {
    const clock = new InstantClock();
    const doc = (expiresIn: number): PulledDocument => ({
      hash: randomBytes(32).toString('hex'),
      jobId: `job-${randomBytes(4).toString('hex')}`,
      path: '/tmp/x/print-1.tmp',
      size: 1234,
      userEmail: 'ada@example.com',
      fileId: 'file-1',
      expiresAt: clock.now() + expiresIn,
    });

    it('take hands a record out exactly once, and only before it expires', async () => {
      const store = make();
      const live = doc(60_000);
      const old = doc(-1);
      await store.create(live);
      await store.create(old);
      expect(await store.get(live.hash)).toEqual(live);
      const [first, second] = await Promise.all([
        store.take(live.hash, clock.now()),
        store.take(live.hash, clock.now()),
      ]);
      expect([first, second].filter(Boolean)).toEqual([live]);
      expect(await store.take(old.hash, clock.now())).toBeNull();
      expect(await store.get(live.hash)).toBeNull();
    });

    it('removeExpired returns only expired records, once; remove returns a record whatever its expiry', async () => {
      const store = make();
      const live = doc(60_000);
      const old = doc(-1);
      const other = doc(60_000);
      for (const d of [live, old, other]) await store.create(d);
      expect(await store.removeExpired(clock.now())).toEqual([old]);
      expect(await store.removeExpired(clock.now())).toEqual([]);
      expect(await store.remove(other.hash)).toEqual(other);
      expect(await store.remove(other.hash)).toBeNull();
      expect(await store.take(live.hash, clock.now())).toEqual(live);
    });
  });
}

storeContract('in memory', () => new InMemoryPulledDocumentStore());

let redis: TestRedis | undefined;
let redisClient: RedisClient;
let prefixes = 0;
describe.skipIf(!hasRedisServer())('Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
    redisClient = await createRedisClient(redis.url, { onError: () => undefined, maxBackoffMs: 200 });
  });
  afterAll(async () => {
    if (redisClient?.isOpen) redisClient.destroy();
    await redis?.dispose();
  });
  it('with SESSION_STORE=redis only the sha256 of the link is in Redis, and the credential audit finds nothing', async () => {
    const redisDir = await mkdtemp(path.join(os.tmpdir(), 'dpc-pull-redis-'));
    const prefix = `pullstack-${randomBytes(3).toString('hex')}:`;
    const shared = await startStack({
      dir: redisDir,
      autoApprove: 'alice@example.com',
      preferVirtualPrinter: true,
      logLevel: 'silent',
      env: { SESSION_STORE: 'redis', REDIS_URL: (redis as TestRedis).url },
      overrides: { redisPrefix: prefix },
    });
    try {
      const panel = new PanelClient(shared.url);
      await panel.signIn();
      const res = await panel.post('/api/print', {
        fileId: SAMPLE_IDS.fileWelcomePdf,
        printerId: 'demo',
        delivery: 'pull',
      });
      const { jobId } = (await res.json()) as { jobId: string };
      await shared.services.deps.printing.drain();
      const job = await panel.json(`/api/print/${jobId}`);
      expect(job.state).toBe('ready');
      const capability = new URL(job.documentUrl).pathname.split('/')[2] as string;
      const hash = createHash('sha256').update(capability).digest('hex');
      expect(await redisClient.exists(`${prefix}pull:${hash}`)).toBe(1);
      for await (const keys of redisClient.scanIterator({ MATCH: `${prefix}*` })) {
        for (const key of keys) {
          expect(key).not.toContain(capability);
          const type = await redisClient.type(key);
          const values =
            type === 'string'
              ? [await redisClient.get(key)]
              : type === 'hash'
                ? Object.values(await redisClient.hGetAll(key))
                : [];
          for (const value of values) expect(value ?? '').not.toContain(capability);
        }
      }
      expect((await shared.services.deps.admin.scan()).findings).toEqual([]);
      expect((await fetch(job.documentUrl)).status).toBe(200);
      expect(await panel.waitForJob(jobId)).toMatchObject({ state: 'completed' });
      expect(await redisClient.exists(`${prefix}pull:${hash}`)).toBe(0);
    } finally {
      await shared.close();
      await rm(redisDir, { recursive: true, force: true });
    }
  });

  storeContract(
    'Redis',
    () =>
      new RedisPulledDocumentStore(redisClient, {
        prefix: `pull${++prefixes}-${randomBytes(3).toString('hex')}:`,
        clock: new InstantClock(),
      }),
  );
});
