import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPrinter } from '../../src/dev/demo-printer.js';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { sessionHandle } from '../../src/http/routes/admin.js';
import { InstantClock } from '../fakes/manual-clock.js';
import { makePdf } from '../fixtures/documents.js';
import { PanelClient } from '../support/browser-less-client.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';

const run = promisify(execFile);

/** Every key and value in Redis, as text. */
async function dumpRedis(url: string): Promise<Array<{ key: string; value: string }>> {
  const client = createClient({ url });
  await client.connect();
  try {
    const out: Array<{ key: string; value: string }> = [];
    for await (const keys of client.scanIterator({ COUNT: 100 })) {
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'string'
            ? ((await client.get(key)) ?? '')
            : type === 'hash'
              ? JSON.stringify(await client.hGetAll(key))
              : type === 'zset'
                ? JSON.stringify(await client.zRange(key, 0, -1))
                : type === 'set'
                  ? JSON.stringify(await client.sMembers(key))
                  : '';
        out.push({ key, value });
      }
    }
    return out;
  } finally {
    await client.quit();
  }
}

describe.skipIf(!hasRedisServer())('several instances sharing sessions through Redis', () => {
  let redis: TestRedis;
  let google: GoogleDouble;
  let printer: Awaited<ReturnType<typeof startDemoPrinter>>;
  let dir: string;
  let a: Stack;
  let b: Stack;
  const clock = new InstantClock();
  clock.set(Date.now());
  const secret = 'shared-session-secret-for-both-instances-0123456789';

  const instance = async (name: string, extra: Record<string, string> = {}) =>
    startStack({
      dir: path.join(dir, name),
      google,
      printer,
      clientSecret: 'shared-client-secret',
      logLevel: 'silent',
      env: {
        SESSION_STORE: 'redis',
        REDIS_URL: redis.url,
        SESSION_SECRET: secret,
        SESSION_IDLE_SECONDS: '300',
        SESSION_MAX_SECONDS: '3600',
        ...extra,
      },
      overrides: { clock, reapIntervalMs: 3_600_000 },
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-redis-'));
    redis = await startRedis();
    google = await startGoogleDouble({ clients: [], autoApprove: 'alice@example.com' });
    printer = await startDemoPrinter({ spoolDir: dir, preferVirtual: true });
    a = await instance('a');
    b = await instance('b');
  }, 60_000);
  afterAll(async () => {
    await a?.close().catch(() => undefined);
    await b?.close().catch(() => undefined);
    await printer?.close();
    await google?.close();
    await redis?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs in on one instance and browses on the other; no plaintext token in any Redis key', async () => {
    const onA = new PanelClient(a.url);
    await onA.signIn();
    const onB = onA.withBase(b.url);
    const files = await onB.json('/api/files?folderId=root');
    expect(files.files.map((f: { name: string }) => f.name)).toContain('Welcome.pdf');
    const token = google.issuedTokens.at(-1)?.accessToken as string;
    const dump = await dumpRedis(redis.url);
    expect(dump.some((d) => d.key.startsWith('dpc:sess:'))).toBe(true);
    for (const { key, value } of dump) {
      expect(value, key).not.toContain(token);
      expect(value, key).not.toMatch(/ya29\.[0-9A-Za-z_-]{20,}/);
    }
    // A print job started on B is visible on A.
    const res = await onB.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    const { jobId } = await res.json();
    const job = await onA.withBase(a.url).waitForJob(jobId);
    expect(job.state).toBe('completed');
  });

  it('sign-out deletes the session key and revokes the token exactly once', async () => {
    const c = new PanelClient(a.url);
    await c.signIn();
    const token = google.issuedTokens.at(-1)?.accessToken as string;
    const sessionKeys = async () =>
      (await dumpRedis(redis.url)).filter((d) => d.key.startsWith('dpc:sess:')).length;
    const before = await sessionKeys();
    expect((await c.withBase(b.url).post('/auth/signout')).status).toBe(200);
    expect(await sessionKeys()).toBe(before - 1);
    expect(google.revokedTokens.filter((t) => t === token)).toHaveLength(1);
    // The other instance's reaper finds nothing left to revoke.
    await a.services.deps.lifecycle.reap();
    await b.services.deps.lifecycle.reap();
    expect(google.revokedTokens.filter((t) => t === token)).toHaveLength(1);
    expect((await c.fetch('/api/session')).status).toBe(401);
  });

  it('a session that expires without any request still has its token revoked, once, by any instance', async () => {
    const c = new PanelClient(a.url);
    await c.signIn();
    const token = google.issuedTokens.at(-1)?.accessToken as string;
    clock.advance(301_000);
    const [ra, rb] = await Promise.all([a.services.deps.lifecycle.reap(), b.services.deps.lifecycle.reap()]);
    expect(ra + rb).toBeGreaterThanOrEqual(1);
    expect(google.revokedTokens.filter((t) => t === token)).toHaveLength(1);
    expect(google.isTokenValid(token)).toBe(false);
    expect((await c.fetch('/api/session')).status).toBe(401);
    const log = await import('node:fs/promises').then((fs) =>
      Promise.all([fs.readFile(a.config.audit.logPath, 'utf8'), fs.readFile(b.config.audit.logPath, 'utf8')]),
    );
    expect(log.join('').match(/"event":"session.expired"/g)?.length).toBeGreaterThanOrEqual(1);
  });

  it('the maximum session time ends a busy session and revokes its token', async () => {
    const c = new PanelClient(a.url);
    await c.signIn();
    const token = google.issuedTokens.at(-1)?.accessToken as string;
    for (let i = 0; i < 15; i++) {
      clock.advance(250_000);
      const res = await c.fetch('/api/session');
      if (res.status === 401) break;
    }
    expect((await c.fetch('/api/session')).status).toBe(401);
    expect(google.revokedTokens.filter((t) => t === token)).toHaveLength(1);
  });

  it('stopping one instance: the other still serves the session', async () => {
    const c = new PanelClient(b.url);
    await c.signIn();
    const extra = await instance('c');
    await extra.close();
    expect((await c.withBase(b.url).fetch('/api/session')).status).toBe(200);
    const third = await instance('d');
    try {
      expect((await c.withBase(third.url).fetch('/api/session')).status).toBe(200);
      await third.close();
      expect((await c.withBase(b.url).json('/api/files?folderId=root')).files.length).toBeGreaterThan(0);
    } finally {
      await third.close().catch(() => undefined);
    }
  });

  it('Redis stopped mid-test: signed-in routes answer 503, nothing runs unauthenticated, and it recovers', async () => {
    const c = new PanelClient(a.url);
    await c.signIn();
    redis.pause();
    try {
      const during = await c.fetch('/api/files?folderId=root');
      expect(during.status).toBe(503);
      expect(await during.json()).toEqual({
        error: { code: 'session_unavailable', message: expect.any(String) },
      });
      expect((await c.fetch('/healthz')).status).toBe(200);
      expect(
        (await c.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' })).status,
      ).toBe(503);
    } finally {
      redis.resume();
    }
    let after = 0;
    for (let i = 0; i < 50 && after !== 200; i++) {
      after = (await c.fetch('/api/session')).status;
      if (after !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(200);

    await redis.stop();
    expect((await c.fetch('/api/session')).status).toBe(503);
    await redis.restart();
    let status = 0;
    for (let i = 0; i < 60 && status !== 401; i++) {
      status = (await c.fetch('/api/session')).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    // Redis came back empty (no persistence, on purpose): the person signs in again.
    expect(status).toBe(401);
    await c.signIn();
    expect((await c.fetch('/api/session')).status).toBe(200);
  }, 30_000);

  it('after sign-in, browse, print, scan and sign-out, `npm run audit` finds nothing; a planted token is found', async () => {
    const c = new PanelClient(a.url);
    await c.signIn();
    await c.json('/api/files?folderId=root');
    const res = await c.post('/api/print', { fileId: SAMPLE_IDS.fileWelcomePdf, printerId: 'demo' });
    await c.waitForJob((await res.json()).jobId);
    const form = new FormData();
    form.set('folderId', SAMPLE_IDS.folderScans);
    form.set('file', new Blob([new Uint8Array(await makePdf(1))]), 'scan.pdf');
    expect(
      (await c.fetch('/api/scans', { method: 'POST', headers: { 'x-csrf-token': c.csrf }, body: form }))
        .status,
    ).toBe(201);
    await c.post('/auth/signout');
    expect(await readdir(a.config.tempDir)).toEqual([]);

    const audit = (env: Record<string, string>) =>
      run('npx', ['tsx', 'src/cli/audit.ts'], { env: { ...process.env, ...env } }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    const clean = await audit(a.env);
    expect(clean.code, clean.out).toBe(0);
    expect(clean.out).toContain('nothing that looks like a credential was found');

    const planted = 'ya29.a0AfB_planted_token_for_the_audit_test_0123456789';
    await appendFile(a.config.log.file as string, `{"msg":"oops","token":"${planted}"}\n`);
    const found = await audit(a.env);
    expect(found.code).toBe(1);
    expect(found.out).not.toContain(planted);
    await writeFile(a.config.log.file as string, '');
  }, 60_000);

  it('admin pages: 403 for others, and the admin sees the scan say what it looked at', async () => {
    const alice = new PanelClient(a.url);
    await alice.signIn();
    expect((await alice.fetch('/admin')).status).toBe(403);
    expect((await alice.fetch('/api/admin/audit')).status).toBe(403);
    google.setAutoApprove('admin@example.com');
    try {
      const admin = new PanelClient(b.url);
      await admin.signIn();
      const report = await admin.json('/api/admin/audit?event=signin');
      expect(report.scan.findings).toEqual([]);
      expect(report.scan.sessions.tokensPastDeadline).toBe(0);
      expect(report.scan.sessions.active).toBeGreaterThanOrEqual(2);
      expect(report.scan.places.map((p: { place: string }) => p.place)).toEqual(
        expect.arrayContaining(['audit_log', 'temp_dir', 'session_store']),
      );
      expect(report.events.every((e: { event: string }) => e.event === 'signin')).toBe(true);
      const page = await admin.fetch('/admin');
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Nothing that looks like a credential was found');
      // Ending Alice's session from the admin page revokes her token.
      const aliceToken = google.issuedTokens.filter((t) => t.email === 'alice@example.com').at(-1)
        ?.accessToken as string;
      const sid = decodeURIComponent(alice.sessionCookie.split('=')[1] ?? '')
        .replace(/^s:/, '')
        .split('.')[0] as string;
      expect(html).toContain(`data-end-session="${sessionHandle(sid)}"`);
      expect((await admin.post(`/api/admin/sessions/${sessionHandle(sid)}/end`)).status).toBe(200);
      expect(google.isTokenValid(aliceToken)).toBe(false);
      expect((await alice.fetch('/api/session')).status).toBe(401);
    } finally {
      google.setAutoApprove('alice@example.com');
    }
  });
});
