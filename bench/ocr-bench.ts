// Searchable scans (issue 12): the same scan of text pages sent to POST /api/scans with and without
// ocr=true, so OCR's own time per page is the difference; the memory of the OCR processes, which the
// connector's RSS does not include; two OCR scans and a print at once on a second connector that
// reports its event-loop delay (bench/loop-delay.ts preloaded, as in the load section); and the file
// sizes the quality choice gives on scan-like colour pages.

import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StreamingPdfCombiner } from '../src/adapters/pdf-combiner.js';
import { SAMPLE_IDS } from '../src/dev/sample-data.js';
import { PanelClient } from '../test/support/browser-less-client.js';
import { pagesToPdf, renderTextPage, textPageProgram } from '../test/support/text-page.js';
import { timeCommand } from './commands.js';
import { type ConnectorProcess, startConnectorProcess } from './connector-process.js';
import { type BenchContext, waitForEnd } from './context.js';
import { writePdf } from './documents.js';
import { loopDelay } from './load-bench.js';
import type { LoopDelayPercentiles } from './loop-delay.js';
import type { BenchPrinterTarget } from './print-bench.js';
import { failed, failures, measured, memoryRow, type Row } from './report.js';
import { type RssWatch, rssOf, watchRss } from './rss-sampler.js';
import { MB, median, sleep } from './stats.js';

const SECTION = 'OCR, 300 dpi A4 text pages';
const DPI = 300;
/** The languages of the pages (Dutch and English prose), as the panel of a Dutch person asks. */
const LANGUAGES = 'nld+eng';
/** The document printed while OCR runs: a print job of the size the load section uses. */
const PRINT_MB = 10;
/** Pages of the scan-like colour document whose sizes the quality choice is measured on. */
const SIZE_PAGES = 3;
/** The OCR processes are sampled this often: each lives for seconds, a sample costs a /proc walk. */
const TREE_SAMPLE_MS = 100;
/**
 * Two OCR scans with a print run once: one run is already about 40 s of event-loop samples (every
 * 10 ms), and three would take the section past its three minutes.
 */
const TOGETHER_RUNS = 1;
/** Linux reports /proc/<pid>/stat times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

export interface OcrBenchOptions {
  /** Pages of each OCR scan (BENCH_OCR_PAGES). */
  pages: number;
  runs: number;
  /** The printer of the print that runs alongside OCR. */
  printer: BenchPrinterTarget;
  logFile?: string;
  cpuProfiles?: string;
}

