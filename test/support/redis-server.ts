// Runs a throwaway redis-server for integration tests: no persistence, loopback only, its own port.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, stopChild } from '../../src/dev/child-process.js';

export interface TestRedis {
  url: string;
  port: number;
  /** Ends the server (SIGTERM, SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  /** Stops the server and deletes its directory. */
  dispose(): Promise<void>;
}

const EXTRA_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin'];

/** Whether redis-server is installed (tests use describe.skipIf(!hasRedisServer())). */
export function hasRedisServer(): boolean {
  return findExecutable('redis-server', EXTRA_DIRS) !== null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true when something on the port answers PING with +PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

// Servers a crashed test left running would keep ports; end them with the worker.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function spawnServer(
  executable: string,
  port: number,
  dir: string,
): { child: ChildProcess; log: () => string } {
  const child = spawn(
    executable,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => log };
}

async function waitForPing(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    }
    if (await pings(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port}: ${log()}`);
}

/** Like stopChild, but wakes a paused server first: it cannot act on SIGTERM while stopped. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
  return stopChild(child, 3000);
}

export async function startRedis(): Promise<TestRedis> {
  const executable = findExecutable('redis-server', EXTRA_DIRS);
  if (!executable) throw new Error('redis-server is not installed (apt-get install redis-server).');
  const dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
  let lastError: unknown;
  // Another process may take the free port before redis-server binds it; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let server = spawnServer(executable, port, dir);
    try {
      await waitForPing(server.child, port, server.log);
    } catch (err) {
      lastError = err;
      await stopServer(server.child);
      continue;
    }
    const stop = () => stopServer(server.child);
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop,
      async restart() {
        await stop();
        server = spawnServer(executable, port, dir);
        await waitForPing(server.child, port, server.log);
      },
      pause: () => server.child.kill('SIGSTOP'),
      resume: () => server.child.kill('SIGCONT'),
      async dispose() {
        await stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
