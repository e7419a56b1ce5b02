// Runs a real CUPS ippeveprinter for integration tests, benchmarks and the demo.
// Facts checked on these machines (CUPS 2.4): ippeveprinter needs a running avahi-daemon even with
// `-r off`, and avahi needs the system D-Bus; `-k` keeps each document as SPOOLDIR/<id>-<job-name>.<ext>
// (name lower-cased, other characters as "_"); `-c /bin/true` ends jobs at once and also leaves an
// empty <id>-<job-name>.prn (the command's output); without `-c` a job "prints" for several seconds and
// a second Print-Job meanwhile gets server-error-busy.
//
// Capabilities come either from -2/-s/-f (its built-in printer) or from an -a attributes file, never
// both: ippeveprinter refuses the mix. With -a it lists the file's attributes as they are (enum values
// must be numbers there; printer-state-reasons and the like are ignored) and document-format-supported
// is always image/pwg-raster and image/urf (a second one from the file is sent as a duplicate).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { enumValue } from '../adapters/ipp-codec.js';
import { mediaSizeFromName } from '../adapters/ipp-media.js';
import { IppPrintSystem } from '../adapters/ipp-printer.js';
import type { PrintQuality } from '../domain/ports.js';
import { findExecutable, stopChild } from './child-process.js';

const run = promisify(execFile);

/** A printer's capabilities for an -a attributes file; each defaults to a plain office printer. */
export interface IppEveAttributes {
  /** media-supported, and the sizes of media-col-database. Default A4, Letter. */
  media?: string[];
  /** media-ready and media-col-ready. Default the first of `media`. */
  mediaReady?: string[];
  /** false: no media-supported, -ready or -default, so the printer takes only media-col. Default true. */
  mediaKeyword?: boolean;
  /** finishings-supported keywords besides none. Default none. */
  finishings?: string[];
  /** page-ranges-supported. Default true. */
  pageRanges?: boolean;
  /** Two-sided printing. Default false. */
  duplex?: boolean;
  /** print-color-mode color. Default false. */
  color?: boolean;
  /** number-up-supported. Default [1]. */
  numberUp?: number[];
  /** print-quality-supported. Default all three. */
  qualities?: PrintQuality[];
  /** The upper bound of copies-supported. Default 99. */
  maxCopies?: number;
  /** More ATTR lines, appended as they are. */
  extra?: string;
}

export interface IppEvePrinterOptions {
  /** -f document-format-supported. Default application/pdf, image/jpeg, image/pwg-raster. Not with `attributes`. */
  formats?: string[];
  /** -2: two-sided printing. Not with `attributes`. */
  duplex?: boolean;
  /** -s pages per minute; a colour printer when colorPpm is above 0. Not with `attributes`. */
  speed?: { ppm: number; colorPpm?: number };
  /**
   * -a: the capabilities from an attributes file, as conf text (ATTR lines) or described. The printer
   * then takes only image/pwg-raster and image/urf.
   */
  attributes?: string | IppEveAttributes;
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
    // Any description at all means it answers IPP.
    const answers = await printSystem.describe(printer).then(
      () => true,
      () => false,
    );
    if (answers) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ippeveprinter did not answer at ${uri}: ${output()}`);
}

export async function startIppEvePrinter(options: IppEvePrinterOptions = {}): Promise<IppEvePrinter> {
  const executable = findExecutable('ippeveprinter', SBIN_DIRS);
  if (!executable) throw new Error('ippeveprinter is not installed (apt-get install cups-ipp-utils).');
  const capabilityArgs = capabilityArguments(options);
  const conf =
    options.attributes === undefined
      ? null
      : typeof options.attributes === 'string'
        ? options.attributes
        : ippEveConf(options.attributes);
  await ensureAvahi();
  const command = options.printCommand === undefined ? '/bin/true' : options.printCommand;
  let lastError: unknown;
  // Another process may take the free port before ippeveprinter binds it; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // One folder per printer for its attributes file and (unless given one) its spool: removed with it.
    const workDir = await mkdtemp(join(tmpdir(), 'ippeveprinter-'));
    const spoolDir = options.spoolDir ?? join(workDir, 'spool');
    const release = () => rm(workDir, { recursive: true, force: true });
    let child: ChildProcess | undefined;
    try {
      await mkdir(spoolDir, { recursive: true });
      const args = ['-r', 'off', '-p', String(port), '-n', 'localhost'];
      if (command) args.push('-c', command);
      if (conf !== null) {
        await writeFile(join(workDir, 'attributes.conf'), conf);
        args.push('-a', join(workDir, 'attributes.conf'));
      }
      args.push(...capabilityArgs, '-k', '-d', spoolDir, options.name ?? `Test Printer ${port}`);
      const started = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      running.add(started);
      started.once('exit', () => running.delete(started));
      // Keep the last few kilobytes of its log for error messages; reading also stops the pipe filling up.
      let log = '';
      const keep = (chunk: Buffer) => {
        log = (log + chunk.toString('utf8')).slice(-4000);
      };
      started.stdout?.on('data', keep);
      started.stderr?.on('data', keep);
      started.once('error', keep.bind(null, Buffer.from('spawn failed')));
      const uri = `ipp://localhost:${port}/ipp/print`;
      await waitUntilAnswering(started, uri, () => log);
      return {
        uri,
        port,
        spoolDir,
        stop: async () => {
          await stopChild(started, 3000);
          await release();
        },
        spooledFiles: () => listFiles(spoolDir),
      };
    } catch (err) {
      lastError = err;
      if (child) await stopChild(child, 3000);
      await release();
    }
  }
  throw lastError;
}

