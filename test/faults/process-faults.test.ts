// The connector as operators run it: `src/server.ts` in its own process, killed with SIGKILL in the
// middle of a download, an IPP send, a scan upload and a conversion, then started again; and stopped
// with SIGTERM while jobs run. Sessions and jobs live in a real Redis, so the restarted process sees
// what the dead one left: TEMP_DIR must be empty once it serves, no converter it started may still
// run, and its unfinished jobs must be reported failed when someone asks about them.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { startVirtualPrinter, type VirtualPrinter } from '../../src/dev/virtual-printer.js';
import { makeDocx } from '../fixtures/documents.js';
import { PanelClient } from '../support/browser-less-client.js';
import { type FaultyIppPrinter, startFaultyIppPrinter } from '../support/faulty-ipp-printer.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';
import { sleep, until } from '../support/until.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLIENT_ID = 'process-faults.apps.googleusercontent.com';
const CLIENT_SECRET = 'process-faults-client-secret-not-real';
const hasLibreOffice = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v soffice || command -v libreoffice'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Processes (other than this one) whose working folder lies inside `dir`: converters we started. */
function processesWorkingIn(dir: string): number[] {
  const root = path.resolve(dir) + path.sep;
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return `${readlinkSync(`/proc/${n}/cwd`)}${path.sep}`.startsWith(root);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(!hasRedisServer())('the service process under kill -9 and SIGTERM', () => {
  let dir: string;
  let redis: TestRedis;
  let google: GoogleDouble;
  let upstream: VirtualPrinter;
  let printer: FaultyIppPrinter;
  let port: number;
  let env: Record<string, string>;
  let child: ChildProcess | null = null;
  let output = '';
  let client: PanelClient;
  const tempDir = () => env.TEMP_DIR as string;
  const tempFiles = () => readdirSync(tempDir());

  /** Starts `node --import tsx src/server.ts`; resolves once /healthz answers, with the time it took. */
  async function startConnector(extra: Record<string, string> = {}): Promise<{ emptyWhenServing: string[] }> {
    output = '';
    const started = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout?.on('data', (d) => {
      output += d;
    });
    started.stderr?.on('data', (d) => {
      output += d;
    });
    child = started;
    await until(
      'the connector to serve',
      async () => {
        if (started.exitCode !== null) throw new Error(`connector exited early: ${output}`);
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
      },
      60_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${output}`);
    });
    // The start-up sweep runs before the port is served: what is left now was left by the service.
    return { emptyWhenServing: tempFiles() };
  }

  function exitOf(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
    }
    return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  async function kill9(): Promise<void> {
    const proc = child as ChildProcess;
    const exited = exitOf(proc);
    proc.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    child = null;
  }

  /** Every audit record on disk (the log rotates at midnight UTC). */
  function auditRecords(): Array<{ event: string; detail?: Record<string, unknown> }> {
    const logDir = path.dirname(env.AUDIT_LOG as string);
    return readdirSync(logDir)
      .flatMap((n) => readFileSync(path.join(logDir, n), 'utf8').split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  async function print(fileId: string): Promise<string> {
    const res = await client.post('/api/print', { fileId, printerId: 'demo' });
    expect(res.status).toBe(202);
    return ((await res.json()) as { jobId: string }).jobId;
  }

  const job = (jobId: string) => client.json(`/api/print/${jobId}`);

  /** After a restart: the dead process's job is reported failed, and the audit log says so. */
  async function expectReportedFailed(jobId: string): Promise<void> {
    const failed = await until('the orphaned job to be reported failed', async () => {
      const j = await job(jobId);
      return j.state === 'failed' ? j : undefined;
    });
    expect(failed.error.code).toBe('connector_stopped');
    expect(
      auditRecords().some(
        (r) =>
          r.event === 'print.failed' && r.detail?.jobId === jobId && r.detail?.code === 'connector_stopped',
      ),
    ).toBe(true);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dpc-process-'));
    redis = await startRedis();
    google = await startGoogleDouble({ clients: [], autoApprove: 'alice@example.com' });
    upstream = await startVirtualPrinter({
      spoolDir: path.join(dir, 'printed'),
      documentFormats: ['application/pdf', 'image/jpeg'],
    });
    printer = await startFaultyIppPrinter({ upstreamUri: upstream.uri });
    port = await freePort();
    google.addClient({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`http://127.0.0.1:${port}/auth/google/callback`],
    });
    mkdirSync(path.join(dir, 'printed'), { recursive: true });
    writeFileSync(
      path.join(dir, 'printers.json'),
      JSON.stringify([{ id: 'demo', name: 'Demo MFP', uri: printer.uri }]),
    );
    env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      GOOGLE_CLIENT_ID: CLIENT_ID,
      GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
      GOOGLE_BASE_URL: google.baseUrl,
      SESSION_SECRET: 'process-faults-session-secret-0123456789abcdef',
      SESSION_STORE: 'redis',
      REDIS_URL: redis.url,
      PRINTERS: path.join(dir, 'printers.json'),
      TEMP_DIR: path.join(dir, 'tmp'),
      AUDIT_LOG: path.join(dir, 'audit', 'audit.log'),
      LOG_LEVEL: 'warn',
      INSTANCE_LEASE_SECONDS: '1',
      SHUTDOWN_GRACE_SECONDS: '1',
    };
    await startConnector();
    client = new PanelClient(`http://127.0.0.1:${port}`);
    await client.signIn();
  }, 120_000);

  afterAll(async () => {
    if (child) {
      const exited = exitOf(child);
      child.kill('SIGKILL');
      await exited;
    }
    for (const pid of dir ? processesWorkingIn(dir) : []) process.kill(pid, 'SIGKILL');
    await printer?.close();
    await upstream?.close();
    await google?.close();
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 during a download: after the restart TEMP_DIR is empty and the job is reported failed', async () => {
    google.faults.stallDownload(SAMPLE_IDS.fileWelcomePdf, 200, 1);
    const jobId = await print(SAMPLE_IDS.fileWelcomePdf);
    await until(
      'the download to be under way',
      async () => (await job(jobId)).state === 'downloading' && tempFiles().length > 0,
    );
    await kill9();
    expect(tempFiles().length).toBeGreaterThan(0); // the dead process left its download behind
    const { emptyWhenServing } = await startConnector();
    expect(emptyWhenServing).toEqual([]);
    await expectReportedFailed(jobId);
    google.faults.clear();
  });

  it('kill -9 during the IPP send: the same, and the restarted service prints again', async () => {
    printer.arm('Print-Job', { kind: 'hang' });
    const jobId = await print(SAMPLE_IDS.fileWelcomePdf);
    await until('the send to be under way', async () => (await job(jobId)).state === 'sending');
    await kill9();
    await printer.clear();
    const { emptyWhenServing } = await startConnector();
    expect(emptyWhenServing).toEqual([]);
    await expectReportedFailed(jobId);
    // The restarted service prints again.
    const next = await print(SAMPLE_IDS.fileWelcomePdf);
    await until('the next job to complete', async () => (await job(next)).state === 'completed');
  });

  it('kill -9 during a scan upload: the partial upload is gone after the restart', async () => {
    const boundary = 'process-faults-boundary';
    const session = client.sessionCookie;
    const csrf = client.csrf;
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/scans',
      headers: {
        cookie: session,
        'x-csrf-token': csrf,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'transfer-encoding': 'chunked',
      },
    });
    request.on('error', () => undefined); // the server dies mid-request
    request.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="folderId"\r\n\r\nroot\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n` +
        'Content-Type: application/pdf\r\n\r\n%PDF-1.4\n',
    );
    request.write(Buffer.alloc(256 * 1024, 0x20));
    await until('the upload to reach TEMP_DIR', async () => tempFiles().length > 0);
    await kill9();
    request.destroy();
    expect(tempFiles().length).toBeGreaterThan(0);
    const { emptyWhenServing } = await startConnector();
    expect(emptyWhenServing).toEqual([]);
  });

  it.skipIf(!hasLibreOffice)(
    'kill -9 during a conversion: LibreOffice is stopped by the next start, TEMP_DIR is empty, the job is failed',
    async () => {
      // Long enough that LibreOffice is still converting when the connector is killed, however
      // loaded the machine (a short document may be done between the check and the kill).
      const long = google.addFile({
        name: 'Long report.docx',
        mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        parents: [SAMPLE_IDS.aliceRoot],
        content: makeDocx(
          Array.from({ length: 6000 }, (_, i) => `Paragraph ${i + 1} of a long report that takes a while.`),
        ),
        ownedBy: ['alice@example.com'],
      } as never);
      const jobId = await print(long.id);
      await until('LibreOffice to be converting', async () => {
        const j = await job(jobId);
        return j.step === 'convert' && processesWorkingIn(tempDir()).length > 0;
      });
      await kill9();
      // The converter outlived the connector (its own process group).
      expect(processesWorkingIn(tempDir()).length).toBeGreaterThan(0);
      const { emptyWhenServing } = await startConnector();
      expect(emptyWhenServing).toEqual([]);
      await until(
        'the leftover converter to be gone',
        async () => processesWorkingIn(tempDir()).length === 0,
      );
      await sleep(300);
      expect(tempFiles()).toEqual([]);
      await expectReportedFailed(jobId);
    },
    60_000,
  );

  it('SIGTERM with a job stuck at the printer: 503 for new requests, the job failed after the grace period, files deleted, exit 0, sessions kept', async () => {
    const token = google.issuedTokens.at(-1)?.accessToken as string;
    printer.arm('Print-Job', { kind: 'hang' });
    const jobId = await print(SAMPLE_IDS.fileWelcomePdf);
    await until('the send to be under way', async () => (await job(jobId)).state === 'sending');
    const proc = child as ChildProcess;
    const exited = exitOf(proc);
    proc.kill('SIGTERM');
    const during = await until('the 503', async () => {
      const res = await client.fetch('/api/files?folderId=root');
      return res.status === 503 ? res : undefined;
    });
    expect(await during.json()).toEqual({ error: { code: 'shutting_down', message: expect.any(String) } });
    expect(during.headers.get('retry-after')).toBe('5');
    expect(await exited).toEqual({ code: 0, signal: null });
    child = null;
    await printer.clear();
    expect(tempFiles()).toEqual([]);
    // Sessions live in Redis for the other instances: nothing was revoked.
    expect(google.revokedTokens).not.toContain(token);
    // The next test lets a job finish within the grace period.
    await startConnector({ SHUTDOWN_GRACE_SECONDS: '20' });
    expect((await client.fetch('/api/session')).status).toBe(200);
    const failed = await job(jobId);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'connector_stopped' } });
  });

  it('SIGTERM with a job that finishes within the grace period: it completes, then exit 0', async () => {
    const jobId = await print(SAMPLE_IDS.fileWelcomePdf);
    const proc = child as ChildProcess;
    const exited = exitOf(proc);
    proc.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    child = null;
    expect(tempFiles()).toEqual([]);
    await startConnector();
    expect((await job(jobId)).state).toBe('completed');
  });

  it('SIGTERM with sessions only in memory: they die with the process, so their tokens are revoked', async () => {
    const proc = child as ChildProcess;
    const exited = exitOf(proc);
    proc.kill('SIGKILL');
    await exited;
    child = null;
    await startConnector({ SESSION_STORE: 'memory', REDIS_URL: '' });
    const memoryClient = new PanelClient(`http://127.0.0.1:${port}`);
    await memoryClient.signIn();
    const token = google.issuedTokens.at(-1)?.accessToken as string;
    const memoryProc = child as unknown as ChildProcess;
    const memoryExit = exitOf(memoryProc);
    memoryProc.kill('SIGTERM');
    expect(await memoryExit).toEqual({ code: 0, signal: null });
    child = null;
    expect(google.revokedTokens).toContain(token);
  });
});
