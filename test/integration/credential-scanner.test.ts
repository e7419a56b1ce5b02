import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLogFile } from '../../src/adapters/audit-log-file.js';
import { type ScanOptions, type ScanReport, scanEverything } from '../../src/adapters/credential-scanner.js';
import { InMemorySessionIndex } from '../../src/adapters/memory-session-index.js';
import { createRedisClient, type RedisClient } from '../../src/adapters/redis-client.js';
import { RedisSessionIndex } from '../../src/adapters/redis-session-index.js';
import { createRedisSessionStore } from '../../src/adapters/redis-session-store.js';
import { AesGcmTokenSealer } from '../../src/adapters/token-sealer.js';
import { InstantClock } from '../fakes/manual-clock.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';
import { testEnv } from '../support/test-env.js';

const run = promisify(execFile);
const sealer = new AesGcmTokenSealer('s'.repeat(40));
const token = () => `ya29.a0Af${randomBytes(120).toString('base64url')}`;
const clock = new InstantClock();

let dir = '';
let paths: { auditLog: string; logFile: string; tempDir: string };

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-scan-'));
  paths = {
    auditLog: path.join(dir, 'audit', 'audit.log'),
    logFile: path.join(dir, 'logs', 'connector.log'),
    tempDir: path.join(dir, 'tmp'),
  };
  await mkdir(path.dirname(paths.logFile), { recursive: true });
  await mkdir(paths.tempDir, { recursive: true });
  // A realistic, clean state: two days of audit records, log lines, a temporary PDF.
  clock.set(Date.UTC(2026, 10, 21, 9));
  const audit = new AuditLogFile({ file: paths.auditLog, userKey: 'k'.repeat(32), clock });
  await audit.record({ event: 'signin', user: 'ada@example.com' });
  clock.set(Date.UTC(2026, 10, 22, 9));
  await audit.record({
    event: 'print.submitted',
    user: 'ada@example.com',
    fileId: '1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74',
  });
  await writeFile(
    paths.logFile,
    '{"level":30,"time":"2026-11-22T09:00:00.000Z","msg":"request done","req":{"headers":{"authorization":"[redacted]"}}}\n',
  );
  await writeFile(
    path.join(paths.tempDir, 'print-1.tmp'),
    Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(5000)]),
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function memoryOptions(sessions: unknown[] = [], extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    ...paths,
    sessionStore: { kind: 'memory', sessions: async () => sessions },
    extraSecrets: ['the-configured-client-secret'],
    ...extra,
  };
}

const kinds = (report: ScanReport) => report.findings.map((f) => [f.place, f.target, f.kind]);

