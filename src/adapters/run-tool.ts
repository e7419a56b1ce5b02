// The one place the connector runs an external program (LibreOffice, Ghostscript).

import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { ConversionFailedError, ConversionTimeoutError, ConverterMissingError } from '../domain/errors.js';

export interface RunToolOptions {
  /** Absolute path of the executable (found on the PATH by the caller). */
  executable: string;
  /** Arguments, passed as they are: there is no shell, so nothing in them is interpreted. */
  args: readonly string[];
  /** Working folder; a scratch folder of this run, never the app's own. */
  cwd: string;
  /** The whole environment of the child: nothing is inherited, so no secret of the app leaks into it. */
  env: Readonly<Record<string, string>>;
  /** The run is killed, with every process it started, after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** For messages: the tool's name and the package that brings it (e.g. LibreOffice, libreoffice-writer-nogui). */
  tool: { name: string; install: string };
  /** A person's words for a non-zero exit; the default says the file may be damaged. */
  failureMessage?: string;
  /** Each line of standard error as it comes (for progress), besides the bounded copy kept for the cause. */
  onStderrLine?: (line: string) => void;
  /** Niceness of the child (e.g. 10 for OCR, so printing stays responsive); not applied when refused. */
  priority?: number;
}

export interface ToolOutput {
  /** The first 64 KiB of standard output. */
  stdout: string;
  /** The first 8 KiB of standard error, for the error's cause; never shown to a person. */
  stderr: string;
}

const STDOUT_LIMIT = 64 * 1024;
const STDERR_LIMIT = 8 * 1024;
/** A longer stderr line is cut to this many characters before onStderrLine sees it. */
const LINE_LIMIT = 4 * 1024;

/**
 * Runs a program with an argument array and no shell, in its own process group: LibreOffice forks
 * (oosplash starts soffice.bin), so at the time limit, on abort and after the program exits, the whole
 * group is sent SIGKILL and nothing it started outlives the run. Rejects with ConverterMissingError (415)
 * when the program cannot be started, ConversionTimeoutError (502) at the limit, ConversionFailedError
 * (502) on a non-zero exit or a signal, and the signal's reason on abort.
 */
export function runTool(options: RunToolOptions): Promise<ToolOutput> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<ToolOutput>((resolve, reject) => {
    const child = spawn(options.executable, [...options.args], {
      cwd: options.cwd,
      env: { ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    if (options.priority !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, options.priority);
      } catch {
        // The child has already ended, or lowering its priority is refused: it runs at ours.
      }
    }
    const stdout = boundedSink(STDOUT_LIMIT);
    const stderr = boundedSink(STDERR_LIMIT);
    const lines = options.onStderrLine ? lineSplitter(options.onStderrLine) : null;
    child.stdout.on('data', stdout.add);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.add(chunk);
      lines?.add(chunk);
    });

    let ending: 'timeout' | 'abort' | null = null;
    let spawnError: NodeJS.ErrnoException | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        // A negative pid names the process group the detached child leads.
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group has already ended.
      }
    };
    const timer = setTimeout(() => {
      ending ??= 'timeout';
      killGroup();
    }, options.timeoutMs);
    const onAbort = () => {
      ending ??= 'abort';
      killGroup();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
    });
    // The leader is gone; anything it forked that still runs (and holds our pipes open) goes with it.
    child.on('exit', (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      killGroup();
    });
    child.on('close', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      lines?.end();
      const output = { stdout: stdout.text(), stderr: stderr.text() };
      if (spawnError) return reject(startFailure(spawnError, options.tool));
      if (ending === 'abort') return reject(signal?.reason);
      if (ending === 'timeout') return reject(new ConversionTimeoutError());
      if (exit?.code === 0) return resolve(output);
      const how = exit?.signal ? `was killed by ${exit.signal}` : `exited with code ${exit?.code}`;
      reject(
        new ConversionFailedError(options.failureMessage, {
          cause: new Error(`${options.tool.name} ${how}: ${output.stderr.trim()}`),
        }),
      );
    });
  });
}

function startFailure(err: NodeJS.ErrnoException, tool: RunToolOptions['tool']): Error {
  if (err.code === 'ENOENT' || err.code === 'EACCES') {
    return new ConverterMissingError(
      `${tool.name} is not installed on the connector, so this file cannot be prepared for printing. ` +
        `An administrator can install ${tool.install}.`,
    );
  }
  return new ConversionFailedError(undefined, { cause: err });
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
function boundedSink(limit: number): { add: (chunk: Buffer) => void; text: () => string } {
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  return {
    add: (chunk) => {
      const taken = Math.min(Math.max(limit - kept, 0), chunk.length);
      if (taken > 0) chunks.push(chunk.subarray(0, taken));
      kept += taken;
      dropped += chunk.length - taken;
    },
    text: () => Buffer.concat(chunks).toString('utf8') + (dropped > 0 ? ` [${dropped} more bytes]` : ''),
  };
}

/**
 * Calls `onLine` with each whole line of a stream split into chunks anywhere (a line may span chunks,
 * a UTF-8 letter too). A line longer than LINE_LIMIT is cut there and the rest of it skipped, so a tool
 * writing without newlines cannot make this hold its whole output.
 */
function lineSplitter(onLine: (line: string) => void): { add: (chunk: Buffer) => void; end: () => void } {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  const keep = (part: Buffer) => {
    const taken = part.subarray(0, Math.max(LINE_LIMIT - pendingLength, 0));
    if (taken.length > 0) pending.push(taken);
    pendingLength += taken.length;
  };
  const emit = () => {
    const line = Buffer.concat(pending).toString('utf8').replace(/\r$/, '');
    pending = [];
    pendingLength = 0;
    try {
      onLine(line);
    } catch {
      // A listener's mistake must not end the run (nor the app, from inside a stream event).
    }
  };
  return {
    add: (chunk) => {
      let start = 0;
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
        keep(chunk.subarray(start, newline));
        emit();
        start = newline + 1;
      }
      keep(chunk.subarray(start));
    },
    end: () => {
      if (pendingLength > 0) emit();
    },
  };
}