export async function benchOcr(ctx: BenchContext, o: OcrBenchOptions): Promise<Row[]> {
  const dir = path.join(ctx.dir, 'ocr');
  try {
    await mkdir(dir, { recursive: true });
    const documents = await textDocuments(dir, o.pages);
    return [
      ...(await perPage(ctx, o, documents)),
      ...(await alongsidePrinting(ctx, o, dir, documents.scan)),
      ...(await sizes(ctx, dir)),
    ];
  } catch (err) {
    return [failed({ section: SECTION, measure: 'OCR', runs: '' }, String(err))];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- Seconds per page and memory -------------------------------------------------------------------

async function perPage(
  ctx: BenchContext,
  o: OcrBenchOptions,
  documents: { scan: string; warmUp: string },
): Promise<Row[]> {
  const base = (measure: string) => ({ section: SECTION, measure, runs: `${o.runs} (+1 warm-up)` });
  const n = o.pages;
  try {
    const session = { url: ctx.connector.url, client: ctx.client };
    // The first OCR run reads Tesseract's language data and OCRmyPDF's Python modules from disk; a
    // one-page scan does that, unmeasured.
    await postScan(session, documents.warmUp, { ocr: true });
    // Other work on the machine (this bench's own processes are idle now) slows OCR down.
    const load = os.loadavg()[0] ?? Number.NaN;
    const plain: number[] = [];
    const withOcr: number[] = [];
    const cpu: number[] = [];
    const rss: Array<ReturnType<RssWatch['stop']>> = [];
    const tree: TreePeak[] = [];
    const errors: string[] = [];
    for (let run = 0; run < o.runs; run++) {
      try {
        plain.push((await postScan(session, documents.scan, { pages: n })).seconds);
      } catch (err) {
        errors.push(`without OCR: ${String(err)}`);
      }
      const watch = watchRss(ctx.connector.pid);
      const children = watchTree(ctx.connector.pid);
      const cpuBefore = childCpuSeconds(ctx.connector.pid);
      try {
        const { seconds } = await postScan(session, documents.scan, { ocr: true, pages: n });
        cpu.push(childCpuSeconds(ctx.connector.pid) - cpuBefore);
        withOcr.push(seconds);
        rss.push(watch.stop());
        tree.push(children.stop());
      } catch (err) {
        watch.stop();
        children.stop();
        errors.push(String(err));
      }
    }
    const [without, withIt] = [median(plain), median(withOcr)];
    return [
      ...failures(base(`POST /api/scans, ${n} pages`), errors, o.runs),
      measured(base(`POST /api/scans of ${n} pages without OCR, until 201`), without, 's'),
      measured(base(`POST /api/scans of ${n} pages, ocr=true (${LANGUAGES}), until 201`), withIt, 's'),
      measured(base('with OCR, seconds per page (whole upload / pages)'), withIt / n, 's'),
      measured(
        base("OCR's own seconds per page, (with − without) / pages: the target's measure"),
        (withIt - without) / n,
        's',
        { op: '<=', limit: 3 },
      ),
      measured(base("OCR processes' CPU seconds per page (user + system)"), median(cpu) / n, 's'),
      measured(base('machine load average (1 min) before the first run'), load, '', undefined, 2),
      memoryRow(base('connector peak RSS above idle during the OCR upload'), rss),
      treeRow(base("OCR processes' peak RSS (ocrmypdf + tesseract + gs), summed"), tree),
    ];
  } catch (err) {
    return [failed(base('OCR per page'), String(err))];
  }
}

// ---- Two OCR scans and a print at once -------------------------------------------------------------

/**
 * A second connector, with the event-loop delay preload as in the load section (the main one runs
 * without it, so the other sections measure the connector as it is deployed): the print alone first,
 * then two OCR scans at once and, as soon as both OCR processes run, the same print again.
 */
async function alongsidePrinting(
  ctx: BenchContext,
  o: OcrBenchOptions,
  dir: string,
  scan: string,
): Promise<Row[]> {
  const section = `${SECTION}: two OCR scans and a print at once`;
  const base = (measure: string, runs = TOGETHER_RUNS) => ({ section, measure, runs: String(runs) });
  const delayFile = path.join(dir, 'loop-delay.json');
  const document = path.join(dir, `bench-ocr-print-${PRINT_MB}mb.pdf`);
  let connector: ConnectorProcess | undefined;
  try {
    const connectorDir = path.join(dir, 'connector');
    await mkdir(connectorDir);
    connector = await startConnectorProcess({
      dir: connectorDir,
      google: ctx.google,
      printers: [{ id: o.printer.id, name: 'Bench printer', uri: o.printer.uri }],
      build: ctx.build,
      loopDelay: true,
      env: { BENCH_LOOP_DELAY_FILE: delayFile },
      ...(o.logFile ? { logFile: o.logFile } : {}),
      ...(o.cpuProfiles ? { cpuProfiles: o.cpuProfiles } : {}),
    });
    const client = new PanelClient(connector.url);
    await client.signIn();
    const session = { url: connector.url, client };
    await writePdf(document, PRINT_MB * MB);
    const file = ctx.google.addFile({
      name: `bench-ocr-print-${PRINT_MB}mb.pdf`,
      mimeType: 'application/pdf',
      parents: [SAMPLE_IDS.aliceRoot],
      content: await readFile(document),
      ownedBy: ['alice@example.com'],
    });
    const print = async () => {
      const started = performance.now();
      const res = await client.post('/api/print', { fileId: file.id, printerId: o.printer.id });
      if (res.status !== 202) throw new Error(`POST /api/print answered ${res.status}: ${await res.text()}`);
      const { jobId } = (await res.json()) as { jobId: string };
      // Polled every 10 ms, as the print section does, alone and alongside OCR alike.
      const job = await waitForEnd(client, `/api/print/${jobId}`, 120_000);
      if (job.state !== 'completed')
        throw new Error(`the print ended ${job.state}: ${JSON.stringify(job.error)}`);
      const seconds = (performance.now() - started) / 1000;
      await clearSpool(o.printer);
      return seconds;
    };
    // The first print warms the connector's print path up, unmeasured; then the print alone, o.runs times.
    await print();
    const alone: number[] = [];
    for (let run = 0; run < o.runs; run++) alone.push(await print());

    const loop = loopDelay(connector.pid, delayFile);
    const during: number[] = [];
    const delays: LoopDelayPercentiles[] = [];
    const tree: TreePeak[] = [];
    const both: number[] = [];
    const printErrors: string[] = [];
    const notOverlapping: string[] = [];
    let completed = 0;
    let failedScans: string[] = [];
    for (let run = 0; run < TOGETHER_RUNS; run++) {
      const children = watchTree(connector.pid);
      await loop.mark();
      const started = performance.now();
      const scans = [0, 1].map(() => postScan(session, scan, { ocr: true, pages: o.pages }));
      // Settled at once, so a scan that fails while the print runs is not an unhandled rejection.
      const settled = Promise.allSettled(scans);
      try {
        await waitForProcesses(connector.pid, 'ocrmypdf', 2, 60_000);
        during.push(await print());
        const running = countProcesses(connector.pid, 'ocrmypdf');
        if (running < 2)
          notOverlapping.push(`run ${run + 1}: ${running} OCR processes left when the print ended`);
      } catch (err) {
        printErrors.push(String(err));
      }
      const outcomes = await settled;
      both.push((performance.now() - started) / 1000);
      delays.push(await loop.mark());
      tree.push(children.stop());
      completed += outcomes.filter((r) => r.status === 'fulfilled').length;
      failedScans = [
        ...failedScans,
        ...outcomes.flatMap((r) => (r.status === 'rejected' ? [String(r.reason).split('\n')[0] ?? ''] : [])),
      ];
    }
    const scansTotal = 2 * TOGETHER_RUNS;
    const duringRow = measured(
      base(`${PRINT_MB} MB print, POST /api/print until completed, while OCR runs`),
      median(during),
      's',
    );
    return [
      measured(
        base('connector event-loop delay p99, from the OCR uploads until both were answered'),
        median(delays.map((d) => d.p99)),
        'ms',
        { op: '<', limit: 50 },
        1,
      ),
      measured(base('connector event-loop delay max'), median(delays.map((d) => d.max)), 'ms', undefined, 1),
      {
        ...base('OCR scans completed'),
        value: `${completed} of ${scansTotal}${failedScans[0] ? ` (first failure: ${failedScans[0].slice(0, 160)})` : ''}`,
        target: `${scansTotal} of ${scansTotal}`,
        met: completed === scansTotal ? 'yes' : 'NO',
      },
      measured(base(`both OCR scans of ${o.pages} pages, POST until both 201`), median(both), 's'),
      ...failures(base(`${PRINT_MB} MB print while OCR runs`), printErrors, TOGETHER_RUNS),
      notOverlapping.length > 0
        ? { ...duringRow, value: `${duringRow.value} (OCR had ended in ${notOverlapping.join('; ')})` }
        : duringRow,
      measured(
        base(`${PRINT_MB} MB print, POST /api/print until completed, alone`, o.runs),
        median(alone),
        's',
      ),
      treeRow(base("OCR processes' peak RSS, two scans at once, summed"), tree),
    ];
  } catch (err) {
    return [failed(base('OCR alongside printing'), String(err))];
  } finally {
    await connector?.stop();
    await rm(document, { force: true });
  }
}

// ---- Sizes -----------------------------------------------------------------------------------------

/** One upload each of the same scan-like colour document with quality best, balanced and smaller. */
async function sizes(ctx: BenchContext, dir: string): Promise<Row[]> {
  const base = (measure: string) => ({
    section: `Scan file size, ${SIZE_PAGES} scan-like colour A4 pages at 300 dpi (JPEG q90), no OCR`,
    measure,
    runs: '1',
  });
  try {
    const images: string[] = [];
    for (let page = 1; page <= SIZE_PAGES; page++) {
      const image = path.join(dir, `colour-${page}.jpg`);
      await renderScanLikePage(pageLines(page, SIZE_PAGES), image);
      images.push(image);
    }
    const document = path.join(dir, 'colour.pdf');
    await new StreamingPdfCombiner().combine(
      images.map((image) => ({ path: image, type: 'image/jpeg' as const })),
      document,
      { dpi: DPI },
    );
    const session = { url: ctx.connector.url, client: ctx.client };
    const kb: Partial<Record<Quality, number>> = {};
    for (const quality of ['best', 'balanced', 'smaller'] as const) {
      const { answer } = await postScan(session, document, { quality, pages: SIZE_PAGES });
      const stored = ctx.google.fileContent(answer.fileId);
      if (!stored) throw new Error(`the double holds no content for ${answer.fileId}`);
      kb[quality] = stored.length / 1024;
    }
    const best = kb.best ?? Number.NaN;
    const row = (quality: Quality, what: string) => {
      const r = measured(
        base(`quality ${quality} (${what}): file in Drive`),
        kb[quality] ?? Number.NaN,
        'KB',
        undefined,
        0,
      );
      return quality === 'best'
        ? r
        : { ...r, value: `${r.value} (${((kb[quality] ?? Number.NaN) / best).toFixed(2)} of best)` };
    };
    return [row('best', 'as scanned'), row('balanced', '200 dpi'), row('smaller', '150 dpi')];
  } catch (err) {
    return [failed(base('sizes'), String(err))];
  }
}

type Quality = 'best' | 'balanced' | 'smaller';

// ---- Uploads ---------------------------------------------------------------------------------------

interface ScanAnswer {
  fileId: string;
  pages?: number;
  searchable?: boolean;
}

/**
 * curl -F to POST /api/scans as the panel sends it, until the 201; the answer must say the scan has
 * the pages it was sent with and, with OCR, that it is searchable.
 */
async function postScan(
  session: { url: string; client: PanelClient },
  document: string,
  o: { ocr?: boolean; quality?: Quality; pages?: number },
): Promise<{ seconds: number; answer: ScanAnswer }> {
  const fields = [
    `folderId=${SAMPLE_IDS.folderScans}`,
    ...(o.ocr ? ['ocr=true', `ocrLanguages=${LANGUAGES}`] : []),
    `quality=${o.quality ?? 'best'}`,
  ];
  const { seconds, stdout } = await timeCommand('curl', [
    '-sS',
    '-H',
    'Expect:',
    '-H',
    `Cookie: ${session.client.sessionCookie}`,
    '-H',
    `X-CSRF-Token: ${session.client.csrf}`,
    ...fields.flatMap((f) => ['-F', f]),
    '-F',
    `file=@${document};type=application/pdf;filename=${path.basename(document)}`,
    '-w',
    '\n%{http_code}',
    `${session.url}/api/scans`,
  ]);
  const lines = stdout.trimEnd().split('\n');
  const status = lines.pop();
  const body = lines.join('\n');
  if (status !== '201') throw new Error(`POST /api/scans answered ${status}: ${body.slice(0, 300)}`);
  const answer = JSON.parse(body) as ScanAnswer;
  if (o.pages !== undefined && answer.pages !== undefined && answer.pages !== o.pages)
    throw new Error(`the scan has ${answer.pages} pages, not ${o.pages}`);
  if (o.ocr && answer.searchable !== true) throw new Error('the answer does not say the scan is searchable');
  return { seconds, answer };
}

async function clearSpool(printer: BenchPrinterTarget): Promise<void> {
  for (const f of await printer.spooledFiles()) await rm(f, { force: true });
}

// ---- The OCR processes' memory ---------------------------------------------------------------------

interface TreePeak {
  /** The highest sum of the descendants' VmRSS seen in one sample, in MB. */
  peakMB: number;
  /** That sample by process name, in MB. */
  byName: Record<string, number>;
}

/** Every process below `root` (children, theirs, ...) with its name, from /proc/<pid>/stat. */
function descendants(root: number): Array<{ pid: number; name: string }> {
  const children = new Map<number, Array<{ pid: number; name: string }>>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended between the listing and the read
    }
    // "pid (name) state ppid ...": the name may hold spaces and parentheses, so split at the last ")".
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push({ pid: Number(entry), name });
    children.set(ppid, list);
  }
  const found: Array<{ pid: number; name: string }> = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/**
 * CPU seconds (user + system) of the children `pid` has waited for, and theirs (cutime and cstime in
 * /proc/<pid>/stat): the OCR processes' own CPU time, whatever else the machine runs.
 */
function childCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5); the list here starts at field 3 (state).
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

