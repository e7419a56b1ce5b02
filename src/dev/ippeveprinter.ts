// Runs a real CUPS ippeveprinter for integration tests and benchmarks.
// Facts checked on these machines (CUPS 2.4): ippeveprinter needs a running avahi-daemon even with
// `-r off`, and avahi needs the system D-Bus; `-k` keeps each document as SPOOLDIR/<id>-<job-name>.<ext>
// (name lower-cased, other characters as "_"); `-c /bin/true` ends jobs at once and also leaves an
// empty <id>-<job-name>.prn (the command's output); without `-c` a job "prints" for several seconds and
// a second Print-Job meanwhile gets server-error-busy.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { IppPrintSystem } from '../adapters/ipp-printer.js';
import { findExecutable, stopChild } from './child-process.js';

const run = promisify(execFile);

export interface IppEvePrinterOptions {
  /** document-format-supported. Default application/pdf, image/jpeg, image/pwg-raster. */
  formats?: string[];
  name?: string;
  /**
   * The print command (-c). Default /bin/true: jobs end at once. null: no command, so each job takes
   * several seconds and a second Print-Job is answered server-error-busy.
   */
  printCommand?: string | null;
  /** Keep received documents here (and leave them at stop); default: a fresh temporary folder, removed at stop. */
  spoolDir?: string;
}

export interface IppEvePrinter {
  uri: string;
  spoolDir: string;
  port: number;
  stop(): Promise<void>;
  /** Documents the printer kept (-k), found recursively, without the print command's .prn output. */
  spooledFiles(): Promise<string[]>;
}

const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** Whether ippeveprinter is installed (tests use describe.skipIf(!hasIppEvePrinter())). */
export function hasIppEvePrinter(): boolean {
  return findExecutable('ippeveprinter', SBIN_DIRS) !== null;
}

async function succeeds(file: string, args: string[]): Promise<boolean> {
  try {
    await run(file, args, { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Whether the system D-Bus accepts connections (a pid file may be left from an earlier boot). */
function systemBusAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect('/run/dbus/system_bus_socket');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const LOCK_DIR = join(tmpdir(), 'drive-print-connector-daemons.lock');

/** A cross-process lock (mkdir is atomic), so parallel test workers do not both start the daemons. */
async function withDaemonLock<T>(task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      // A worker that died holding the lock leaves it behind; it is stale after 30 s.
      try {
        if (Date.now() - statSync(LOCK_DIR).mtimeMs > 30_000)
          rmSync(LOCK_DIR, { recursive: true, force: true });
      } catch {
        // removed meanwhile
      }
      if (Date.now() > deadline) throw new Error('Timed out waiting for the D-Bus/avahi start lock.');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await task();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Starts the system D-Bus and avahi-daemon unless they already run; safe to call from many workers. */
export async function ensureAvahi(): Promise<void> {
  const avahi = findExecutable('avahi-daemon', SBIN_DIRS);
  if (!avahi)
    throw new Error('avahi-daemon is not installed; ippeveprinter needs it (apt-get install avahi-daemon).');
  if (await succeeds(avahi, ['--check'])) return;
  await withDaemonLock(async () => {
    if (await succeeds(avahi, ['--check'])) return;
    const dbus = findExecutable('dbus-daemon', SBIN_DIRS);
    if (!dbus) throw new Error('dbus-daemon is not installed; avahi-daemon needs it (apt-get install dbus).');
    if (!(await systemBusAnswers())) {
      mkdirSync('/run/dbus', { recursive: true });
      // dbus-daemon refuses to start while its pid file exists, even a stale one.
      rmSync('/run/dbus/pid', { force: true });
      await succeeds(dbus, ['--system', '--fork']);
    }
    // Exits 255 with "Daemon already running" when it is; --check below is the real test.
    await succeeds(avahi, ['-D', '--no-drop-root']);
    const deadline = Date.now() + 10_000;
    while (!(await succeeds(avahi, ['--check']))) {
      if (Date.now() > deadline)
        throw new Error('avahi-daemon did not start (is the system D-Bus running?).');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
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

// Printers a crashed test left running would keep ports and spool dirs; end them with the worker.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function waitUntilAnswering(child: ChildProcess, uri: string, output: () => string): Promise<void> {
  const printSystem = new IppPrintSystem({ probeTimeoutMs: 1000 });
  const printer = { id: 'eve', name: 'eve', uri };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`ippeveprinter exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    }
    if ((await printSystem.state(printer)) !== 'unreachable') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ippeveprinter did not answer at ${uri}: ${output()}`);
}

export async function startIppEvePrinter(options: IppEvePrinterOptions = {}): Promise<IppEvePrinter> {
  const executable = findExecutable('ippeveprinter', SBIN_DIRS);
  if (!executable) throw new Error('ippeveprinter is not installed (apt-get install cups-ipp-utils).');
  await ensureAvahi();
  const formats = options.formats ?? ['application/pdf', 'image/jpeg', 'image/pwg-raster'];
  const command = options.printCommand === undefined ? '/bin/true' : options.printCommand;
  let lastError: unknown;
  // Another process may take the free port before ippeveprinter binds it; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const spoolDir = options.spoolDir ?? (await mkdtemp(join(tmpdir(), 'ippeveprinter-')));
    const ownSpool = !options.spoolDir;
    const args = ['-r', 'off', '-p', String(port), '-n', 'localhost'];
    if (command) args.push('-c', command);
    args.push('-f', formats.join(','), '-k', '-d', spoolDir, options.name ?? `Test Printer ${port}`);
    const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    // Keep the last few kilobytes of its log for error messages; reading also stops the pipe filling up.
    let log = '';
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', keep.bind(null, Buffer.from('spawn failed')));
    const uri = `ipp://localhost:${port}/ipp/print`;
    try {
      await waitUntilAnswering(child, uri, () => log);
    } catch (err) {
      lastError = err;
      await stopChild(child, 3000);
      if (ownSpool) await rm(spoolDir, { recursive: true, force: true });
      continue;
    }
    return {
      uri,
      port,
      spoolDir,
      stop: async () => {
        await stopChild(child, 3000);
        if (ownSpool) await rm(spoolDir, { recursive: true, force: true });
      },
      spooledFiles: () => listFiles(spoolDir),
    };
  }
  throw lastError;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.prn'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
