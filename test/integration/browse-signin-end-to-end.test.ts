import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { PanelClient } from '../support/browser-less-client.js';

// The connector's real Google adapters against the Google double; a virtual printer is enough here.
describe('sign-in and browsing end to end (googleapis + Google double)', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-e2e-browse-'));
    stack = await startStack({
      dir,
      autoApprove: 'alice@example.com',
      preferVirtualPrinter: true,
      logLevel: 'silent',
    });
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const signedIn = async () => {
    const c = new PanelClient(stack.url);
    await c.signIn();
    return c;
  };

  it('asks Google for online access with PKCE S256, state and select_account', async () => {
    const c = new PanelClient(stack.url);
    const start = await c.fetch('/auth/google');
    const url = new URL(start.headers.get('location') as string);
    expect(url.origin + url.pathname).toBe(`${stack.google.baseUrl}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      access_type: 'online',
      prompt: 'select_account',
      code_challenge_method: 'S256',
      redirect_uri: `${stack.url}/auth/google/callback`,
    });
    expect(url.searchParams.get('scope')).toContain('drive.readonly');
    expect(url.searchParams.get('state')).toBeTruthy();
  });

  it('signs in with identity from about.get and no refresh token was ever issued', async () => {
    const c = await signedIn();
    const s = await c.json('/api/session');
    expect(s.user).toEqual({ email: 'alice@example.com', name: 'Alice Example' });
    expect(
      stack.google.issuedTokens.every((t) => t.refreshToken === undefined && t.accessType === 'online'),
    ).toBe(true);
    const about = stack.google.requests.filter((r) => r.path === '/drive/v3/about');
    expect(about.at(-1)?.query.fields).toContain('user');
  });

  it('a forged state and a replayed code sign nobody in', async () => {
    const c = new PanelClient(stack.url);
    const start = await c.fetch('/auth/google');
    const google = await c.fetch(start.headers.get('location') as string);
    const callback = new URL(google.headers.get('location') as string);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state');
    expect((await c.fetch(forged.toString())).headers.get('location')).toBe('/?signin=failed');
    expect((await c.fetch('/api/session')).status).toBe(401);

    const ok = new PanelClient(stack.url);
    const s2 = await ok.fetch('/auth/google');
    const g2 = await ok.fetch(s2.headers.get('location') as string);
    const cb2 = new URL(g2.headers.get('location') as string);
    expect((await ok.fetch(cb2.toString())).headers.get('location')).toBe('/');
    // The same code again, in a fresh sign-in with a valid state of its own.
    const replay = new PanelClient(stack.url);
    const s3 = await replay.fetch('/auth/google');
    const state3 = new URL(s3.headers.get('location') as string).searchParams.get('state') as string;
    const replayed = new URL(cb2);
    replayed.searchParams.set('state', state3);
    expect((await replay.fetch(replayed.toString())).headers.get('location')).toBe('/?signin=failed');
    expect((await replay.fetch('/api/session')).status).toBe(401);
  });

  it('paging collects all 250 items of the big folder', async () => {
    const c = await signedIn();
    const names: string[] = [];
    let pageToken: string | null = null;
    let pages = 0;
    do {
      const q = new URLSearchParams({ folderId: SAMPLE_IDS.folderBig, ...(pageToken ? { pageToken } : {}) });
      const page = await c.json(`/api/files?${q}`);
      names.push(...page.files.map((f: { name: string }) => f.name));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBeGreaterThan(1);
    expect(names).toHaveLength(250);
    expect(new Set(names).size).toBe(250);
    expect(names[0]).toBe('Document 001.pdf');
  });

  it('a search with a quote in it does not break the query, and trashed files never show', async () => {
    const c = await signedIn();
    const res = await c.json(`/api/files?q=${encodeURIComponent("It's")}`);
    expect(res.files.map((f: { name: string }) => f.name)).toContain("It's a quote.pdf");
    const root = await c.json('/api/files?folderId=root');
    const names = root.files.map((f: { name: string }) => f.name);
    expect(names).toContain('Welcome.pdf');
    expect(names).not.toContain('Old draft.pdf');
    const search = await c.json('/api/files?q=Old');
    expect(search.files.map((f: { name: string }) => f.name)).not.toContain('Old draft.pdf');
  });

  it('lists shared with me and shared drives', async () => {
    const c = await signedIn();
    const shared = await c.json('/api/files?view=shared');
    expect(shared.files.map((f: { name: string }) => f.name)).toContain("Bob's plan.pdf");
    const drives = await c.json('/api/files?view=drives');
    expect(drives.files).toEqual([
      expect.objectContaining({ id: SAMPLE_IDS.driveOffice, name: 'Office Shared', isFolder: true }),
    ]);
    const inDrive = await c.json(`/api/files?view=drives&folderId=${SAMPLE_IDS.driveOffice}`);
    expect(inDrive.files.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['Contracts', 'Scans']),
    );
  });

  it('sign-out revokes the token at Google and ends the session', async () => {
    const c = await signedIn();
    const token = stack.google.issuedTokens.at(-1)?.accessToken as string;
    expect(stack.google.isTokenValid(token)).toBe(true);
    const res = await c.post('/auth/signout');
    expect(res.status).toBe(200);
    expect(stack.google.revokedTokens.filter((t) => t === token)).toHaveLength(1);
    expect(stack.google.isTokenValid(token)).toBe(false);
    expect((await c.fetch('/api/session')).status).toBe(401);
  });
});
