// Load on a second connector process that reports its event-loop delay (bench/loop-delay.ts preloaded):
// many signed-in people browsing, with the Drive double's own latency for the same listing subtracted,
// and many print jobs at once across four printers.

import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { GoogleDouble } from '../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../src/dev/sample-data.js';
import type { PanelClient } from '../test/support/browser-less-client.js';
import { timeCommand } from './commands.js';
import { type ConnectorBuild, type ConnectorProcess, startConnectorProcess } from './connector-process.js';
import { waitForEnd } from './context.js';
import type { LoadClientOptions, LoadClientResult } from './load-client.js';
import { signInFrom } from './load-users.js';
import type { LoopDelayPercentiles, LoopDelaySnapshot } from './loop-delay.js';
import type { BenchPrinterTarget } from './print-bench.js';
import { failed, measured, memoryRow, type Row } from './report.js';
import { watchRss } from './rss-sampler.js';
import { sleep } from './stats.js';

const WARM_UP_SECONDS = 2;

export interface LoadOptions {
  dir: string;
  /** The compiled connector (buildConnector). */
  build: ConnectorBuild;
  google: GoogleDouble;
  /** One account per client (benchUsers), each with a furnished My Drive. */
  users: string[];
  /** A token the double issued to the bench for users[0], for the double-only listing. */
  bearer: string;
  /** Requests per second per browsing client; none: each sends its next request when the last is answered. */
  browseRate?: number;
  printers: BenchPrinterTarget[];
  seconds: number;
  jobs: number;
  jobMB: number;
  /** A PDF of jobMB. */
  jobDocument: string;
  logFile?: string;
  cpuProfiles?: string;
}

export async function benchLoad(o: LoadOptions): Promise<Row[]> {
  const delayFile = path.join(o.dir, 'loop-delay.json');
  let connector: ConnectorProcess | undefined;
  try {
    connector = await startConnectorProcess({
      dir: o.dir,
      google: o.google,
      printers: o.printers.map((p, i) => ({ id: p.id, name: `Bench printer ${i + 1}`, uri: p.uri })),
      build: o.build,
      loopDelay: true,
      // Each panel signs in from its own address (X-Forwarded-For), as panels behind a proxy do.
      env: { BENCH_LOOP_DELAY_FILE: delayFile, TRUST_PROXY: 'loopback' },
      ...(o.logFile ? { logFile: o.logFile } : {}),
      ...(o.cpuProfiles ? { cpuProfiles: o.cpuProfiles } : {}),
    });
    const clients: PanelClient[] = [];
    for (const [i, email] of o.users.entries()) {
      clients.push(await signInFrom(connector.url, o.google, email, `10.0.${i >> 8}.${(i & 255) + 1}`));
    }
    const loop = loopDelay(connector.pid, delayFile);
    return [
      // Flat out (each client asks again the moment it is answered): how much one instance serves,
      // and what queueing does to latency when two cores are saturated. Then at a person's pace
      // (a tap every half second at most, per panel): the latency a person sees, and the target.
      ...(await browse(o, connector, clients, loop, undefined)),
      ...(await browse(o, connector, clients, loop, o.browseRate ?? PANEL_PACE)),
      ...(await printAtOnce(o, connector, clients, loop)),
    ];
  } catch (err) {
    return [failed({ section: 'Load', measure: 'load', runs: '' }, String(err))];
  } finally {
    await connector?.stop();
  }
}

/** Requests per second per panel: a person browsing taps at most about twice a second. */
const PANEL_PACE = 2;

