import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { GoogleDouble } from '../src/dev/google-double/index.js';

/** The connector as its own process (`src/server.ts`), so that its memory can be read from /proc. */
export interface ConnectorProcess {
  url: string;
  pid: number;
  /** Resident and high-water memory of the connector process, in MB. */
  memory(): { rssMB: number; hwmMB: number };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export async function startConnectorProcess(options: {
  dir: string;
  google: GoogleDouble;
  printerUri: string;
}): Promise<ConnectorProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const clientId = 'bench-connector.apps.googleusercontent.com';
  const clientSecret = randomBytes(16).toString('hex');
  options.google.addClient({ clientId, clientSecret, redirectUris: [`${url}/auth/google/callback`] });
  const printers = path.join(options.dir, 'printers.json');
  writeFileSync(printers, JSON.stringify([{ id: 'demo', name: 'Bench printer', uri: options.printerUri }]));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: url,
      GOOGLE_CLIENT_ID: clientId,
      GOOGLE_CLIENT_SECRET: clientSecret,
      GOOGLE_BASE_URL: options.google.baseUrl,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      PRINTERS: printers,
      TEMP_DIR: path.join(options.dir, 'tmp'),
      AUDIT_LOG: path.join(options.dir, 'audit.log'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const status = (field: string) => {
    const text = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
    return kb / 1024;
  };
  return {
    url,
    pid: child.pid as number,
    memory: () => ({ rssMB: status('VmRSS'), hwmMB: status('VmHWM') }),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
