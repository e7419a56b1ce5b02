import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stopChild } from '../src/dev/child-process.js';
import type { GoogleDouble } from '../src/dev/google-double/index.js';
import { freePort } from '../src/dev/ippeveprinter.js';
import { sleep } from './stats.js';

/** The connector as its own process (the compiled server), so that its memory can be read from /proc. */
export interface ConnectorProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** One entry of the connector's PRINTERS file. */
export interface BenchPrinter {
  id: string;
  name: string;
  uri: string;
  escl?: string;
}

/** What `buildConnector` made: the compiled entry point and the compiled event-loop probe. */
export interface ConnectorBuild {
  /** node's arguments as `npm start` gives them: its flags, then dist/src/server.js (absolute). */
  serverArgs: string[];
  /** bench/loop-delay.ts transpiled to plain JavaScript, for `node --import`. */
  loopDelay: string;
}

/**
 * Builds the connector as production ships it (`npm run build`: tsc into dist/), so the bench measures
 * what runs in the image: plain node on compiled JavaScript, not tsx. Under tsx's loader, with
 * googleapis' Drive module loaded, a process receiving 500 MB over plain http ran about 20 full garbage
 * collections and spent 0.7 CPU-seconds, against none and 0.26 s under plain node (see
 * docs/performance.md): tsx would charge the connector for a tool it never runs.
 */
export async function buildConnector(dir: string): Promise<ConnectorBuild> {
  const tsc = path.resolve('node_modules/typescript/bin/tsc');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build failed: ${out.slice(-2000)}`)),
    );
  });
  const ts = (await import('typescript')).default;
  const source = await readFile(path.resolve('bench/loop-delay.ts'), 'utf8');
  const loopDelay = path.join(dir, 'loop-delay.mjs');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  await writeFile(loopDelay, outputText);
  return { serverArgs: await startArguments(), loopDelay };
}

/**
 * node's arguments in package.json's start script (`node [flags] dist/src/server.js`), which the
 * Dockerfile's CMD repeats: the bench runs the connector with the same flags as production.
 */
async function startArguments(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(path.resolve('package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...args] = pkg.scripts.start.trim().split(/\s+/);
  const entry = args.at(-1);
  if (command !== 'node' || !entry?.endsWith('.js')) {
    throw new Error(`package.json's start script is not "node [flags] <file>.js": ${pkg.scripts.start}`);
  }
  return [...args.slice(0, -1), path.resolve(entry)];
}

export interface ConnectorProcessOptions {
  /** The build to run (buildConnector); without one, src/server.ts runs under tsx (the tests). */
  build?: ConnectorBuild;
  /** Its PRINTERS file, TEMP_DIR and audit log go here. */
  dir: string;
  google: GoogleDouble;
  printers: BenchPrinter[];
  /** Load the event-loop delay probe (bench/loop-delay.ts) before the connector. */
  loopDelay?: boolean;
  env?: Record<string, string>;
  /** Append its log (stdout and stderr) to this file; otherwise only the last of stderr is kept. */
  logFile?: string;
  /** Write a CPU profile (node --cpu-prof) into this folder when it stops. */
  cpuProfiles?: string;
}

// A bench that dies before its cleanup (an uncaught error, process.exit) must not leave connectors behind.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startConnectorProcess(options: ConnectorProcessOptions): Promise<ConnectorProcess> {
  await mkdir(path.join(options.dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const clientId = `bench-${port}.apps.googleusercontent.com`;
  const clientSecret = randomBytes(16).toString('hex');
  options.google.addClient({ clientId, clientSecret, redirectUris: [`${url}/auth/google/callback`] });
  const printers = path.join(options.dir, 'printers.json');
  await writeFile(printers, JSON.stringify(options.printers));
  const build = options.build;
  if (options.loopDelay && !build)
    throw new Error('the event-loop delay probe needs a build (buildConnector)');
  const preload = build && options.loopDelay ? ['--import', pathToFileURL(build.loopDelay).href] : [];
  // The flags go before the preload, the entry after it, as node wants them.
  const flags = build ? build.serverArgs.slice(0, -1) : [];
  const entry = build ? build.serverArgs.slice(-1) : ['--import', 'tsx', 'src/server.ts'];
  const profile = options.cpuProfiles ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfiles}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, ...flags, ...preload, ...entry], {
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: url,
      GOOGLE_CLIENT_ID: clientId,
      GOOGLE_CLIENT_SECRET: clientSecret,
      GOOGLE_BASE_URL: options.google.baseUrl,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      SESSION_STORE: 'memory',
      // Long enough for the whole bench; the default (300 s idle) would end a session between sections.
      SESSION_IDLE_SECONDS: '86400',
      SESSION_MAX_SECONDS: '86400',
      PRINTERS: printers,
      TEMP_DIR: path.join(options.dir, 'tmp'),
      AUDIT_LOG: path.join(options.dir, 'audit.log'),
      LOG_LEVEL: options.logFile ? 'info' : 'warn',
      ...options.env,
    },
    stdio: ['ignore', options.logFile ? 'pipe' : 'ignore', 'pipe'],
  });
  if (options.logFile) {
    const out = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
  // Its warnings would tear the table apart; the last of them is kept for an error message.
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  });
  const stop = () => stopChild(child, 5000);
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the connector exited (${child.exitCode}): ${log}`);
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 400) throw new Error(`the connector did not answer /healthz within 20 s: ${log}`);
      await sleep(50);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid as number, stop };
}
