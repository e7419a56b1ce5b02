// A fault-injecting IPP printer: an HTTP proxy on a loopback port in front of a real printer (an
// ippeveprinter), with knobs a test arms per IPP operation. Whatever is not armed goes through to the
// real printer unchanged, so a job that is not disturbed really prints and really spools.
//
// The operation is read from the request body's first bytes (RFC 8010 section 3.1.1: version-number
// 2 bytes, operation-id 2 bytes, request-id 4 bytes), so a fault can hit Print-Job and leave the
// Get-Printer-Attributes refreshes of the printer directory alone.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeRequest, encodeResponse, firstNumber } from '../../src/adapters/ipp-codec.js';

/** The operations a fault can target (RFC 8011 section 5.4.15 operation-id values). */
export type FaultOperation =
  | 'Print-Job'
  | 'Create-Job'
  | 'Send-Document'
  | 'Validate-Job'
  | 'Cancel-Job'
  | 'Get-Job-Attributes'
  | 'Get-Jobs'
  | 'Get-Printer-Attributes';

const OPERATION_IDS: Readonly<Record<number, FaultOperation>> = {
  2: 'Print-Job',
  4: 'Validate-Job',
  5: 'Create-Job',
  6: 'Send-Document',
  8: 'Cancel-Job',
  9: 'Get-Job-Attributes',
  10: 'Get-Jobs',
  11: 'Get-Printer-Attributes',
};

export type PrinterFault =
  /** Reads the whole request and never answers (the connection stays open). */
  | { kind: 'hang' }
  /** Closes the connection once this many bytes of the request body have arrived. */
  | { kind: 'drop'; afterBodyBytes: number }
  /** Answers this IPP status, properly encoded, after reading the whole request. */
  | { kind: 'status'; status: 'server-error-busy' | 'server-error-service-unavailable' }
  /** Get-Job-Attributes: answers that the job was aborted by the printer (job-state 8). */
  | { kind: 'job-aborted' }
  /** Answers HTTP 200 application/ipp with bytes that are not IPP. */
  | { kind: 'garbage' }
  /**
   * Passes the request to the real printer and answers only the first half of its IPP answer: `ipp`
   * (default) with a Content-Length that fits the cut, `http` announcing the whole length and then
   * closing the connection early.
   */
  | { kind: 'truncated'; cut?: 'ipp' | 'http' };

export interface SeenRequest {
  operation: FaultOperation | 'unknown';
  /** The fault that answered it, or null when it went through to the real printer. */
  fault: PrinterFault['kind'] | null;
}

