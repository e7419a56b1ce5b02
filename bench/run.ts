// `npm run bench`: speed and memory of the paths that move documents, printed as a table.
// Targets are checked here, not in tests (tests check behaviour).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startDemoPrinter } from '../src/dev/demo-printer.js';
import { startGoogleDouble } from '../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../src/dev/sample-data.js';
import { PanelClient } from '../test/support/browser-less-client.js';
import { startConnectorProcess } from './connector-process.js';
import { runIppBench } from './ipp-stream.js';

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.BENCH_MB ?? 200);

interface Row {
  bench: string;
  value: string;
  target: string;
  met: 'yes' | 'NO';
}

async function pdfOfSize(file: string, bytes: number): Promise<Buffer> {
  const head = Buffer.from('%PDF-1.7\n% bench\n');
  const out = createWriteStream(file);
  out.write(head);
  for (let left = bytes - head.length; left > 0; left -= MB) {
    if (!out.write(Buffer.alloc(Math.min(MB, left), 0x41)))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return head;
}

const row = (bench: string, value: number, unit: string, target: number, lowerIsBetter = true): Row => ({
  bench,
  value: `${value.toFixed(1)} ${unit}`,
  target: `${lowerIsBetter ? '<=' : '>='} ${target} ${unit}`,
  met: (lowerIsBetter ? value <= target : value >= target) ? 'yes' : 'NO',
});

async function main() {
  const rows: Row[] = [];
  for (const r of await runIppBench({ sizeMB: SIZE_MB })) {
    rows.push(row(`IPP send ${r.fileMB} MB to ${r.target}: peak RSS growth`, r.rssGrowthMB, 'MB', 64));
    rows.push(row(`IPP send ${r.fileMB} MB to ${r.target}: throughput`, r.mbPerSecond, 'MB/s', 50, false));
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-bench-'));
  const google = await startGoogleDouble({ clients: [], autoApprove: 'alice@example.com' });
  await mkdir(path.join(dir, 'printed'));
  const printer = await startDemoPrinter({ spoolDir: path.join(dir, 'printed') });
  const connector = await startConnectorProcess({ dir, google, printerUri: printer.uri });
  try {
    const client = new PanelClient(connector.url);
    await client.signIn();

    // Browse: the 250-item folder, first page, repeated.
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      await client.json(`/api/files?folderId=${SAMPLE_IDS.folderBig}`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    rows.push(row('Browse 100 items: p50 latency', times[Math.floor(times.length * 0.5)] ?? 0, 'ms', 100));
    rows.push(row('Browse 100 items: p95 latency', times[Math.floor(times.length * 0.95)] ?? 0, 'ms', 250));
    const baseline = connector.memory().rssMB;
    rows.push(row('Connector process: RSS after sign-in and browsing', baseline, 'MB', 200));

    // Print: a large PDF from Drive, downloaded to a temporary file and streamed to the printer.
    const big = path.join(dir, 'big.pdf');
    await pdfOfSize(big, SIZE_MB * MB);
    const content = await readFile(big);
    const file = google.addFile({
      name: 'Big.pdf',
      mimeType: 'application/pdf',
      parents: [SAMPLE_IDS.aliceRoot],
      content,
      ownedBy: ['alice@example.com'],
    } as never);
    let t0 = performance.now();
    const res = await client.post('/api/print', { fileId: file.id, printerId: 'demo' });
    const { jobId } = (await res.json()) as { jobId: string };
    const job = await client.waitForJob(jobId, 120_000);
    if (job.state !== 'completed') throw new Error(`print ended ${job.state}: ${JSON.stringify(job.error)}`);
    rows.push(
      row(`Print ${SIZE_MB} MB (Drive -> temp -> IPP): time`, (performance.now() - t0) / 1000, 's', 20),
    );
    rows.push(
      row(`Print ${SIZE_MB} MB: connector peak RSS growth`, connector.memory().hwmMB - baseline, 'MB', 128),
    );

    // Scan: a large upload from the panel, resumable to Drive. Streamed by hand: undici's FormData
    // reads a whole Blob into memory.
    t0 = performance.now();
    const boundary = `bench${Date.now()}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="folderId"\r\n\r\n${SAMPLE_IDS.folderScans}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = Readable.from(
      (async function* () {
        yield head;
        yield* createReadStream(big);
        yield tail;
      })(),
    );
    const scan = await client.fetch('/api/scans', {
      method: 'POST',
      headers: { 'x-csrf-token': client.csrf, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (scan.status !== 201) throw new Error(`scan answered ${scan.status}`);
    const { fileId } = (await scan.json()) as { fileId: string };
    const stored = google.fileContent(fileId) as Buffer;
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    if (sha(stored) !== sha(content)) throw new Error('scan arrived changed');
    rows.push(
      row(
        `Scan ${SIZE_MB} MB (panel -> temp -> resumable upload): time`,
        (performance.now() - t0) / 1000,
        's',
        30,
      ),
    );
    rows.push(
      row(
        `Print + scan ${SIZE_MB} MB: connector peak RSS growth`,
        connector.memory().hwmMB - baseline,
        'MB',
        128,
      ),
    );
  } finally {
    await connector.stop();
    await printer.close();
    await google.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.table(rows);
  if (rows.some((r) => r.met === 'NO')) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
