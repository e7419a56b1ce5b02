// `npm run bench`: issue 11's side-by-side measurements in one run. Starts the Drive double (in this
// process), real ippeveprinters (-c /bin/true), the eSCL scanner double and the connector as its own
// process; prints one table and writes it, with the machine, to docs/benchmarks.md. Targets are shown,
// not asserted: the exit code is non-zero only when something could not be measured or a run failed.

import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { benchAirscan } from './airscan-bench.js';
import { type BenchStack, startBenchStack } from './bench-stack.js';
import { Cleanup } from './cleanup.js';
import { writePdf } from './documents.js';
import { benchLoad } from './load-bench.js';
import { notes } from './notes.js';
import { benchOcr } from './ocr-bench.js';
import { benchPrintSize } from './print-bench.js';
import { markdownTable, measured, type Row, writeReport } from './report.js';
import { rssOf } from './rss-sampler.js';
import { benchScanSize } from './scan-bench.js';
import { type BenchSettings, commandLine, settings } from './settings.js';
import { MB } from './stats.js';

async function main(): Promise<void> {
  const s = settings(process.env);
  if (!existsSync(s.ipptoolTest))
    throw new Error(`${s.ipptoolTest} not found (apt-get install cups-ipp-utils)`);
  const cleanup = new Cleanup();
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping everything the bench started`);
    void cleanup.releaseAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const rows: Row[] = [];
  try {
    const stack = await startBenchStack(s, cleanup);
    // Load first, while the double (in this process) holds little: the large documents stay in its
    // memory, and its garbage collection would add to the latency that is subtracted.
    const loadRows = s.sections.has('load') ? await load(stack, s) : [];
    const idleAtStart = rssOf(stack.connector.pid) / MB;
    rows.push(...(await documents(stack, s)));
    if (s.sections.has('airscan')) {
      rows.push(
        ...(await benchAirscan(stack, {
          printerId: stack.printers[0]!.id,
          pages: s.scanPages,
          runs: s.runs,
        })),
      );
    }
    if (s.sections.has('ocr')) {
      rows.push(
        ...(await benchOcr(stack, {
          pages: s.ocrPages,
          runs: s.runs,
          printer: stack.printers[0]!,
          ...(s.connectorLog ? { logFile: s.connectorLog } : {}),
          ...(s.cpuProfiles ? { cpuProfiles: s.cpuProfiles } : {}),
        })),
      );
    }
    // "Above idle" is above the RSS just before each operation; these show how far idle itself moved.
    const idleRow = (measure: string, mb: number) =>
      measured({ section: 'Connector', measure, runs: '' }, mb, 'MB', undefined, 1);
    rows.push(
      idleRow('idle RSS after sign-in, before any job', idleAtStart),
      idleRow('idle RSS after the print, scan, AirScan and OCR sections', rssOf(stack.connector.pid) / MB),
      ...loadRows,
    );
  } finally {
    await cleanup.releaseAll();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }

  console.log(markdownTable(rows));
  await writeReport(s.report, { rows, command: commandLine(process.env), notes: notes(s) });
  console.log(`\nWritten to ${s.report}.`);
  if (rows.some((r) => r.value.startsWith('not measured') || r.value.includes(' runs failed: '))) {
    process.exitCode = 1;
  }
}

/** Print and scan rows for every size, prints first; one generated document per size at a time. */
async function documents(stack: BenchStack, s: BenchSettings): Promise<Row[]> {
  const printRows: Row[] = [];
  const scanRows: Row[] = [];
  if (!s.sections.has('print') && !s.sections.has('scan')) return [];
  for (const sizeMB of s.sizes) {
    const document = path.join(stack.dir, `bench-${sizeMB}mb.pdf`);
    const bytes = Math.round(sizeMB * MB);
    await writePdf(document, bytes);
    try {
      if (s.sections.has('print')) {
        const options = { sizeMB, document, printer: stack.printers[0]!, ipptoolTest: s.ipptoolTest };
        printRows.push(...(await benchPrintSize(stack, options)));
      }
      if (s.sections.has('scan')) scanRows.push(...(await benchScanSize(stack, { sizeMB, bytes, document })));
    } finally {
      await rm(document, { force: true });
    }
  }
  return [...printRows, ...scanRows];
}

async function load(stack: BenchStack, s: BenchSettings): Promise<Row[]> {
  const dir = path.join(stack.dir, 'load');
  await mkdir(dir);
  const jobDocument = path.join(stack.dir, `bench-load-${s.jobMB}mb.pdf`);
  await writePdf(jobDocument, Math.round(s.jobMB * MB));
  try {
    return await benchLoad({
      dir,
      build: stack.build,
      google: stack.google,
      users: stack.readers.map((r) => r.email),
      bearer: stack.readerBearer,
      ...(s.browseRate ? { browseRate: s.browseRate } : {}),
      printers: stack.printers,
      ...(s.connectorLog ? { logFile: s.connectorLog } : {}),
      ...(s.cpuProfiles ? { cpuProfiles: s.cpuProfiles } : {}),
      seconds: s.loadSeconds,
      jobs: s.jobs,
      jobMB: s.jobMB,
      jobDocument,
    });
  } finally {
    await rm(jobDocument, { force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