async function browse(
  o: LoadOptions,
  connector: ConnectorProcess,
  clients: PanelClient[],
  loop: LoopDelay,
  rate: number | undefined,
): Promise<Row[]> {
  const section = `Browse, ${clients.length} clients${rate ? ` × ${rate}/s` : ', flat out'}`;
  const base = (measure: string) => ({ section, measure, runs: `${o.seconds} s` });
  try {
    // The listing the connector asks the double for, exactly as it asked it.
    const before = o.google.requests.length;
    await clients[0]!.json('/api/files?folderId=root');
    const list = o.google.requests
      .slice(before)
      .find((r) => r.method === 'GET' && r.path === '/drive/v3/files');
    if (!list) throw new Error('GET /api/files did not call files.list on the double');
    const listUrl = `${o.google.baseUrl}${list.path}?${new URLSearchParams(list.query)}`;
    const shape = {
      connections: clients.length,
      seconds: o.seconds,
      ...(rate ? { connectionRate: rate } : {}),
    };
    const doubleRun = { ...shape, url: listUrl, headers: { authorization: `Bearer ${o.bearer}` } };
    await load({ ...doubleRun, seconds: WARM_UP_SECONDS });
    const double = await load(doubleRun);
    const connectorRun = {
      ...shape,
      url: `${connector.url}/api/files?folderId=root`,
      cookies: clients.map((c) => c.sessionCookie),
    };
    await load({ ...connectorRun, seconds: WARM_UP_SECONDS });
    await loop.mark();
    const connectorLoad = await load(connectorRun);
    const delay = await loop.mark();
    const refused = connectorLoad.non2xx + connectorLoad.errors + connectorLoad.timeouts;
    return [
      measured(base('connector GET /api/files?folderId=root p50'), connectorLoad.p50, 'ms', undefined, 1),
      measured(base('connector GET /api/files?folderId=root p99'), connectorLoad.p99, 'ms', undefined, 1),
      measured(base('Drive double files.list alone p50'), double.p50, 'ms', undefined, 1),
      measured(base('Drive double files.list alone p99'), double.p99, 'ms', undefined, 1),
      measured(base('p50, double subtracted'), connectorLoad.p50 - double.p50, 'ms', undefined, 1),
      measured(
        base('p99, double subtracted'),
        connectorLoad.p99 - double.p99,
        'ms',
        rate ? { op: '<=', limit: 20 } : undefined,
        1,
      ),
      measured(
        base('connector requests answered (2xx)'),
        connectorLoad.requests - connectorLoad.non2xx,
        '',
        undefined,
        0,
      ),
      measured(base('connector non-2xx, errors and timeouts'), refused, '', { op: '<=', limit: 0 }, 0),
      measured(base('connector event-loop delay p99'), delay.p99, 'ms', undefined, 1),
    ];
  } catch (err) {
    return [failed(base('browse'), String(err))];
  }
}

async function printAtOnce(
  o: LoadOptions,
  connector: ConnectorProcess,
  clients: PanelClient[],
  loop: LoopDelay,
): Promise<Row[]> {
  const section = `${o.jobs} × ${o.jobMB} MB prints at once, ${o.printers.length} printers`;
  const base = (measure: string) => ({ section, measure, runs: '1' });
  try {
    const file = o.google.addFile({
      name: `bench-load-${o.jobMB}mb.pdf`,
      mimeType: 'application/pdf',
      parents: [SAMPLE_IDS.aliceRoot],
      content: await readFile(o.jobDocument),
      ownedBy: ['alice@example.com'],
      sharedWith: o.users,
    });
    const watch = watchRss(connector.pid);
    await loop.mark();
    const started = performance.now();
    const states = await Promise.all(
      Array.from({ length: o.jobs }, async (_, i) => {
        const client = clients[i % clients.length]!;
        const printer = o.printers[i % o.printers.length]!;
        const res = await client.post('/api/print', { fileId: file.id, printerId: printer.id });
        if (res.status !== 202) return `refused ${res.status}`;
        const { jobId } = (await res.json()) as { jobId: string };
        // As often as the panel asks (views/static/panel.js), so the polling is a panel's load.
        const job = await waitForEnd(client, `/api/print/${jobId}`, 300_000, 500);
        return job.state === 'completed' ? 'completed' : `${job.state} (${job.error?.code ?? 'no code'})`;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const delay = await loop.mark();
    const memory = watch.stop();
    for (const printer of o.printers)
      for (const f of await printer.spooledFiles()) await rm(f, { force: true });
    const completed = states.filter((s) => s === 'completed').length;
    const others = [...new Set(states.filter((s) => s !== 'completed'))].join(', ');
    return [
      measured(base('connector event-loop delay p99'), delay.p99, 'ms', { op: '<', limit: 50 }, 1),
      measured(base('connector event-loop delay max'), delay.max, 'ms', undefined, 1),
      {
        ...base('jobs completed'),
        value: `${completed} of ${o.jobs}${others ? ` (others: ${others})` : ''}`,
        target: `${o.jobs} of ${o.jobs}`,
        met: completed === o.jobs ? 'yes' : 'NO',
      },
      measured(base('time until the last job ended (500 ms polling)'), seconds, 's'),
      memoryRow(base('connector peak RSS above idle'), [memory]),
    ];
  } catch (err) {
    return [failed(base('print load'), String(err))];
  }
}

async function load(options: LoadClientOptions): Promise<LoadClientResult> {
  const { stdout } = await timeCommand(process.execPath, [
    '--import',
    'tsx',
    'bench/load-client.ts',
    JSON.stringify(options),
  ]);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as LoadClientResult;
}

export interface LoopDelay {
  /** Ends the current interval: its percentiles, and a fresh histogram from now on. */
  mark(): Promise<LoopDelayPercentiles>;
}

/** Reads what bench/loop-delay.ts writes in the connector; SIGUSR2 asks it to write at once. */
export function loopDelay(pid: number, file: string): LoopDelay {
  const read = async () =>
    JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Partial<LoopDelaySnapshot>;
  return {
    async mark() {
      const sentAt = Date.now();
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 500; i++) {
        const { interval } = await read();
        if (interval && interval.at >= sentAt) return interval;
        await sleep(10);
      }
      throw new Error('the connector did not write its event-loop delay (is bench/loop-delay.ts preloaded?)');
    },
  };
}