describe('scanEverything', () => {
  it('finds nothing in a clean installation and says what it read', async () => {
    const index = new InMemorySessionIndex();
    await index.upsert({
      sid: 'a',
      deadline: Date.now() + 60_000,
      maxDeadline: Date.now() + 60_000,
      sealedToken: sealer.seal(token()),
      userEmail: 'a@x',
    });
    await index.upsert({
      sid: 'b',
      deadline: Date.now() - 60_000,
      maxDeadline: Date.now(),
      sealedToken: sealer.seal(token()),
      userEmail: 'b@x',
    });
    const sessions = [{ cookie: {}, token: sealer.seal(token()), user: { email: 'ada@example.com' } }];
    const report = await scanEverything(memoryOptions(sessions, { index }));
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.places).toEqual([
      { place: 'audit_log', target: paths.auditLog, files: 2, bytes: expect.any(Number) },
      { place: 'log_file', target: paths.logFile, files: 1, bytes: expect.any(Number) },
      { place: 'temp_dir', target: paths.tempDir, files: 1, bytes: 5009 },
      { place: 'session_store', target: 'memory session store', keys: 1, bytes: expect.any(Number) },
    ]);
    expect(report.sessions).toEqual({ active: 2, tokensHeld: 2, tokensPastDeadline: 1 });
    expect(report.tempFiles).toEqual([{ name: 'print-1.tmp', bytes: 5009, ageSeconds: expect.any(Number) }]);
  });

  it('finds a token planted in a log line, and shows it masked', async () => {
    const planted = token();
    await appendFile(paths.logFile, `{"level":50,"msg":"oops","header":"Bearer ${planted}"}\n`);
    const report = await scanEverything(memoryOptions());
    expect(kinds(report)).toEqual([['log_file', paths.logFile, 'google_access_token']]);
    expect(report.findings[0]?.preview).toBe(`${planted.slice(0, 6)}…`);
    expect(JSON.stringify(report)).not.toContain(planted.slice(0, 20));
  });

  it('finds a token in a temporary file, also across a chunk boundary among binary bytes', async () => {
    const planted = token();
    const file = path.join(paths.tempDir, 'scan-2.tmp');
    await writeFile(
      file,
      Buffer.concat([randomBytes(100).fill(0x80), Buffer.from(planted), randomBytes(300).fill(0xff)]),
    );
    for (const chunkBytes of [64, 101, 150, 4096]) {
      const report = await scanEverything(memoryOptions([], { chunkBytes }));
      expect(kinds(report), `chunk ${chunkBytes}`).toEqual([['temp_dir', file, 'google_access_token']]);
    }
  });

  it('finds configured secrets and tokens in rotated audit files', async () => {
    const rotated = path.join(path.dirname(paths.auditLog), 'audit-2026-11-21.log');
    await appendFile(rotated, '{"note":"the-configured-client-secret"}\n');
    const report = await scanEverything(memoryOptions());
    expect(kinds(report)).toEqual([['audit_log', rotated, 'configured_secret']]);
    expect(report.findings[0]?.preview).toBe('th…');
  });

  it('finds a token held in the clear in a memory session, and counts sessions without an index', async () => {
    const expired = {
      cookie: { expires: new Date(Date.now() - 1000).toISOString() },
      token: sealer.seal(token()),
    };
    const sessions = [{ token: sealer.seal(token()) }, { token: token() }, expired, { pendingAuth: {} }];
    const report = await scanEverything(memoryOptions(sessions));
    expect(kinds(report)).toEqual([['session_store', 'memory session #2', 'google_access_token']]);
    expect(report.sessions).toEqual({ active: 4, tokensHeld: 3, tokensPastDeadline: 1 });
  });

  it('reports what it could not read instead of claiming it is clean', async () => {
    const report = await scanEverything(memoryOptions([], { logFile: paths.tempDir }));
    expect(report.errors).toEqual([
      { place: 'log_file', target: paths.tempDir, message: expect.stringMatching(/EISDIR/) },
    ]);
  });

  it('treats missing places as empty', async () => {
    await rm(dir, { recursive: true, force: true });
    const report = await scanEverything(memoryOptions());
    expect(report.errors).toEqual([]);
    expect(report.places.map((p) => p.files ?? p.keys)).toEqual([0, 0, 0, 0]);
  });
});

