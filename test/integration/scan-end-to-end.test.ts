import { createHash } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { JPEG, makePdf, makePng, pageCount } from '../fixtures/documents.js';
import { PanelClient } from '../support/browser-less-client.js';

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A PDF-looking file of `bytes` written in 1 MiB blocks, and its sha256. */
async function bigScan(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const head = Buffer.from('%PDF-1.7\n% big scan\n');
  hash.update(head);
  out.write(head);
  let left = bytes - head.length;
  let n = 0;
  while (left > 0) {
    const block = Buffer.alloc(Math.min(left, 1024 * 1024), n++ % 251);
    hash.update(block);
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= block.length;
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hash.digest('hex');
}

describe('scanning end to end (googleapis uploads to the Google double)', () => {
  let stack: Stack;
  let dir: string;
  let client: PanelClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-e2e-scan-'));
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      preferVirtualPrinter: true,
      logLevel: 'silent',
    });
    client = new PanelClient(stack.url);
    await client.signIn();
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = async (form: FormData) =>
    client.fetch('/api/scans', { method: 'POST', headers: { 'x-csrf-token': client.csrf }, body: form });

  it('a panel scan reaches a shared-drive folder byte-identical under the chosen name', async () => {
    const pdf = await makePdf(2, 'Panel');
    const form = new FormData();
    form.set('folderId', SAMPLE_IDS.folderOfficeScans);
    form.set('name', 'Expenses November');
    form.set('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'scan.pdf');
    const res = await upload(form);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      name: 'Expenses November.pdf',
      folderId: SAMPLE_IDS.folderOfficeScans,
      duplicateName: false,
    });
    const stored = stack.google.getFile(body.fileId);
    expect(stored?.parents).toEqual([SAMPLE_IDS.folderOfficeScans]);
    expect(sha(stack.google.fileContent(body.fileId) as Buffer)).toBe(sha(pdf));
    expect(await readdir(stack.config.tempDir)).toEqual([]);
  });

  it('a three-page flatbed ticket from a device ends as one three-page PDF in Drive', async () => {
    const res = await client.post('/api/scan-tickets', {
      folderId: SAMPLE_IDS.folderScans,
      name: 'Flatbed',
      pages: 'many',
    });
    expect(res.status).toBe(201);
    const { uploadUrl } = await res.json();
    for (const [bytes, name] of [
      [JPEG, 'p1.jpg'],
      [makePng(30, 40), 'p2.png'],
      [await makePdf(1, 'Device'), 'p3.pdf'],
    ] as const) {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(bytes)]), name);
      // A device: no cookie, no CSRF header.
      expect((await fetch(uploadUrl, { method: 'POST', body: form })).status).toBe(202);
    }
    const done = await fetch(`${uploadUrl}/finish`, { method: 'POST' });
    expect(done.status).toBe(201);
    const { fileId, name } = await done.json();
    expect(name).toBe('Flatbed.pdf');
    expect(await pageCount(stack.google.fileContent(fileId) as Buffer)).toBe(3);
    expect((await fetch(uploadUrl, { method: 'POST', body: new FormData() })).status).toBe(410);
    expect(await readdir(stack.config.tempDir)).toEqual([]);
  });

  it('a 200 MB scan goes through the resumable path with one injected chunk failure and arrives intact', async () => {
    const file = path.join(dir, 'big-scan.pdf');
    const size = 200 * 1024 * 1024;
    const digest = await bigScan(file, size);
    stack.google.faults.failNextUploadChunk(1);
    const form = new FormData();
    form.set('folderId', SAMPLE_IDS.folderScans);
    form.set('name', 'Big scan');
    form.set('file', await openAsBlob(file, { type: 'application/pdf' }), 'big.pdf');
    const res = await upload(form);
    expect(res.status).toBe(201);
    const { fileId } = await res.json();
    const content = stack.google.fileContent(fileId) as Buffer;
    expect(content.length).toBe(size);
    expect(sha(content)).toBe(digest);
    const puts = stack.google.requests.filter(
      (r) => r.method === 'PUT' && r.path === '/upload/drive/v3/files',
    );
    expect(puts.length).toBeGreaterThan(size / (8 * 1024 * 1024));
    expect(await readdir(stack.config.tempDir)).toEqual([]);
    await rm(file);
  }, 120_000);
});
