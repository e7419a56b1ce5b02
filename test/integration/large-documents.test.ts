// A 500 MB print and a 500 MB scan through the connector running as its own process: both arrive
// byte for byte, and the process never holds the document (its memory, read from /proc, grows by
// far less than the document). Speed is the bench's business (npm run bench); this checks behaviour.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectorProcess, startConnectorProcess } from '../../bench/connector-process.js';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { PanelClient } from '../support/browser-less-client.js';
import { hasIppEvePrinter, type IppEvePrinter, startIppEvePrinter } from '../support/ippeveprinter.js';
import { until } from '../support/until.js';

const MB = 1024 * 1024;
const SIZE = 500 * MB;
/** The bound is 64 MB above idle; the slack covers a loaded CI machine's allocator. */
const RSS_BOUND_MB = 128;

/** A PDF-shaped document of `bytes`: header, varied filler, trailer. */
function document(bytes: number, seed: number): Buffer {
  const head = Buffer.from(`%PDF-1.4\n% large document ${seed}\n`);
  const tail = Buffer.from('\n%%EOF\n');
  const out = Buffer.allocUnsafe(bytes);
  head.copy(out, 0);
  for (let i = head.length; i < bytes - tail.length; i += 4)
    out.writeUInt32BE(((i * 2654435761) ^ seed) >>> 0, i);
  tail.copy(out, bytes - tail.length);
  return out;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Samples the process's RSS every 20 ms while `work` runs; returns the peak above the start. */
async function peakAbove<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const idle = await rssMb(pid);
  let peak = idle;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssMb(pid).catch(() => peak));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await work(), growthMb: peak - idle };
  } finally {
    sampling = false;
    await sampler;
  }
}

describe.skipIf(!hasIppEvePrinter() || process.platform !== 'linux')(
  '500 MB documents through the connector process',
  () => {
    let dir: string;
    let google: GoogleDouble;
    let printer: IppEvePrinter;
    let connector: ConnectorProcess;
    let alice: PanelClient;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-large-'));
      google = await startGoogleDouble({ clients: [], autoApprove: 'alice@example.com' });
      printer = await startIppEvePrinter({ spoolDir: path.join(dir, 'spool') });
      connector = await startConnectorProcess({
        dir: path.join(dir, 'connector'),
        google,
        printers: [{ id: 'big', name: 'Big printer', uri: printer.uri }],
      });
      alice = new PanelClient(connector.url);
      await alice.signIn();
    }, 60_000);

    afterAll(async () => {
      await connector?.stop();
      await printer?.stop();
      await google?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('a 500 MB print reaches the printer byte for byte, and the connector does not hold it', async () => {
      let content: Buffer | null = document(SIZE, 1);
      const want = createHash('sha256').update(content).digest('hex');
      const file = google.addFile({
        name: 'Huge.pdf',
        mimeType: 'application/pdf',
        content,
        parents: [SAMPLE_IDS.aliceRoot],
        ownedBy: ['alice@example.com'],
      } as never);
      content = null;
      const { result: job, growthMb } = await peakAbove(connector.pid, async () => {
        const res = await alice.post('/api/print', { fileId: file.id, printerId: 'big' });
        const { jobId } = (await res.json()) as { jobId: string };
        return until(
          'the job to end',
          async () => {
            const j = await alice.json(`/api/print/${jobId}`);
            return ['completed', 'failed', 'canceled'].includes(j.state) ? j : undefined;
          },
          120_000,
        );
      });
      expect(job.state).toBe('completed');
      expect(growthMb).toBeLessThan(RSS_BOUND_MB);
      const spooled = await printer.spooledFiles();
      expect(spooled).toHaveLength(1);
      expect(await sha256(spooled[0] as string)).toBe(want);
      // Free the double's copy before the scan.
      (google.getFile(file.id) as { content?: Buffer }).content = Buffer.alloc(0);
    }, 180_000);

    it('a 500 MB scan upload reaches Drive byte for byte, and the connector does not hold it', async () => {
      const source = path.join(dir, 'scan.pdf');
      await pipeline(
        (function* () {
          yield document(SIZE, 2);
        })(),
        createWriteStream(source),
      );
      const want = await sha256(source);
      const boundary = 'large-scan-boundary';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="folderId"\r\n\r\nroot\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nHuge scan\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n` +
          'Content-Type: application/pdf\r\n\r\n',
      );
      const foot = Buffer.from(`\r\n--${boundary}--\r\n`);
      const { result: status, growthMb } = await peakAbove(connector.pid, async () => {
        const url = new URL('/api/scans', connector.url);
        return new Promise<number>((resolve, reject) => {
          const req = http.request(
            {
              host: url.hostname,
              port: url.port,
              path: url.pathname,
              method: 'POST',
              headers: {
                cookie: alice.sessionCookie,
                'x-csrf-token': alice.csrf,
                'content-type': `multipart/form-data; boundary=${boundary}`,
                'content-length': head.length + SIZE + foot.length,
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.write(head);
          const body = createReadStream(source);
          body.on('end', () => req.end(foot));
          body.pipe(req, { end: false });
        });
      });
      expect(status).toBe(201);
      expect(growthMb).toBeLessThan(RSS_BOUND_MB);
      const [stored] = google.findFilesByName('Huge scan.pdf');
      const bytes = google.fileContent(stored?.id as string) as Buffer;
      expect(bytes.length).toBe(SIZE);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(want);
    }, 180_000);
  },
);
