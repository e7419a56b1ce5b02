// Pull delivery streams like the print path: a large PDF that needs no conversion is published as soon
// as its first bytes are in, and the device's GET streams the temporary file while the Drive download
// still writes it (chunked, no Content-Length). Should the download break while the device reads, the
// device's transfer is broken off (never a complete-looking short document) and the job fails.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { PanelClient } from '../support/browser-less-client.js';

const MB = 1024 * 1024;

/** A PDF of about `bytes` bytes: a real header and trailer around filler that differs per seed. */
function pdfOfSize(bytes: number, seed: number): Buffer {
  const head = Buffer.from(`%PDF-1.4\n% pull streaming test ${seed}\n`);
  const tail = Buffer.from('\n%%EOF\n');
  const body = Buffer.alloc(bytes - head.length - tail.length);
  for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE((i * 2654435761 + seed) >>> 0, i);
  return Buffer.concat([head, body, tail]);
}

/** What the device got from one GET: its status and headers, the bytes, and whether the body was whole. */
interface DeviceFetch {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The response ended properly (for chunked: with its terminating chunk). */
  complete: boolean;
  ms: number;
}

/** The device: one GET without a cookie, reading the whole body whatever happens to it. */
function deviceGet(url: string): Promise<DeviceFetch> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const chunks: Buffer[] = [];
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
          ms: performance.now() - started,
        });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', finish);
      // An aborted response: the connection closed before the end of the body.
      res.on('error', finish);
      res.on('close', finish);
    });
    req.on('error', reject);
  });
}

describe('pull delivery streams large documents while they download (Google double + connector)', () => {
  let dir: string;
  let stack: Stack;
  let alice: PanelClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-pull-stream-'));
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      preferVirtualPrinter: true,
      scanner: false,
      logLevel: 'silent',
      // Waits of 0.5 to 1 s between tries of a download: a device has started reading by then.
      overrides: { pollIntervalMs: 100, retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 } },
    });
    alice = new PanelClient(stack.url);
    await alice.signIn();
  }, 60_000);

  afterEach(() => {
    stack.google.faults.clear();
  });

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A PDF in Alice's My Drive. */
  const addPdf = (name: string, content: Buffer) =>
    stack.google.addFile({
      name,
      mimeType: 'application/pdf',
      content,
      parents: [SAMPLE_IDS.aliceRoot],
      ownedBy: ['alice@example.com'],
    });

  /** Submits with pull delivery and polls until the job is ready; how long that took. */
  async function pullReady(fileId: string) {
    const started = performance.now();
    const res = await alice.post('/api/print', { fileId, printerId: 'demo', delivery: 'pull' });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    for (;;) {
      const job = await alice.json(`/api/print/${jobId}`);
      if (job.state === 'ready') {
        return { jobId, documentUrl: job.documentUrl as string, readyMs: performance.now() - started };
      }
      if (['completed', 'failed', 'canceled'].includes(job.state) || performance.now() - started > 20_000) {
        throw new Error(`job ${jobId} is ${job.state}: ${JSON.stringify(job.error)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** TEMP_DIR once the job's files are gone (the download's own name goes when the job's work ends). */
  async function tempDirSettled(): Promise<string[]> {
    for (let i = 0; i < 100; i++) {
      const files = await readdir(stack.config.tempDir);
      if (files.length === 0) return files;
      await new Promise((r) => setTimeout(r, 50));
    }
    return readdir(stack.config.tempDir);
  }

  it('a 20 MB PDF at 10 MB/s is ready at once and streams to the device while it downloads, chunked', async () => {
    const content = pdfOfSize(20 * MB, 1);
    const file = addPdf('Pulled twenty.pdf', content);
    stack.google.faults.throttleDownloads(10 * MB); // 2 s for the whole download
    const { jobId, documentUrl, readyMs } = await pullReady(file.id);
    expect(readyMs).toBeLessThan(1_000);
    const got = await deviceGet(documentUrl);
    expect(got.status).toBe(200);
    expect(got.complete).toBe(true);
    expect(got.headers['content-type']).toBe('application/pdf');
    expect(got.headers['cache-control']).toBe('no-store');
    expect(got.headers['content-length']).toBeUndefined();
    expect(got.headers['transfer-encoding']).toBe('chunked');
    expect(got.body.length).toBe(content.length);
    expect(got.body.equals(content)).toBe(true);
    // About the download's time: the device waited for the bytes as they arrived, not for the end first.
    expect(readyMs + got.ms).toBeGreaterThan(1_500);
    expect(got.ms).toBeLessThan(6_000);
    const job = await alice.waitForJob(jobId);
    expect(job).toMatchObject({ state: 'completed', delivery: 'pull', error: null });
    expect(job.documentUrl).toBeUndefined();
    expect((await fetch(documentUrl)).status).toBe(404);
    expect(await tempDirSettled()).toEqual([]);
  }, 60_000);

  it('a download that breaks while the device reads: the transfer is broken off, the job fails, nothing is left', async () => {
    const content = pdfOfSize(20 * MB, 2);
    const file = addPdf('Pulled broken.pdf', content);
    // Every try sends 2 MB, then the connection is cut; the tries after the first start while the
    // device reads, and the last gives up. At 4 MB/s each try takes half a second, so the device's
    // fetch surely starts before the last one ends, however loaded the machine.
    stack.google.faults.throttleDownloads(4 * MB);
    stack.google.faults.resetDownload(file.id, 2 * MB, 3);
    const { jobId, documentUrl } = await pullReady(file.id);
    const got = await deviceGet(documentUrl);
    expect(got.status).toBe(200);
    expect(got.headers['content-length']).toBeUndefined();
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(content.length);
    expect(content.subarray(0, got.body.length).equals(got.body)).toBe(true);
    const job = await alice.waitForJob(jobId);
    expect(job.state).toBe('failed');
    // The download's own error (the cut connection), not the device's.
    expect(job.error.code).toBe('drive_unavailable');
    expect(job.documentUrl).toBeUndefined();
    expect(await tempDirSettled()).toEqual([]);
    const again = await fetch(documentUrl);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: { code: 'pull_not_found', message: expect.any(String) } });
  }, 60_000);

  it('a small PDF (under 4 MiB) is ready only once downloaded and is sent with its Content-Length', async () => {
    const content = pdfOfSize(3 * MB, 3);
    const file = addPdf('Pulled small.pdf', content);
    stack.google.faults.throttleDownloads(2 * MB); // 1.5 s for the whole download
    const { jobId, documentUrl, readyMs } = await pullReady(file.id);
    expect(readyMs).toBeGreaterThan(1_200);
    const got = await deviceGet(documentUrl);
    expect(got.status).toBe(200);
    expect(got.complete).toBe(true);
    expect(got.headers['content-length']).toBe(String(content.length));
    expect(got.body.equals(content)).toBe(true);
    expect(await alice.waitForJob(jobId)).toMatchObject({ state: 'completed', delivery: 'pull' });
    expect(await tempDirSettled()).toEqual([]);
  }, 60_000);
});
