import type { GoogleDouble } from '../src/dev/google-double/index.js';
import type { PanelClient } from '../test/support/browser-less-client.js';
import type { ConnectorBuild, ConnectorProcess } from './connector-process.js';
import { sleep } from './stats.js';

/** What every section measures against: one double, one connector process, one signed-in panel. */
export interface BenchContext {
  dir: string;
  google: GoogleDouble;
  /** An access token the double issued to the bench itself (for curl and autocannon). */
  bearer: string;
  /** The compiled connector every section's connector process runs. */
  build: ConnectorBuild;
  connector: ConnectorProcess;
  client: PanelClient;
  /** How many runs each measurement is the median of, by document size. */
  runsFor(sizeMB: number): number;
}

const ENDED = ['completed', 'failed', 'canceled'];

/**
 * Polls a job URL of the connector until it ends: by default every 10 ms (fine enough for a 0.25 s
 * target, cheap enough for one job); the panel itself polls every 500 ms.
 */
export async function waitForEnd(
  client: PanelClient,
  url: string,
  timeoutMs: number,
  everyMs = 10,
  // biome-ignore lint/suspicious/noExplicitAny: the job's JSON as the connector answers it
): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.json(url);
    if (ENDED.includes(job.state)) return job;
    if (Date.now() > until) throw new Error(`${url} still ${job.state} after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}
