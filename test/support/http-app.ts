import { readdir } from 'node:fs/promises';
import pino from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { PrinterConfig, PrintJobStore } from '../../src/domain/ports.js';
import type { RateLimitOptions } from '../../src/http/middleware/rate-limits.js';
import { createServices, type Services } from '../../src/wiring.js';
import { FakeDriveConnector } from '../fakes/fake-drive.js';
import { FakePrintSystem } from '../fakes/fake-print-system.js';
import { FakeScannerDevice } from '../fakes/fake-scanner.js';
import { FakeSignIn } from '../fakes/fake-sign-in.js';
import { InstantClock } from '../fakes/manual-clock.js';
import { testEnv } from './test-env.js';

/** createApp with fakes for Google and the printer, and helpers to sign in. */
export async function httpApp(
  options: {
    extraEnv?: Record<string, string>;
    printers?: PrinterConfig[];
    rateLimits?: RateLimitOptions;
    jobTimeoutMs?: number;
    /** Printers that have never answered (before the first refresh). */
    unreachablePrinters?: string[];
    /** How often, at most, an accepted job is asked about (default 1 ms: tests need not wait). */
    pollIntervalMs?: number;
    /** Job stores to use instead of the in-memory ones (e.g. one that fails). */
    printJobs?: PrintJobStore;
    /** Where the connector looks for OCRmyPDF, Ghostscript and LibreOffice (a PATH). */
    toolsPath?: string;
  } = {},
) {
  const { env, cleanup, dir } = testEnv({
    extra: options.extraEnv,
    ...(options.printers ? { printers: options.printers } : {}),
  });
  const config = loadConfig(env);
  const clock = new InstantClock();
  const signIn = new FakeSignIn();
  const drive = new FakeDriveConnector();
  const printer = new FakePrintSystem();
  const scanner = new FakeScannerDevice();
  for (const id of options.unreachablePrinters ?? []) printer.descriptions.set(id, null);
  const services: Services = createServices(config, pino({ level: 'silent' }), {
    clock,
    signIn,
    drives: drive,
    printSystem: printer,
    scannerDevice: scanner,
    pollIntervalMs: options.pollIntervalMs ?? 1,
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.jobTimeoutMs ? { jobTimeoutMs: options.jobTimeoutMs } : {}),
    ...(options.printJobs ? { printJobs: options.printJobs } : {}),
    ...(options.toolsPath ? { toolsPath: options.toolsPath } : {}),
    recordRetryMs: [5, 10],
  });
  await services.start();
  const app = createApp(services.deps);

  /** Signs an agent in as `email` through the real callback route; returns the agent and CSRF token. */
  async function signInAs(email: string, token = `ya29.test-${email}`) {
    drive.addUser(token, { email, name: email.split('@')[0] ?? email });
    const agent = request.agent(app);
    const start = await agent.get('/auth/google');
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    const code = signIn.approve(token);
    const cb = await agent.get(`/auth/google/callback?code=${code}&state=${encodeURIComponent(state)}`);
    if (cb.status !== 302 || cb.headers.location !== '/')
      throw new Error(`sign-in failed: ${cb.headers.location}`);
    const s = await agent.get('/api/session');
    return { agent: agent as TestAgent, csrf: s.body.csrfToken as string, token };
  }

  return {
    app,
    config,
    clock,
    signIn,
    drive,
    printer,
    scanner,
    services,
    dir,
    signInAs,
    tempFiles: () => readdir(config.tempDir),
    async close() {
      await services.close();
      await cleanup();
    },
  };
}
