// Printing one document three ways against the same ippeveprinter: (a) curl downloads it from the Drive
// double, (b) ipptool prints it, (c) the connector prints it from Drive through its HTTP API.

import { readFile, rm } from 'node:fs/promises';
import { SAMPLE_IDS } from '../src/dev/sample-data.js';
import { timeCommand } from './commands.js';
import { type BenchContext, waitForEnd } from './context.js';
import { machineBusySeconds, processCpuSeconds, withMachineCpu } from './cpu-meter.js';
import { failed, failures, measured, memoryRow, type Row } from './report.js';
import { type RssWatch, watchRss } from './rss-sampler.js';
import { median } from './stats.js';

export interface BenchPrinterTarget {
  id: string;
  uri: string;
  /** Documents the printer kept (ippeveprinter -k), deleted between runs so the disk does not fill. */
  spooledFiles(): Promise<string[]>;
}

export interface PrintSizeOptions {
  sizeMB: number;
  /** The generated PDF of that size. */
  document: string;
  printer: BenchPrinterTarget;
  /** CUPS' print-job.test. */
  ipptoolTest: string;
}

export async function benchPrintSize(ctx: BenchContext, o: PrintSizeOptions): Promise<Row[]> {
  const section = `Print ${o.sizeMB} MB`;
  const runs = ctx.runsFor(o.sizeMB);
  const base = (measure: string) => ({ section, measure, runs: String(runs) });
  try {
    const file = ctx.google.addFile({
      name: `bench-${o.sizeMB}mb.pdf`,
      mimeType: 'application/pdf',
      parents: [SAMPLE_IDS.aliceRoot],
      content: await readFile(o.document),
      ownedBy: ['alice@example.com'],
    } as never);
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    const both: number[] = [];
    // The machine's busy CPU seconds during a, b and c: how much of the cores each transfer took.
    const cpu = { a: [] as number[], b: [] as number[], c: [] as number[], connector: [] as number[] };
    const curl = () =>
      timeCommand('curl', [
        '-sS',
        '-f',
        '-o',
        '/dev/null',
        '-H',
        `Authorization: Bearer ${ctx.bearer}`,
        `${ctx.google.baseUrl}/drive/v3/files/${file.id}?alt=media`,
      ]);
    const ipptool = () =>
      timeCommand('ipptool', [
        '-f',
        o.document,
        '-d',
        'filetype=application/pdf',
        o.printer.uri,
        o.ipptoolTest,
      ]);
    const rss: Array<ReturnType<RssWatch['stop']>> = [];
    const errors: string[] = [];
    const timeoutMs = 60_000 + o.sizeMB * 1000;
    for (let run = 0; run < runs; run++) {
      const downloaded = await withMachineCpu(curl);
      a.push(downloaded.result.seconds);
      cpu.a.push(downloaded.cpuSeconds);
      const printed = await withMachineCpu(ipptool);
      b.push(printed.result.seconds);
      cpu.b.push(printed.cpuSeconds);
      await clearSpool(o.printer);
      // The two tools at once, as two separate programs: what this machine allows when both
      // transfers share its cores, the floor for any relay that overlaps them.
      const together = performance.now();
      await Promise.all([curl(), ipptool()]);
      both.push((performance.now() - together) / 1000);
      await clearSpool(o.printer);
      const watch = watchRss(ctx.connector.pid);
      const started = performance.now();
      const busyBefore = machineBusySeconds();
      const connectorBefore = processCpuSeconds(ctx.connector.pid);
      try {
        const res = await ctx.client.post('/api/print', { fileId: file.id, printerId: o.printer.id });
        if (res.status !== 202)
          throw new Error(`POST /api/print answered ${res.status}: ${await res.text()}`);
        const { jobId } = (await res.json()) as { jobId: string };
        const job = await waitForEnd(ctx.client, `/api/print/${jobId}`, timeoutMs);
        if (job.state !== 'completed')
          throw new Error(`the job ended ${job.state}: ${JSON.stringify(job.error)}`);
        c.push((performance.now() - started) / 1000);
        cpu.c.push(machineBusySeconds() - busyBefore);
        cpu.connector.push(processCpuSeconds(ctx.connector.pid) - connectorBefore);
        rss.push(watch.stop());
      } catch (err) {
        watch.stop();
        errors.push(String(err));
      }
      await clearSpool(o.printer);
    }
    const [ma, mb, mc] = [median(a), median(b), median(c)];
    const big = o.sizeMB >= 50;
    return [
      measured(base('(a) curl download from the Drive double'), ma, 's'),
      measured(base('(b) ipptool print-job.test to ippeveprinter'), mb, 's'),
      ...failures(base('(c) connector print'), errors, runs),
      measured(base('(c) connector: POST /api/print until completed'), mc, 's'),
      measured(base('c / max(a, b)'), mc / Math.max(ma, mb), '', big ? { op: '<=', limit: 1.15 } : undefined),
      measured(base('c / (a + b)'), mc / (ma + mb), ''),
      measured(
        base('c − max(a, b)'),
        mc - Math.max(ma, mb),
        's',
        o.sizeMB <= 1 ? { op: '<=', limit: 0.25 } : undefined,
      ),
      measured(base('(a ∥ b) curl and ipptool at the same time'), median(both), 's'),
      measured(base('c / (a ∥ b)'), mc / median(both), ''),
      measured(base('machine CPU seconds during (a)'), median(cpu.a), 's'),
      measured(base('machine CPU seconds during (b)'), median(cpu.b), 's'),
      measured(base('machine CPU seconds during (c)'), median(cpu.c), 's'),
      measured(base('of which the connector process'), median(cpu.connector), 's'),
      memoryRow(
        base('connector peak RSS above idle during (c)'),
        rss,
        o.sizeMB >= 500 ? { op: '<=', limit: 64 } : undefined,
      ),
    ];
  } catch (err) {
    return [failed(base('print'), String(err))];
  }
}

async function clearSpool(printer: BenchPrinterTarget): Promise<void> {
  for (const f of await printer.spooledFiles()) await rm(f, { force: true });
}
