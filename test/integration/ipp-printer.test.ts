import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusToError } from '../../src/adapters/ipp-attributes.js';
import { encodeRequest, encodeResponse } from '../../src/adapters/ipp-codec.js';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { exchangeIpp } from '../../src/adapters/ipp-transport.js';
import { UpstreamError } from '../../src/domain/errors.js';
import type { PrinterConfig, PrinterJobPhase, PrintSubmission } from '../../src/domain/ports.js';
import {
  freePort,
  hasIppEvePrinter,
  type IppEvePrinter,
  startIppEvePrinter,
} from '../support/ippeveprinter.js';

let dir = '';
let pdf = '';
let jpeg = '';
let big = '';
const BIG_BYTES = 30 * 1024 * 1024;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipp-printer-test-'));
  pdf = join(dir, 'doc.pdf');
  jpeg = join(dir, 'photo.jpg');
  big = join(dir, 'big.pdf');
  await writeFile(
    pdf,
    Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(200_000), Buffer.from('\n%%EOF\n')]),
  );
  await writeFile(
    jpeg,
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(50_000), Buffer.from([0xff, 0xd9])]),
  );
  await writeFile(
    big,
    Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(BIG_BYTES), Buffer.from('\n%%EOF\n')]),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function printerAt(uri: string): PrinterConfig {
  return { id: 'test', name: 'Test printer', uri };
}

function submission(
  documentPath: string,
  documentFormat: string,
  extra: Partial<PrintSubmission> = {},
): PrintSubmission {
  return {
    documentPath,
    documentFormat,
    jobName: 'Quarterly report.pdf',
    userName: 'ana@example.com',
    ticket: {},
    ...extra,
  };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

async function waitForPhase(
  ps: IppPrintSystem,
  printer: PrinterConfig,
  id: number,
  phase: PrinterJobPhase,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: PrinterJobPhase | undefined;
  while (Date.now() < deadline) {
    last = (await ps.jobStatus(printer, id)).phase;
    if (last === phase) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} still ${last}, expected ${phase}`);
}

/** A TCP server that runs `onConnection` for each client; closed with all its sockets. */
async function fakeServer(
  onConnection: (socket: net.Socket) => void,
): Promise<{ uri: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    uri: `ipp://127.0.0.1:${address.port}/ipp/print`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!hasIppEvePrinter())('IppPrintSystem against ippeveprinter', () => {
  let eve: IppEvePrinter;
  let printer: PrinterConfig;
  const ps = new IppPrintSystem();

  beforeAll(async () => {
    eve = await startIppEvePrinter({ formats: ['application/pdf', 'image/jpeg'] });
    printer = printerAt(eve.uri);
  });

  afterAll(async () => {
    await eve?.stop();
  });

  async function spooledFor(ippJobId: number): Promise<string> {
    const files = (await eve.spooledFiles()).filter((f) => basename(f).startsWith(`${ippJobId}-`));
    expect(files).toHaveLength(1);
    return files[0]!;
  }

  it('reports idle', async () => {
    expect(await ps.state(printer)).toBe('idle');
  });

  it('reports capabilities', async () => {
    const caps = await ps.capabilities(printer);
    expect(caps.documentFormats).toEqual(expect.arrayContaining(['application/pdf', 'image/jpeg']));
    expect(caps.sidesSupported).toContain('one-sided');
    expect(caps.colorModesSupported.length).toBeGreaterThan(0);
    expect(caps.mediaSupported).toContain('iso_a4_210x297mm');
  });

  it('prints a PDF that arrives byte-identical and completes', async () => {
    const { ippJobId } = await ps.submit(
      printer,
      submission(pdf, 'application/pdf', { ticket: { copies: 1, media: 'iso_a4_210x297mm' } }),
    );
    expect(ippJobId).toBeGreaterThan(0);
    await waitForPhase(ps, printer, ippJobId, 'completed');
    const spooled = await spooledFor(ippJobId);
    expect(spooled.endsWith('.pdf')).toBe(true);
    expect(await sha256(spooled)).toBe(await sha256(pdf));
  });

  it('prints a JPEG that arrives byte-identical', async () => {
    const { ippJobId } = await ps.submit(printer, submission(jpeg, 'image/jpeg', { jobName: 'photo.jpg' }));
    await waitForPhase(ps, printer, ippJobId, 'completed');
    expect(await sha256(await spooledFor(ippJobId))).toBe(await sha256(jpeg));
  });

  it('refuses a format the printer does not list before sending it', async () => {
    const err = await failure(ps.submit(printer, submission(pdf, 'text/plain')));
    expect(err.code).toBe('format_not_supported');
    expect(err.retryable).toBe(false);
  });

  it("maps ippeveprinter's own refusal of a format to format_not_supported", async () => {
    // ippeveprinter answers client-error-attributes-or-values-not-supported with document-format in
    // the unsupported group, rather than client-error-document-format-not-supported.
    const request = encodeRequest({
      operation: 'Print-Job',
      requestId: 9,
      operationAttributes: {
        'printer-uri': eve.uri,
        'requesting-user-name': 'test',
        'document-format': 'text/plain',
      },
    });
    const response = await exchangeIpp({ uri: eve.uri, request, documentPath: pdf, timeoutMs: 5000 });
    const err = statusToError(response.statusCode, {
      unsupportedAttributes: [...response.unsupportedAttributes.keys()],
    });
    expect(err?.code).toBe('format_not_supported');
  });

  it('refuses settings the printer does not support with a sentence, not its status text', async () => {
    const err = await failure(
      ps.submit(printer, submission(pdf, 'application/pdf', { ticket: { sides: 'two-sided-long-edge' } })),
    );
    expect(err.code).toBe('printer_refused');
    expect(err.message).toBe('The printer does not support the chosen print settings.');
  });

  it('ignores canceling a job that already ended', async () => {
    const { ippJobId } = await ps.submit(printer, submission(pdf, 'application/pdf'));
    await waitForPhase(ps, printer, ippJobId, 'completed');
    await expect(ps.cancel(printer, ippJobId)).resolves.toBeUndefined();
  });

  it('streams a 30 MB file byte-identical without holding it in memory', async () => {
    const first = await ps.submit(printer, submission(big, 'application/pdf'));
    expect(await sha256(await spooledFor(first.ippJobId))).toBe(await sha256(big));
    // The first large send grows the heap and buffer pools once (about 25 MB here); measure the next.
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      await ps.submit(printer, submission(big, 'application/pdf'));
    } finally {
      clearInterval(sampler);
    }
    // Reading the file whole would add at least its 30 MB; streaming stays near the pipe's buffers.
    expect(peak - before).toBeLessThan(BIG_BYTES / 3);
  });
});

