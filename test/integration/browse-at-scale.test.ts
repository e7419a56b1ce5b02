// A folder of 10,000 files through the real connector, googleapis and the Google double: the first page
// comes quickly with the panel's page size and a nextPageToken, paging goes on from there, and Drive is
// asked only for the fields the panel shows.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_PAGE_SIZE } from '../../src/adapters/google-drive-query.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { PanelClient } from '../support/browser-less-client.js';

const FILES = 10_000;

interface ListedFile {
  id: string;
  name: string;
  isFolder: boolean;
}

describe('browsing a folder of 10,000 files (googleapis + Google double)', () => {
  let stack: Stack;
  let dir: string;
  let client: PanelClient;
  let folderId: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-e2e-scale-'));
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      preferVirtualPrinter: true,
      logLevel: 'silent',
    });
    folderId = stack.google.addFile({
      name: 'Archive',
      mimeType: 'application/vnd.google-apps.folder',
      parents: [SAMPLE_IDS.folderScans],
    }).id;
    const day = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < FILES; i++) {
      stack.google.addFile({
        // Unpadded numbers, so only a natural sort puts "Scan 9" before "Scan 10".
        name: `Scan ${i}.pdf`,
        mimeType: 'application/pdf',
        parents: [folderId],
        modifiedTime: new Date(day + i * 60_000).toISOString(),
      });
    }
    for (let i = 0; i < 3; i++) {
      stack.google.addFile({
        name: `Batch ${i}`,
        mimeType: 'application/vnd.google-apps.folder',
        parents: [folderId],
      });
    }
    client = new PanelClient(stack.url);
    await client.signIn();
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const listRequests = () =>
    stack.google.requests.filter((r) => r.method === 'GET' && r.path === '/drive/v3/files');

  it('opens fast with a page of the panel size, then pages on with nextPageToken', async () => {
    const seen = new Set<string>();
    let token: string | null = null;
    const times: number[] = [];
    const pages: ListedFile[][] = [];
    for (let page = 0; page < 4; page++) {
      const started = performance.now();
      const body = (await client.json(
        `/api/files?folderId=${folderId}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
      )) as { files: ListedFile[]; nextPageToken: string | null };
      times.push(performance.now() - started);
      expect(body.files).toHaveLength(PANEL_PAGE_SIZE);
      expect(body.nextPageToken).toEqual(expect.any(String));
      for (const f of body.files) seen.add(f.id);
      pages.push(body.files);
      token = body.nextPageToken;
    }
    // No file twice across pages; folders first, then names in natural order.
    expect(seen.size).toBe(4 * PANEL_PAGE_SIZE);
    expect(pages[0]?.slice(0, 4).map((f) => f.name)).toEqual(['Batch 0', 'Batch 1', 'Batch 2', 'Scan 0.pdf']);
    expect(pages[0]?.[13]?.name).toBe('Scan 10.pdf');
    expect(pages[1]?.[0]?.name).toBe(`Scan ${PANEL_PAGE_SIZE - 3}.pdf`);
    // Generous bounds for a loaded CI machine; sorting 10,000 names on every request took longer.
    expect(Math.max(...times)).toBeLessThan(1000);
    const sent = listRequests().slice(-4);
    expect(sent.map((r) => r.query.pageSize)).toEqual(Array(4).fill(String(PANEL_PAGE_SIZE)));
  });

  it('says in Server-Timing how long the answer waited for Google Drive', async () => {
    const res = await client.fetch(`/api/files?folderId=${folderId}`);
    expect(res.status).toBe(200);
    const timing = res.headers.get('server-timing') ?? '';
    expect(timing).toMatch(/^drive;dur=\d+(\.\d)?;desc="Google Drive"$/);
    // A page that asks Drive nothing says nothing.
    expect((await client.fetch('/healthz')).headers.get('server-timing')).toBeNull();
  });

  it('asks Drive only for the fields the panel shows', async () => {
    await client.json(`/api/files?folderId=${folderId}`);
    expect(listRequests().at(-1)?.query.fields).toBe(
      'nextPageToken, files(id, name, mimeType, size, modifiedTime)',
    );
    // A search also shows which folder each result is in: parents, and nothing more.
    await client.json('/api/files?q=Scan%2042');
    const search = listRequests().find((r) => r.query.q?.includes('name contains'));
    expect(search?.query.fields).toBe(
      'nextPageToken, files(id, name, mimeType, size, modifiedTime, parents)',
    );
    expect(search?.query.pageSize).toBe(String(PANEL_PAGE_SIZE));
  });

  it('a search across 10,000 names pages too', async () => {
    const body = (await client.json('/api/files?q=Scan%201')) as {
      files: ListedFile[];
      nextPageToken: string | null;
    };
    // "Scan 1", "Scan 10".."Scan 19", "Scan 100".., "Scan 1000"..: 1,111 matches.
    expect(body.files).toHaveLength(PANEL_PAGE_SIZE);
    expect(body.nextPageToken).toEqual(expect.any(String));
  });

  it('the browse page shows the first page and a link to the next', async () => {
    const res = await client.fetch(`/browse?view=mydrive&folderId=${folderId}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html.match(/<li class="file/g)).toHaveLength(PANEL_PAGE_SIZE);
    expect(html).toContain('pageToken=');
  });
});