describe.skipIf(!hasRedisServer())('scanEverything on Redis', () => {
  let redis: TestRedis;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await startRedis();
    client = await createRedisClient(redis.url, { onError: () => {} });
  });

  afterAll(async () => {
    if (client?.isOpen) client.destroy();
    await redis?.dispose();
  });

  beforeEach(async () => {
    await client.flushAll();
  });

  const redisOptions = (index = new RedisSessionIndex(client, { clock })): ScanOptions => ({
    ...paths,
    sessionStore: { kind: 'redis', client, prefix: 'dpc:' },
    index,
    now: () => clock.now(),
  });

  async function storeSealedSessions() {
    const index = new RedisSessionIndex(client, { clock });
    const now = clock.now();
    await index.upsert({
      sid: 'sidAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      deadline: now + 60_000,
      maxDeadline: now + 60_000,
      sealedToken: sealer.seal(token()),
      userEmail: 'a@x',
    });
    await index.upsert({
      sid: 'sidBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
      deadline: now - 60_000,
      maxDeadline: now,
      sealedToken: sealer.seal(token()),
      userEmail: 'b@x',
    });
    const store = createRedisSessionStore(client, { ttlSeconds: 300 });
    await new Promise<void>((ok, fail) =>
      store.set(
        'sidAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        {
          cookie: { originalMaxAge: 300_000, expires: new Date(Date.now() + 300_000) },
          token: sealer.seal(token()),
        } as never,
        (err) => (err ? fail(err) : ok()),
      ),
    );
    return index;
  }

  it('finds nothing when every token in Redis is sealed, and counts sessions and keys', async () => {
    const index = await storeSealedSessions();
    await client.set('someone-else:counter', '42');
    const report = await scanEverything(redisOptions(index));
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.places.filter((p) => p.place === 'session_store')).toEqual([
      { place: 'session_store', target: 'redis keys dpc:*', keys: 4, bytes: expect.any(Number) },
      { place: 'session_store', target: 'redis keys outside dpc:*', keys: 1, bytes: expect.any(Number) },
    ]);
    expect(report.sessions).toEqual({ active: 2, tokensHeld: 2, tokensPastDeadline: 1 });
  });

  it('finds a plaintext token in any key, of any type, and never prints the session id', async () => {
    await storeSealedSessions();
    const planted = token();
    await client.set('dpc:sess:sidCCCCCCCCCCCCCCCCCCCCCCCCCCCCC', JSON.stringify({ token: planted }));
    await client.hSet('legacy:cache', 'auth', `Bearer ${token()}`);
    await client.rPush('legacy:queue', ['x', `refresh 1//0g${randomBytes(40).toString('base64url')}`]);
    const report = await scanEverything(redisOptions());
    expect(kinds(report).sort()).toEqual([
      ['session_store', 'dpc:sess:sidCCC…', 'google_access_token'],
      ['session_store', 'legacy:cache', 'google_access_token'],
      ['session_store', 'legacy:queue', 'google_refresh_token'],
    ]);
    expect(JSON.stringify(report)).not.toContain('sidCCCCCCCCCCCCCC');
  });

  it('reports a Redis that went away as something it could not scan', async () => {
    await redis.stop();
    await new Promise((r) => setTimeout(r, 100));
    const report = await scanEverything(redisOptions());
    expect(report.errors.map((e) => e.place)).toEqual(['session_store', 'session_store']);
    await redis.restart();
  });
});

describe('npm run audit', () => {
  const cli = (env: Record<string, string>, args: string[] = []) =>
    run('npx', ['tsx', 'src/cli/audit.ts', ...args], { env: { ...process.env, ...env } }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );

  it('exits 0 when clean, 1 when it finds something, 2 when it cannot scan', async () => {
    const { env, cleanup, dir: envDir } = testEnv({ extra: { LOG_FILE: path.join(dir, 'server.log') } });
    try {
      await writeFile(env.LOG_FILE!, '{"msg":"started"}\n');
      const clean = await cli(env);
      expect(clean.code).toBe(0);
      expect(clean.stdout).toContain('session store: in memory of the running server; see /admin');
      expect(clean.stdout).toContain('Findings: none');

      const planted = token();
      await appendFile(env.LOG_FILE!, `{"msg":"${planted}"}\n`);
      const found = await cli(env, ['--json']);
      expect(found.code).toBe(1);
      const report = JSON.parse(found.stdout) as ScanReport;
      expect(report.findings).toEqual([
        {
          place: 'log_file',
          target: env.LOG_FILE,
          kind: 'google_access_token',
          preview: `${planted.slice(0, 6)}…`,
        },
      ]);
      expect(found.stdout).not.toContain(planted);

      const unreachable = await cli({ ...env, SESSION_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' });
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr).toMatch(/Redis at REDIS_URL is unreachable/);

      const invalid = await cli({ ...env, SESSION_SECRET: 'short' });
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toMatch(/SESSION_SECRET/);
      expect(envDir).toBeTruthy();
    } finally {
      await cleanup();
    }
  }, 60_000);
});