describe.skipIf(!hasIppEvePrinter())('a busy ippeveprinter', () => {
  let eve: IppEvePrinter;
  const ps = new IppPrintSystem();

  beforeAll(async () => {
    // No print command: each job "prints" for several seconds, one at a time.
    eve = await startIppEvePrinter({ formats: ['application/pdf'], printCommand: null });
  });

  afterAll(async () => {
    await eve?.stop();
  });

  it('answers a second Print-Job with printer_busy, retryable, even for a large document', async () => {
    const printer = printerAt(eve.uri);
    const { ippJobId } = await ps.submit(printer, submission(pdf, 'application/pdf'));
    expect(await ps.state(printer)).toBe('processing');
    for (const document of [pdf, big]) {
      const err = await failure(ps.submit(printer, submission(document, 'application/pdf')));
      expect(err.code).toBe('printer_busy');
      expect(err.retryable).toBe(true);
    }
    // ippeveprinter marks the job canceled only when its 5-15 s simulated print ends; not awaited here.
    await ps.cancel(printer, ippJobId);
    expect(['processing', 'canceled']).toContain((await ps.jobStatus(printer, ippJobId)).phase);
  });
});

describe('unreachable and misbehaving printers', () => {
  it('a port with nothing listening is unreachable', async () => {
    const printer = printerAt(`ipp://127.0.0.1:${await freePort()}/ipp/print`);
    const ps = new IppPrintSystem();
    expect(await ps.state(printer)).toBe('unreachable');
    const err = await failure(ps.submit(printer, submission(pdf, 'application/pdf')));
    expect(err.code).toBe('printer_unreachable');
    expect(err.retryable).toBe(true);
  });

  it('a malformed answer is an UpstreamError, not a crash', async () => {
    const junk = Buffer.from('\x02\x00\x00\x00\x00\x00\x00\x01\x04\x21\xff\xffjunk junk junk');
    const server = await fakeServer((socket) => {
      socket.once('data', () => {
        socket.end(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: ${junk.length}\r\n\r\n`,
            ),
            junk,
          ]),
        );
      });
    });
    try {
      const ps = new IppPrintSystem();
      const printer = printerAt(server.uri);
      expect(await ps.state(printer)).toBe('unreachable');
      const err = await failure(ps.jobStatus(printer, 1));
      expect(err.code).toBe('printer_unreachable');
      expect(err.message).toMatch(/could not be read/);
      await failure(ps.submit(printer, submission(pdf, 'application/pdf')));
    } finally {
      await server.close();
    }
  });

  it('an answer that arrives before the document is sent is honoured, and the upload stops', async () => {
    const busy = encodeResponse({ statusCode: 'server-error-busy', requestId: 1, groups: [] });
    let received = 0;
    const server = await fakeServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received - chunk.length === 0) {
          socket.write(
            `HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: ${busy.length}\r\n\r\n`,
          );
          socket.write(busy);
        }
      });
    });
    try {
      const request = encodeRequest({
        operation: 'Print-Job',
        requestId: 1,
        operationAttributes: { 'printer-uri': server.uri, 'document-format': 'application/pdf' },
      });
      const response = await exchangeIpp({ uri: server.uri, request, documentPath: big, timeoutMs: 5000 });
      expect(statusToError(response.statusCode)?.code).toBe('printer_busy');
      await new Promise((r) => setTimeout(r, 200));
      expect(received).toBeLessThan(BIG_BYTES);
    } finally {
      await server.close();
    }
  });

  it('an HTTP error page is printer_refused', async () => {
    const server = await fakeServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    });
    try {
      const err = await failure(new IppPrintSystem().jobStatus(printerAt(server.uri), 1));
      expect(err.code).toBe('printer_refused');
    } finally {
      await server.close();
    }
  });

  it('a server that never answers times out within the timeout', async () => {
    const server = await fakeServer(() => undefined);
    try {
      const ps = new IppPrintSystem({ requestTimeoutMs: 500, probeTimeoutMs: 300 });
      const printer = printerAt(server.uri);
      let started = Date.now();
      expect(await ps.state(printer)).toBe('unreachable');
      expect(Date.now() - started).toBeLessThan(1500);
      started = Date.now();
      const err = await failure(ps.jobStatus(printer, 1));
      expect(err.code).toBe('printer_unreachable');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await server.close();
    }
  });

  it('a Print-Job whose document was sent but got no answer is not retryable (it may have printed)', async () => {
    const server = await fakeServer((socket) => socket.resume());
    try {
      const request = encodeRequest({
        operation: 'Print-Job',
        requestId: 1,
        operationAttributes: { 'printer-uri': server.uri, 'document-format': 'application/pdf' },
      });
      const err = await failure(exchangeIpp({ uri: server.uri, request, documentPath: pdf, timeoutMs: 400 }));
      expect(err.code).toBe('printer_unreachable');
      expect(err.retryable).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('a stalled upload times out, and an abort stops it with the caller’s reason', async () => {
    // Never reads: the socket buffers fill, then no progress.
    const server = await fakeServer((socket) => socket.pause());
    try {
      const request = encodeRequest({
        operation: 'Print-Job',
        requestId: 1,
        operationAttributes: { 'printer-uri': server.uri, 'document-format': 'application/pdf' },
      });
      const started = Date.now();
      const err = await failure(exchangeIpp({ uri: server.uri, request, documentPath: big, timeoutMs: 500 }));
      expect(err.code).toBe('printer_unreachable');
      expect(err.retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);

      const controller = new AbortController();
      const reason = new Error('canceled by the person');
      setTimeout(() => controller.abort(reason), 100);
      await expect(
        exchangeIpp({
          uri: server.uri,
          request,
          documentPath: big,
          timeoutMs: 10_000,
          signal: controller.signal,
        }),
      ).rejects.toBe(reason);
    } finally {
      await server.close();
    }
  });

  it.skipIf(!existsSync('/proc/self/fd'))(
    'releases every socket and file on every failure path',
    async () => {
      // What this process's descriptors point at: files by path, sockets as socket:[inode].
      const openFds = async () => {
        const targets: string[] = [];
        for (const fd of await readdir('/proc/self/fd')) {
          targets.push(await readlink(`/proc/self/fd/${fd}`).catch(() => 'gone'));
        }
        return {
          documents: targets.filter((t) => t === big).length,
          sockets: targets.filter((t) => t.startsWith('socket:')).length,
        };
      };
      const junk = Buffer.from(
        'HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: 5\r\n\r\njunk!',
      );
      // Each server closes its end only after the client closed its own, so a socket the client
      // forgot stays visible in the count below.
      const closeAfterClient = (socket: net.Socket) => socket.once('end', () => socket.end());
      const servers = await Promise.all([
        // Stalls the upload, then drains (after the client gave up) to notice the client's close.
        fakeServer((socket) => {
          closeAfterClient(socket);
          socket.pause();
          setTimeout(() => socket.resume(), 1000);
        }),
        fakeServer((socket) => socket.once('data', () => socket.end(junk))),
        fakeServer((socket) => {
          closeAfterClient(socket);
          socket.resume();
        }),
      ]);
      const before = await openFds();
      const request = (uri: string) =>
        encodeRequest({ operation: 'Print-Job', requestId: 1, operationAttributes: { 'printer-uri': uri } });
      try {
        for (let round = 0; round < 2; round++) {
          for (const server of servers) {
            await exchangeIpp({
              uri: server.uri,
              request: request(server.uri),
              documentPath: big,
              timeoutMs: 300,
            }).catch(() => undefined);
            const controller = new AbortController();
            setTimeout(() => controller.abort(new Error('stop')), 50);
            await exchangeIpp({
              uri: server.uri,
              request: request(server.uri),
              documentPath: big,
              timeoutMs: 5000,
              signal: controller.signal,
            }).catch(() => undefined);
          }
        }
        // Closing is asynchronous, and the stalling server drains only after a second.
        await new Promise((r) => setTimeout(r, 1500));
        const after = await openFds();
        expect(after.documents).toBe(0);
        expect(after.sockets).toBeLessThanOrEqual(before.sockets);
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
    },
  );
});