export interface FaultyIppPrinter {
  /** ipp://127.0.0.1:<port>/ipp/print: the proxy, for printers.json. */
  uri: string;
  port: number;
  /** Every request that reached the proxy (not those refused), in order. */
  readonly seen: readonly SeenRequest[];
  /** The next `times` requests of `operation` (default: all of them) get `fault`. */
  arm(operation: FaultOperation, fault: PrinterFault, times?: number): void;
  /** Passes request bodies on at most this many bytes per second (null: no limit), like a slow printer. */
  throttle(bytesPerSecond: number | null): void;
  /** Stops listening, so that connections are refused (ECONNREFUSED) until clear(). */
  refuse(): Promise<void>;
  /** Disarms every fault, ends hanging connections and listens again if refusing. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

interface Armed {
  operation: FaultOperation;
  fault: PrinterFault;
  remaining: number;
}

// RFC 8011 section 4.1.4: every answer starts with these two.
const OPERATION_GROUP = {
  tag: 'operation-attributes-tag',
  attributes: { 'attributes-charset': 'utf-8', 'attributes-natural-language': 'en' },
} as const;

const GARBAGE = Buffer.from(
  '<html><body>Welcome to the printer web page</body></html>\x00\xff\xfe',
  'latin1',
);

export async function startFaultyIppPrinter(options: { upstreamUri: string }): Promise<FaultyIppPrinter> {
  const upstream = new URL(options.upstreamUri.replace(/^ipp:/, 'http:'));
  const armed: Armed[] = [];
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  const take = (operation: SeenRequest['operation']): PrinterFault | null => {
    // A fault armed for Print-Job hits whichever request carries the document: Print-Job, or the
    // Send-Document of a job made with Create-Job (the connector uses those while a download runs).
    const entry = armed.find(
      (a) =>
        a.remaining > 0 &&
        (a.operation === operation || (a.operation === 'Print-Job' && operation === 'Send-Document')),
    );
    if (!entry) return null;
    entry.remaining--;
    return entry.fault;
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that gives up (its timeout) resets the connection; that is expected here.
  server.on('clientError', (_err, socket) => socket.destroy());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = await readAtLeast(req, 8);
    const operation = head.length >= 8 ? (OPERATION_IDS[head.readUInt16BE(2)] ?? 'unknown') : 'unknown';
    const fault = take(operation);
    seen.push({ operation, fault: fault?.kind ?? null });
    switch (fault?.kind) {
      case undefined:
        return passThrough(req, res, head);
      case 'hang':
        // Takes everything, says nothing: the client's own timeout must end it.
        req.resume();
        return;
      case 'drop':
        return dropAfter(req, head, fault.afterBodyBytes);
      case 'status': {
        const body = await readAll(req, head);
        return answer(
          res,
          encodeResponse({ statusCode: fault.status, requestId: requestId(body), groups: [OPERATION_GROUP] }),
        );
      }
      case 'job-aborted': {
        const body = await readAll(req, head);
        const request = decodeRequest(body);
        const jobId = firstNumber(request.operationAttributes, 'job-id') ?? 1;
        return answer(
          res,
          encodeResponse({
            statusCode: 'successful-ok',
            requestId: request.requestId,
            groups: [
              OPERATION_GROUP,
              {
                tag: 'job-attributes-tag',
                attributes: {
                  'job-id': jobId,
                  'job-state': 'aborted',
                  'job-state-reasons': 'aborted-by-system',
                },
              },
            ],
          }),
        );
      }
      case 'garbage':
        await readAll(req, head);
        return answer(res, GARBAGE);
      case 'truncated': {
        const body = await readAll(req, head);
        const real = await forward(req, body);
        const half = real.subarray(0, Math.floor(real.length / 2));
        if (fault.cut !== 'http') return answer(res, half);
        res.writeHead(200, { 'content-type': 'application/ipp', 'content-length': real.length });
        res.write(half, () => res.destroy());
        return;
      }
    }
  }

  /** The request as it came, to the real printer; its answer as it comes back. */
  function passThrough(req: IncomingMessage, res: ServerResponse, head: Buffer): void {
    const out = http.request({
      host: upstream.hostname,
      port: upstream.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
      agent: false,
    });
    out.on('response', (answerIn) => {
      res.writeHead(answerIn.statusCode ?? 502, answerIn.headers);
      answerIn.pipe(res);
    });
    out.on('error', () => req.socket.destroy());
    // A client that gives up takes the upstream exchange with it, so nothing lingers at the printer.
    res.on('close', () => out.destroy());
    out.write(head);
    if (!rate) {
      req.pipe(out);
      return;
    }
    // Paced: the printer takes no more than `rate` bytes a second; back-pressure reaches the client.
    const limit = rate;
    const started = performance.now();
    let sent = head.length;
    void (async () => {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        sent += chunk.length;
        const wait = started + (sent / limit) * 1000 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      }
      out.end();
    })().catch(() => out.destroy());
  }

  /** Sends the whole request to the real printer and resolves with its whole IPP answer. */
  function forward(req: IncomingMessage, body: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: 'POST',
          headers,
          agent: false,
        },
        (answerIn) => {
          const chunks: Buffer[] = [];
          answerIn.on('data', (c: Buffer) => chunks.push(c));
          answerIn.on('end', () => resolve(Buffer.concat(chunks)));
          answerIn.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  function dropAfter(req: IncomingMessage, head: Buffer, limit: number): void {
    let received = head.length;
    const check = () => {
      // Destroying with unread data makes the kernel answer RST: the client sees a reset mid-document.
      if (received >= limit) req.socket.destroy();
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      check();
    });
    check();
  }

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  let port = 0;
  await listen();
  port = (server.address() as AddressInfo).port;
  let refusing = false;
  let rate: number | null = null;

  return {
    uri: `ipp://127.0.0.1:${port}/ipp/print`,
    port,
    seen,
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
    },
    arm(operation, fault, times = Number.POSITIVE_INFINITY) {
      armed.push({ operation, fault, remaining: times });
    },
    async refuse() {
      if (refusing) return;
      refusing = true;
      await stopListening();
    },
    async clear() {
      armed.length = 0;
      rate = null;
      for (const socket of sockets) socket.destroy();
      if (refusing) {
        refusing = false;
        await listen();
      }
    },
    async close() {
      armed.length = 0;
      if (!refusing) await stopListening();
      refusing = true;
    },
  };
}

function answer(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, {
    'content-type': 'application/ipp',
    'content-length': body.length,
    connection: 'close',
  });
  res.end(body);
}

function requestId(body: Buffer): number {
  return body.length >= 8 ? body.readUInt32BE(4) : 1;
}

/** At least `n` bytes of the body (fewer only if it is shorter); the stream is paused afterwards. */
function readAtLeast(req: IncomingMessage, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', done);
      req.off('error', reject);
      req.pause();
      resolve(Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= n) done();
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('error', reject);
  });
}

/** The rest of the body after `head`. */
function readAll(req: IncomingMessage, head: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) {
      resolve(head);
      return;
    }
    const chunks: Buffer[] = [head];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.resume();
  });
}
