// Scan now from the eSCL (AirScan) scanner double: POST /api/scan-jobs, as the panel does, until the
// job is completed (pages fetched, combined and uploaded to Drive).

import { SAMPLE_IDS } from '../src/dev/sample-data.js';
import { type BenchContext, waitForEnd } from './context.js';
import { failed, failures, measured, memoryRow, type Row } from './report.js';
import { type RssWatch, watchRss } from './rss-sampler.js';
import { median } from './stats.js';

export async function benchAirscan(
  ctx: BenchContext,
  o: { printerId: string; pages: number; runs: number },
): Promise<Row[]> {
  const section = `AirScan ${o.pages} pages`;
  const base = (measure: string) => ({ section, measure, runs: `${o.runs} (+1 warm-up)` });
  try {
    const times: number[] = [];
    const rss: Array<ReturnType<RssWatch['stop']>> = [];
    const errors: string[] = [];
    // The first job also makes the scanner double render (and cache) its pages; that is not measured.
    for (let run = -1; run < o.runs; run++) {
      const watch = watchRss(ctx.connector.pid);
      const started = performance.now();
      try {
        await scanNow(ctx, o, `bench-airscan-${run + 1}`);
        const memory = watch.stop();
        if (run < 0) continue;
        times.push((performance.now() - started) / 1000);
        rss.push(memory);
      } catch (err) {
        watch.stop();
        if (run >= 0) errors.push(String(err));
      }
    }
    return [
      ...failures(base('connector scan now'), errors, o.runs),
      measured(base('connector: POST /api/scan-jobs until completed'), median(times), 's'),
      memoryRow(base('connector peak RSS above idle'), rss),
    ];
  } catch (err) {
    return [failed(base('scan now'), String(err))];
  }
}

async function scanNow(
  ctx: BenchContext,
  o: { printerId: string; pages: number },
  name: string,
): Promise<void> {
  const res = await ctx.client.post('/api/scan-jobs', {
    printerId: o.printerId,
    folderId: SAMPLE_IDS.folderScans,
    name,
    source: 'feeder',
  });
  if (res.status !== 202) throw new Error(`POST /api/scan-jobs answered ${res.status}: ${await res.text()}`);
  const { scanJobId } = (await res.json()) as { scanJobId: string };
  const job = await waitForEnd(ctx.client, `/api/scan-jobs/${scanJobId}`, 300_000);
  if (job.state !== 'completed') throw new Error(`the scan ended ${job.state}: ${JSON.stringify(job.error)}`);
  if (job.pages !== o.pages) throw new Error(`the scan has ${job.pages} pages, not ${o.pages}`);
}