function countProcesses(root: number, name: string): number {
  return descendants(root).filter((p) => p.name === name).length;
}

async function waitForProcesses(root: number, name: string, count: number, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (countProcesses(root, name) < count) {
    if (Date.now() > until)
      throw new Error(`${count} ${name} processes did not start within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

/**
 * Sums the VmRSS of every process below `root` every TREE_SAMPLE_MS: the connector's own RSS leaves
 * out OCRmyPDF, Tesseract and Ghostscript, which run as its children. Pages they share (libraries)
 * count once per process, as in top; the sum is what the instance needs beside the connector.
 */
function watchTree(root: number): { stop(): TreePeak } {
  // Children the connector had before (tsx's esbuild service) are not the scan's.
  const before = new Set(descendants(root).map((p) => p.pid));
  let peak: TreePeak = { peakMB: 0, byName: {} };
  const sample = () => {
    const byName: Record<string, number> = {};
    let sum = 0;
    for (const p of descendants(root)) {
      if (before.has(p.pid)) continue;
      let rss = 0;
      try {
        rss = rssOf(p.pid) / MB;
      } catch {
        continue; // ended
      }
      sum += rss;
      byName[p.name] = (byName[p.name] ?? 0) + rss;
    }
    if (sum > peak.peakMB) peak = { peakMB: sum, byName };
  };
  const timer = setInterval(sample, TREE_SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** The median peak, with the by-name split of the run that had it (the middle one). */
function treeRow(rowBase: Omit<Row, 'value' | 'target' | 'met'>, peaks: readonly TreePeak[]): Row {
  const row = measured(rowBase, median(peaks.map((p) => p.peakMB)), 'MB', undefined, 1);
  const sorted = [...peaks].sort((a, b) => a.peakMB - b.peakMB);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle) return row;
  const split = Object.entries(middle.byName)
    .sort(([, a], [, b]) => b - a)
    .map(([name, mb]) => `${name} ${mb.toFixed(0)}`)
    .join(' + ');
  return { ...row, value: `${row.value} (at the peak: ${split} MB)` };
}

// ---- Pages -----------------------------------------------------------------------------------------

/**
 * The OCR scan (`pages` text pages, 11 pt, about 36 lines each, Dutch then English) and a one-page
 * scan for the warm-up, both as the connector combines scanned PNG pages.
 */
async function textDocuments(dir: string, pages: number): Promise<{ scan: string; warmUp: string }> {
  const images: string[] = [];
  for (let page = 1; page <= pages; page++) {
    const file = path.join(dir, `text-${page}.png`);
    await renderTextPage({ lines: pageLines(page, pages), file, dpi: DPI, fontSize: 11 });
    images.push(file);
  }
  const scan = path.join(dir, `text-${pages}-pages.pdf`);
  const warmUp = path.join(dir, 'text-warm-up.pdf');
  await pagesToPdf(images, scan, DPI);
  await pagesToPdf(images.slice(0, 1), warmUp, DPI);
  return { scan, warmUp };
}

/**
 * A scan-like colour page: paper that is not quite white and has a scanner's noise (a strip of random
 * RGB samples repeated with a prime period, so rows do not line up), a blue letterhead bar and a red
 * stamp, then the text; Ghostscript writes it as a JPEG of quality 90 at 300 dpi, as a scanner would.
 */
async function renderScanLikePage(lines: readonly string[], file: string): Promise<void> {
  const paper = [
    '/paper 12291 string def',
    '0 1 4096 { 3 mul /i exch def',
    '  paper i rand 10 mod 244 add put',
    '  paper i 1 add rand 10 mod 241 add put',
    '  paper i 2 add rand 12 mod 230 add put } for',
    'gsave 595 842 scale',
    '2480 3508 8 [2480 0 0 -3508 0 3508] { paper } false 3 colorimage grestore',
    '0.12 0.30 0.62 setrgbcolor 72 792 451 8 rectfill',
    '0.78 0.12 0.12 setrgbcolor 5 setlinewidth 470 105 42 0 360 arc stroke',
    '0 setgray',
  ].join('\n');
  const program = textPageProgram({ lines, fontSize: 11 }).replace('%!PS\n', `%!PS\n${paper}\n`);
  const source = `${file}.ps`;
  await writeFile(source, program);
  try {
    await timeCommand('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sFONTPATH=/usr/share/fonts/truetype/dejavu',
      '-sDEVICE=jpeg',
      '-dJPEGQ=90',
      `-r${DPI}`,
      '-dTextAlphaBits=4',
      '-dGraphicsAlphaBits=4',
      '-dDEVICEWIDTHPOINTS=595',
      '-dDEVICEHEIGHTPOINTS=842',
      '-dFIXEDMEDIA',
      `-sOutputFile=${file}`,
      source,
    ]);
  } finally {
    await rm(source, { force: true });
  }
}

/** About 36 lines at 11 pt: minutes of a meeting, in Dutch and then in English. */
function pageLines(page: number, pages: number): string[] {
  return [
    `Pagina ${page} van ${pages} - Verslag van de vergadering van het bestuur, 14 maart`,
    '',
    'Aanwezig waren de voorzitter, de secretaris, de penningmeester en vier leden van de werkgroep huisvesting. De voorzitter opende de vergadering om half acht en heette iedereen welkom, in het bijzonder de twee nieuwe leden die zich na de oproep in de nieuwsbrief hadden aangemeld.',
    'De notulen van de vorige vergadering werden zonder wijzigingen vastgesteld. Naar aanleiding daarvan vroeg de penningmeester of de offerte voor het nieuwe kopieerapparaat inmiddels binnen was. De secretaris antwoordde dat er twee offertes zijn ontvangen en dat de werkgroep een voorkeur heeft voor het apparaat dat ook kan scannen naar de gedeelde map, omdat de papieren archiefkast vol is.',
    'Over de begroting werd lang gesproken. De kosten voor energie zijn het afgelopen jaar sterk gestegen, en de verhuur van de grote zaal heeft minder opgeleverd dan verwacht. Besloten werd de huurprijzen per september met vijf procent te verhogen en de vaste gebruikers daarover tijdig per brief te informeren. Mevrouw De Bruijn merkte op dat de koffie in de pauze voortaan door de leden zelf wordt geregeld.',
    '',
    'The second part of the meeting was held in English for the benefit of the guests from the partner organisation. They presented their plans for a shared digital archive, in which every letter that arrives by post is scanned, made searchable and filed in a folder that all volunteers can read.',
    'Several members asked how long it would take to scan the existing paper records. The guests estimated that one volunteer can scan about two hundred pages an hour with a document feeder, provided that staples are removed beforehand and damaged pages are copied first.',
    'The treasurer wanted to know whether the scanned letters would be kept in a place that is backed up every night, and who would be allowed to delete them. The guests explained that deleted files stay in the bin for thirty days, and that only the secretary can empty it.',
    'The board thanked the guests and agreed to continue the conversation in April, when the costs of the scanner and the storage are known. The chair closed the meeting at a quarter to ten.',
  ];
}