/** -2, -s and -f; ippeveprinter refuses them beside -a (usage error), so that is caught here first. */
function capabilityArguments(options: IppEvePrinterOptions): string[] {
  if (options.attributes !== undefined) {
    if (options.formats || options.duplex || options.speed) {
      throw new Error('ippeveprinter takes -2, -s and -f or an -a attributes file, not both.');
    }
    return [];
  }
  const formats = options.formats ?? ['application/pdf', 'image/jpeg', 'image/pwg-raster'];
  const args = ['-f', formats.join(',')];
  if (options.duplex) args.push('-2');
  if (options.speed) args.push('-s', `${options.speed.ppm},${options.speed.colorPpm ?? 0}`);
  return args;
}

/**
 * An ippeveprinter attributes file (ippserver's format: ATTR syntax name value[,value...]; collections
 * in braces with MEMBER lines; enums as numbers) for a printer with these capabilities.
 */
export function ippEveConf(attributes: IppEveAttributes): string {
  const media = attributes.media ?? ['iso_a4_210x297mm', 'na_letter_8.5x11in'];
  const ready = attributes.mediaReady ?? media.slice(0, 1);
  const duplex = attributes.duplex ?? false;
  const color = attributes.color ?? false;
  const numberUp = attributes.numberUp ?? [1];
  const qualities = attributes.qualities ?? ['draft', 'normal', 'high'];
  const finishings = ['none', ...(attributes.finishings ?? [])];
  const enums = (name: string, keywords: readonly string[]) =>
    keywords.map((keyword) => {
      const value = enumValue(name, keyword);
      if (value === undefined) throw new Error(`No ${name} enum value for ${keyword}.`);
      return value;
    });
  const size = (name: string) => {
    const s = mediaSizeFromName(name);
    if (!s) throw new Error(`The media name ${name} states no size.`);
    return `MEMBER integer x-dimension ${s.x} MEMBER integer y-dimension ${s.y}`;
  };
  const mediaCol = (name: string) =>
    `{ MEMBER collection media-size { ${size(name)} } MEMBER keyword media-size-name ${name} }`;
  const lines = [
    'ATTR text printer-make-and-model "Example Printer"',
    `ATTR rangeOfInteger copies-supported 1-${attributes.maxCopies ?? 99}`,
    'ATTR integer copies-default 1',
    `ATTR keyword sides-supported ${duplex ? 'one-sided,two-sided-long-edge,two-sided-short-edge' : 'one-sided'}`,
    'ATTR keyword sides-default one-sided',
    `ATTR boolean color-supported ${color}`,
    `ATTR keyword print-color-mode-supported ${color ? 'monochrome,color' : 'monochrome'}`,
    'ATTR keyword print-color-mode-default monochrome',
    ...(attributes.mediaKeyword === false
      ? []
      : [
          `ATTR keyword media-supported ${media.join(',')}`,
          `ATTR keyword media-ready ${ready.join(',')}`,
          `ATTR keyword media-default ${media[0]}`,
        ]),
    `ATTR collection media-col-database ${media.map(mediaCol).join(',')}`,
    `ATTR collection media-col-ready ${ready.map(mediaCol).join(',')}`,
    `ATTR collection media-col-default ${mediaCol(media[0]!)}`,
    // ippeveprinter checks a media-col's media-size against this.
    `ATTR collection media-size-supported ${media.map((m) => `{ ${size(m)} }`).join(',')}`,
    `ATTR boolean page-ranges-supported ${attributes.pageRanges ?? true}`,
    `ATTR integer number-up-supported ${numberUp.join(',')}`,
    'ATTR integer number-up-default 1',
    `ATTR enum orientation-requested-supported ${enums('orientation-requested', ['portrait', 'landscape']).join(',')}`,
    `ATTR enum orientation-requested-default ${enums('orientation-requested', ['portrait']).join(',')}`,
    `ATTR enum print-quality-supported ${enums('print-quality', qualities).join(',')}`,
    `ATTR enum print-quality-default ${enums('print-quality', ['normal']).join(',')}`,
    `ATTR enum finishings-supported ${enums('finishings', finishings).join(',')}`,
    `ATTR enum finishings-default ${enums('finishings', ['none']).join(',')}`,
    'ATTR resolution pwg-raster-document-resolution-supported 300dpi,600dpi',
    `ATTR keyword pwg-raster-document-type-supported ${color ? 'black_1,sgray_8,srgb_8' : 'black_1,sgray_8'}`,
    `ATTR keyword pwg-raster-document-sheet-back ${duplex ? 'rotated' : 'normal'}`,
    `ATTR keyword urf-supported V1.4,CP1,W8,RS300-600${color ? ',SRGB24' : ''}${duplex ? ',DM1' : ''}`,
  ];
  return `${[...lines, attributes.extra ?? ''].join('\n').trim()}\n`;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.prn'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
