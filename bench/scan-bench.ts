// Receiving one scan two ways: (a) curl uploads the bytes to the Drive double (a resumable session, one
// PUT), (c) curl sends them to the connector as the panel does (POST /api/scans, multipart) and the
// connector uploads them to Drive; the clock stops at the connector's 201.

import { SAMPLE_IDS } from '../src/dev/sample-data.js';
import { timeCommand } from './commands.js';
import type { BenchContext } from './context.js';
import { failed, failures, measured, memoryRow, type Row } from './report.js';
import { type RssWatch, watchRss } from './rss-sampler.js';
import { median } from './stats.js';

export async function benchScanSize(
  ctx: BenchContext,
  o: { sizeMB: number; bytes: number; document: string },
): Promise<Row[]> {
  const section = `Scan ${o.sizeMB} MB`;
  const runs = ctx.runsFor(o.sizeMB);
  const base = (measure: string) => ({ section, measure, runs: String(runs) });
  try {
    const a: number[] = [];
    const c: number[] = [];
    const rss: Array<ReturnType<RssWatch['stop']>> = [];
    const errors: string[] = [];
    for (let run = 0; run < runs; run++) {
      a.push(await uploadToDouble(ctx, o, `bench-direct-${o.sizeMB}mb-${run}.pdf`));
      const watch = watchRss(ctx.connector.pid);
      try {
        c.push(await scanThroughConnector(ctx, o, `bench-scan-${o.sizeMB}mb-${run}.pdf`));
        rss.push(watch.stop());
      } catch (err) {
        watch.stop();
        errors.push(String(err));
      }
    }
    const [ma, mc] = [median(a), median(c)];
    return [
      measured(base('(a) curl resumable upload to the Drive double'), ma, 's'),
      ...failures(base('(c) connector scan'), errors, runs),
      measured(base('(c) connector: POST /api/scans until 201'), mc, 's'),
      measured(base('c / a'), mc / ma, ''),
      measured(base('c − a'), mc - ma, 's'),
      memoryRow(
        base('connector peak RSS above idle during (c)'),
        rss,
        o.sizeMB >= 500 ? { op: '<=', limit: 64 } : undefined,
      ),
    ];
  } catch (err) {
    return [failed(base('scan'), String(err))];
  }
}

/** Starting the session is part of the time: the connector has to do it too. */
async function uploadToDouble(ctx: BenchContext, o: { bytes: number; document: string }, name: string) {
  const started = performance.now();
  const res = await fetch(`${ctx.google.baseUrl}/upload/drive/v3/files?uploadType=resumable`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ctx.bearer}`,
      'content-type': 'application/json; charset=UTF-8',
      'x-upload-content-type': 'application/pdf',
      'x-upload-content-length': String(o.bytes),
    },
    body: JSON.stringify({ name, parents: [SAMPLE_IDS.folderScans], mimeType: 'application/pdf' }),
  });
  const location = res.headers.get('location');
  if (res.status !== 200 || !location) throw new Error(`resumable start answered ${res.status}`);
  await timeCommand('curl', [
    '-sS',
    '-f',
    '-o',
    '/dev/null',
    // Without this curl waits for "100 Continue" before a large body.
    '-H',
    'Expect:',
    '-H',
    'Content-Type: application/pdf',
    '-T',
    o.document,
    location,
  ]);
  return (performance.now() - started) / 1000;
}

async function scanThroughConnector(ctx: BenchContext, o: { document: string }, name: string) {
  const { seconds, stdout } = await timeCommand('curl', [
    '-sS',
    '-H',
    'Expect:',
    '-H',
    `Cookie: ${ctx.client.sessionCookie}`,
    '-H',
    `X-CSRF-Token: ${ctx.client.csrf}`,
    '-F',
    `folderId=${SAMPLE_IDS.folderScans}`,
    '-F',
    `file=@${o.document};type=application/pdf;filename=${name}`,
    '-w',
    '\n%{http_code}',
    `${ctx.connector.url}/api/scans`,
  ]);
  const lines = stdout.trimEnd().split('\n');
  const status = lines.pop();
  if (status !== '201')
    throw new Error(`POST /api/scans answered ${status}: ${lines.join('\n').slice(0, 300)}`);
  return seconds;
}
