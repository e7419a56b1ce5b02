// Benchmark: prints a large generated PDF through IppPrintSystem and reports speed and peak memory.
// Run: npx tsx bench/ipp-stream.ts [sizeMB]. The document is streamed, so peak RSS should stay far
// below the file size (the `ipp` package's own transport peaked at 451 MB for 200 MB).

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IppPrintSystem } from '../src/adapters/ipp-printer.js';
import { startVirtualPrinter } from '../src/dev/virtual-printer.js';
import { hasIppEvePrinter, startIppEvePrinter } from '../test/support/ippeveprinter.js';

export type IppBenchTarget = 'ippeveprinter' | 'virtual';

export interface IppBenchRow {
  target: IppBenchTarget;
  fileMB: number;
  seconds: number;
  mbPerSecond: number;
  /** Highest RSS of this process while sending, sampled every 50 ms. */
  peakRssMB: number;
  /** Peak RSS minus RSS just before sending. */
  rssGrowthMB: number;
}

export interface IppBenchOptions {
  sizeMB?: number;
  /** Default: ippeveprinter when installed, and the virtual printer (which runs in this process). */
  targets?: IppBenchTarget[];
}

const MB = 1024 * 1024;

/** A valid PDF header and trailer around padding; ippeveprinter with `-c /bin/true` does not parse it. */
async function writeDocument(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(MB, '%padding padding padding padding padding padding padding padding\n');
  out.write('%PDF-1.4\n');
  for (let written = 0; written < bytes; written += chunk.length) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end('\n%%EOF\n');
  await once(out, 'finish');
}

async function startTarget(target: IppBenchTarget, spoolDir: string) {
  if (target === 'ippeveprinter') {
    const eve = await startIppEvePrinter({ formats: ['application/pdf'] });
    return { uri: eve.uri, stop: () => eve.stop() };
  }
  const vp = await startVirtualPrinter({ spoolDir, documentFormats: ['application/pdf'] });
  return { uri: vp.uri, stop: () => vp.close() };
}

export async function runIppBench(options: IppBenchOptions = {}): Promise<IppBenchRow[]> {
  const sizeMB = options.sizeMB ?? 200;
  const targets = options.targets ?? [...(hasIppEvePrinter() ? (['ippeveprinter'] as const) : []), 'virtual'];
  const dir = await mkdtemp(join(tmpdir(), 'ipp-bench-'));
  const rows: IppBenchRow[] = [];
  try {
    const document = join(dir, 'bench.pdf');
    await writeDocument(document, sizeMB * MB);
    const printSystem = new IppPrintSystem({ requestTimeoutMs: 60_000 });
    for (const target of targets) {
      const printer = await startTarget(target, join(dir, `spool-${target}`));
      try {
        const config = { id: target, name: target, uri: printer.uri };
        // Asks for the printer's description now, so the timing below is the Print-Job alone.
        const description = await printSystem.describe(config);
        const before = process.memoryUsage().rss;
        let peak = before;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 50);
        const started = process.hrtime.bigint();
        try {
          await printSystem.submit(config, {
            documentPath: document,
            documentFormat: 'application/pdf',
            jobName: 'bench.pdf',
            userName: 'bench',
            ticket: {},
            printer: description,
          });
        } finally {
          clearInterval(sampler);
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        peak = Math.max(peak, process.memoryUsage().rss);
        rows.push({
          target,
          fileMB: sizeMB,
          seconds: round(seconds),
          mbPerSecond: round(sizeMB / seconds),
          peakRssMB: round(peak / MB),
          rssGrowthMB: round((peak - before) / MB),
        });
      } finally {
        await printer.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizeMB = process.argv[2] ? Number(process.argv[2]) : undefined;
  runIppBench({ sizeMB }).then(
    (rows) => console.table(rows),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
