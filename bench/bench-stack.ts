// Everything the sections measure against, started once; each part is registered with `cleanup` as soon
// as it runs, so a failure further on still stops it.

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEsclScanner } from '../src/dev/escl-scanner.js';
import { type DoubleUser, startGoogleDouble } from '../src/dev/google-double/index.js';
import { startIppEvePrinter } from '../src/dev/ippeveprinter.js';
import { SAMPLE_USERS } from '../src/dev/sample-data.js';
import { PanelClient } from '../test/support/browser-less-client.js';
import { signIn } from '../test/support/google-double-session.js';
import type { Cleanup } from './cleanup.js';
import { buildConnector, startConnectorProcess } from './connector-process.js';
import type { BenchContext } from './context.js';
import { benchUsers, furnishDrive } from './load-users.js';
import type { BenchPrinterTarget } from './print-bench.js';
import type { BenchSettings } from './settings.js';

export interface BenchStack extends BenchContext {
  /** The load section's people (none when it does not run). */
  readers: DoubleUser[];
  /** A token the double issued to the bench for the first reader. */
  readerBearer: string;
  /** Four ippeveprinters when the load section runs, else one; the first is the main connector's. */
  printers: BenchPrinterTarget[];
}

export async function startBenchStack(s: BenchSettings, cleanup: Cleanup): Promise<BenchStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-bench-'));
  cleanup.add('temporary folder', () => rm(dir, { recursive: true, force: true }));
  const readers = s.sections.has('load') ? benchUsers(s.clients) : [];
  const google = await startGoogleDouble({
    clients: [],
    autoApprove: 'alice@example.com',
    users: [...SAMPLE_USERS, ...readers],
  });
  cleanup.add('Google double', () => google.close());
  for (const reader of readers) furnishDrive(google, reader.email);
  const bench = {
    clientId: 'bench-curl.apps.googleusercontent.com',
    clientSecret: randomBytes(16).toString('hex'),
    redirectUris: ['http://127.0.0.1/bench-callback'],
  };
  google.addClient(bench);
  const drive = 'https://www.googleapis.com/auth/drive';
  const readerBearer = readers[0] ? (await signIn(google, bench, readers[0].email, drive)).token : '';
  const { token: bearer } = await signIn(google, bench, 'alice@example.com', drive);

  const printerCount = s.sections.has('load') ? 4 : 1;
  const printers: BenchPrinterTarget[] = [];
  for (let i = 0; i < printerCount; i++) {
    const eve = await startIppEvePrinter({ formats: ['application/pdf'], printCommand: '/bin/true' });
    cleanup.add(`ippeveprinter ${i + 1}`, () => eve.stop());
    printers.push({ id: `eve${i + 1}`, uri: eve.uri, spooledFiles: () => eve.spooledFiles() });
  }
  const scanner = await startEsclScanner({
    name: 'Bench scanner',
    feederSheets: s.scanPages,
    refillFeeder: true,
  });
  cleanup.add('eSCL scanner double', () => scanner.close());

  const build = await buildConnector(dir);
  const mainDir = path.join(dir, 'connector');
  await mkdir(mainDir);
  const connector = await startConnectorProcess({
    build,
    dir: mainDir,
    google,
    printers: [{ id: printers[0]!.id, name: 'Bench printer', uri: printers[0]!.uri, escl: scanner.url }],
    // The largest scan plus room for the multipart envelope.
    env: { SCAN_MAX_MB: String(Math.min(4096, Math.ceil(Math.max(...s.sizes)) + 16)) },
    ...(s.connectorLog ? { logFile: s.connectorLog } : {}),
    ...(s.cpuProfiles ? { cpuProfiles: s.cpuProfiles } : {}),
  });
  cleanup.add('connector', () => connector.stop());
  const client = new PanelClient(connector.url);
  await client.signIn();
  return {
    dir,
    build,
    google,
    bearer,
    connector,
    client,
    runsFor: (sizeMB) => (sizeMB >= 500 ? s.largeRuns : s.runs),
    readers,
    readerBearer,
    printers,
  };
}
