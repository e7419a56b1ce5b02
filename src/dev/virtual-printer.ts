// An in-process IPP printer for the demo and tests on machines without ippeveprinter. It speaks enough
// IPP/2.0 for IppPrintSystem and for ipptool's get-printer-attributes.test: Get-Printer-Attributes,
// Print-Job, Validate-Job, Get-Job-Attributes, Get-Jobs and Cancel-Job. Documents are streamed to
// `spoolDir` as job-<id>.<ext>; only the IPP header is ever held in memory.

import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import {
  allStrings,
  decodeRequest,
  encodeResponse,
  firstNumber,
  firstString,
  type IppAttributesInput,
  type IppGroupTag,
  type IppRequest,
  ippHeaderLength,
} from '../adapters/ipp-codec.js';

export type VirtualJobState = 'pending' | 'processing' | 'completed' | 'canceled' | 'aborted';

export interface VirtualJob {
  id: number;
  name: string;
  format: string;
  /** Where the document was stored. */
  file: string;
  state: VirtualJobState;
  user: string;
  createdAt: number;
  completedAt: number | null;
}

export interface VirtualPrinterOptions {
  /** 0 or absent: any free port. */
  port?: number;
  spoolDir: string;
  name?: string;
  documentFormats?: string[];
  /** How long a job stays processing before it completes. Default 300 ms. */
  completeAfterMs?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
}

export interface VirtualPrinter {
  uri: string;
  port: number;
  /** Every job received, oldest first; updated as jobs progress. */
  jobs: VirtualJob[];
  close(): Promise<void>;
}

const DEFAULT_FORMATS = ['application/pdf', 'image/jpeg', 'image/png', 'image/pwg-raster', 'image/urf'];
const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/pwg-raster': 'pwg',
  'image/urf': 'urf',
  'text/plain': 'txt',
};
const OPERATIONS = [
  'Print-Job',
  'Validate-Job',
  'Cancel-Job',
  'Get-Job-Attributes',
  'Get-Jobs',
  'Get-Printer-Attributes',
];
// An IPP request header is a few hundred bytes; anything this large is not a print request.
const MAX_HEADER_BYTES = 64 * 1024;
const ENDED: ReadonlySet<VirtualJobState> = new Set(['completed', 'canceled', 'aborted']);
const GROUP_KEYWORDS = new Set(['all', 'printer-description', 'job-template', 'job-description']);

type Reply = {
  status: string;
  message?: string;
  groups?: Array<{ tag: IppGroupTag; attributes: IppAttributesInput }>;
};

export async function startVirtualPrinter(options: VirtualPrinterOptions): Promise<VirtualPrinter> {
  const name = options.name ?? 'Virtual Printer';
  const formats = options.documentFormats ?? DEFAULT_FORMATS;
  const completeAfterMs = options.completeAfterMs ?? 300;
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.spoolDir, { recursive: true });

  const jobs: VirtualJob[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const startedAt = Date.now();
  const uuid = `urn:uuid:${randomUUID()}`;
  let nextJobId = 1;
  let uri = '';

  const upTime = () => Math.max(1, Math.round((Date.now() - startedAt) / 1000));
  const jobUri = (job: VirtualJob) => `${uri}/${job.id}`;
  const active = () => jobs.filter((j) => !ENDED.has(j.state));

  const printerAttributes = (): IppAttributesInput => ({
    'charset-configured': 'utf-8',
    'charset-supported': ['utf-8'],
    'compression-supported': ['none'],
    'document-format-default': formats.includes('application/pdf')
      ? 'application/pdf'
      : (formats[0] ?? 'application/pdf'),
    'document-format-supported': formats,
    'generated-natural-language-supported': ['en'],
    'ipp-versions-supported': ['1.1', '2.0'],
    'media-col-default': { 'media-size': { 'x-dimension': 21000, 'y-dimension': 29700 } },
    'media-default': 'iso_a4_210x297mm',
    'media-supported': ['iso_a4_210x297mm', 'na_letter_8.5x11in'],
    'natural-language-configured': 'en',
    'operations-supported': OPERATIONS,
    'pdl-override-supported': 'attempted',
    'printer-info': name,
    'printer-is-accepting-jobs': true,
    'printer-location': 'On this computer',
    'printer-make-and-model': 'Drive Print Connector Virtual Printer',
    'printer-more-info': uri.replace(/^ipp:/, 'http:'),
    'printer-name': name,
    'printer-state': active().length > 0 ? 'processing' : 'idle',
    'printer-state-reasons': ['none'],
    'printer-up-time': upTime(),
    'printer-uri-supported': [uri],
    'printer-uuid': uuid,
    'queued-job-count': active().length,
    'uri-authentication-supported': ['none'],
    'uri-security-supported': ['none'],
    'copies-default': 1,
    'copies-supported': { lower: 1, upper: 999 },
    'sides-default': 'one-sided',
    'sides-supported': ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'],
    'print-color-mode-default': 'monochrome',
    'print-color-mode-supported': ['monochrome', 'color'],
    'color-supported': true,
    'page-ranges-supported': true,
    'multiple-document-jobs-supported': false,
    'which-jobs-supported': ['completed', 'not-completed', 'all'],
  });

  const jobAttributes = (job: VirtualJob): IppAttributesInput => ({
    'job-id': job.id,
    'job-uri': jobUri(job),
    'job-printer-uri': uri,
    'job-name': job.name,
    'job-originating-user-name': job.user,
    'job-state': job.state,
    'job-state-reasons': [stateReason(job.state)],
    'job-printer-up-time': upTime(),
    'time-at-creation': Math.max(1, Math.round((job.createdAt - startedAt) / 1000)),
  });

  const findJob = (request: IppRequest): VirtualJob | undefined => {
    const id =
      firstNumber(request.operationAttributes, 'job-id') ??
      jobIdFromUri(firstString(request.operationAttributes, 'job-uri'));
    return jobs.find((j) => j.id === id);
  };

  const formatProblem = (request: IppRequest): Reply | null => {
    const format = firstString(request.operationAttributes, 'document-format') ?? 'application/octet-stream';
    if (formats.includes(format) || (format === 'application/octet-stream' && formats.length > 0))
      return null;
    return { status: 'client-error-document-format-not-supported', message: `${format} is not supported.` };
  };

  const complete = (job: VirtualJob) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (ENDED.has(job.state)) return;
      job.state = 'completed';
      job.completedAt = Date.now();
    }, completeAfterMs);
    timers.add(timer);
  };

  const printJob = async (request: IppRequest, rest: Buffer, body: IncomingMessage): Promise<Reply> => {
    const problem = formatProblem(request);
    if (problem) return problem;
    const format = firstString(request.operationAttributes, 'document-format') ?? 'application/octet-stream';
    const id = nextJobId++;
    const job: VirtualJob = {
      id,
      name: firstString(request.operationAttributes, 'job-name') ?? 'Untitled',
      format,
      file: join(options.spoolDir, `job-${id}.${EXTENSIONS[format] ?? 'bin'}`),
      state: 'pending',
      user: firstString(request.operationAttributes, 'requesting-user-name') ?? 'anonymous',
      createdAt: Date.now(),
      completedAt: null,
    };
    jobs.push(job);
    const out = createWriteStream(job.file);
    out.write(rest);
    try {
      await pipeline(body, out);
    } catch {
      // The client went away mid-document: like a real printer, abort the job and drop the bytes.
      job.state = 'aborted';
      await rm(job.file, { force: true });
      return { status: 'client-error-bad-request', message: 'The document was incomplete.' };
    }
    job.state = 'processing';
    complete(job);
    return {
      status: 'successful-ok',
      groups: [{ tag: 'job-attributes-tag', attributes: jobAttributes(job) }],
    };
  };

  const handle = async (request: IppRequest, rest: Buffer, body: IncomingMessage): Promise<Reply> => {
    const names = [...request.operationAttributes.keys()];
    if (names[0] !== 'attributes-charset' || names[1] !== 'attributes-natural-language') {
      return {
        status: 'client-error-bad-request',
        message: 'attributes-charset and attributes-natural-language must come first.',
      };
    }
    const requested = allStrings(request.operationAttributes, 'requested-attributes');
    switch (request.operation) {
      case 'Get-Printer-Attributes':
        return {
          status: 'successful-ok',
          groups: [{ tag: 'printer-attributes-tag', attributes: pick(printerAttributes(), requested) }],
        };
      case 'Print-Job':
        return printJob(request, rest, body);
      case 'Validate-Job':
        return formatProblem(request) ?? { status: 'successful-ok' };
      case 'Get-Job-Attributes': {
        const job = findJob(request);
        if (!job) return { status: 'client-error-not-found', message: 'No such job.' };
        return {
          status: 'successful-ok',
          groups: [{ tag: 'job-attributes-tag', attributes: pick(jobAttributes(job), requested) }],
        };
      }
      case 'Get-Jobs': {
        const which = firstString(request.operationAttributes, 'which-jobs') ?? 'not-completed';
        const limit = firstNumber(request.operationAttributes, 'limit') ?? Number.POSITIVE_INFINITY;
        const wanted = requested.length > 0 ? requested : ['job-id', 'job-uri'];
        const selected = jobs
          .filter((j) => which === 'all' || (which === 'completed') === ENDED.has(j.state))
          .slice(0, limit);
        return {
          status: 'successful-ok',
          groups: selected.map((j) => ({
            tag: 'job-attributes-tag' as const,
            attributes: pick(jobAttributes(j), wanted),
          })),
        };
      }
      case 'Cancel-Job': {
        const job = findJob(request);
        if (!job) return { status: 'client-error-not-found', message: 'No such job.' };
        if (ENDED.has(job.state))
          return { status: 'client-error-not-possible', message: 'The job has already ended.' };
        job.state = 'canceled';
        job.completedAt = Date.now();
        return { status: 'successful-ok' };
      }
      default:
        return {
          status: 'server-error-operation-not-supported',
          message: 'This operation is not supported.',
        };
    }
  };

  const server = http.createServer((req, res) => {
    serve(req, res, handle).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  uri = `ipp://${host.includes(':') ? `[${host}]` : host}:${port}/ipp/print`;

  return {
    uri,
    port,
    jobs,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

type Handler = (request: IppRequest, rest: Buffer, body: IncomingMessage) => Promise<Reply>;

async function serve(req: IncomingMessage, res: ServerResponse, handle: Handler): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    res
      .writeHead(req.method === 'GET' ? 200 : 405, { 'Content-Type': 'text/plain' })
      .end('Virtual IPP printer\n');
    return;
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/ipp')) {
    req.resume();
    res.writeHead(400).end();
    return;
  }
  let header: { bytes: Buffer; rest: Buffer };
  try {
    header = await readHeader(req);
  } catch {
    req.resume();
    res.writeHead(400).end();
    return;
  }
  let request: IppRequest;
  try {
    request = decodeRequest(header.bytes);
  } catch {
    req.resume();
    res.writeHead(400).end();
    return;
  }
  const reply = await handle(request, header.rest, req);
  // Whatever the handler did not read (a refused document) is drained before answering: answering
  // first and closing would reset a connection the client is still writing to, losing the answer.
  if (!req.readableEnded) {
    req.resume();
    await finished(req).catch(() => undefined);
  }
  const body = encodeResponse({
    statusCode: reply.status,
    requestId: request.requestId,
    version: request.version.startsWith('1.') ? '1.1' : '2.0',
    groups: [
      {
        tag: 'operation-attributes-tag',
        attributes: reply.message ? { 'status-message': reply.message } : {},
      },
      ...(reply.groups ?? []),
    ],
  });
  res.writeHead(200, { 'Content-Type': 'application/ipp', 'Content-Length': body.length }).end(body);
}

/**
 * Reads until the IPP header (through end-of-attributes-tag) is in; `rest` is the first bytes of the
 * document. The stream is left paused with its data listener removed, ready to be piped on.
 */
function readHeader(req: IncomingMessage): Promise<{ bytes: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const done = (error: Error | null, value?: { bytes: Buffer; rest: Buffer }) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.pause();
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      let length: number | null;
      try {
        length = ippHeaderLength(buffered);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (length !== null)
        done(null, { bytes: buffered.subarray(0, length), rest: buffered.subarray(length) });
      else if (buffered.length > MAX_HEADER_BYTES) done(new Error('IPP header too large'));
    };
    const onEnd = () => done(new Error('IPP request ended inside its header'));
    const onError = (err: Error) => done(err);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The attributes a client asked for (RFC 8011 section 4.2.5.1): all, a group keyword, or names. */
function pick(attributes: IppAttributesInput, requested: readonly string[]): IppAttributesInput {
  if (requested.length === 0 || requested.some((r) => GROUP_KEYWORDS.has(r))) return attributes;
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => requested.includes(name)));
}

function stateReason(state: VirtualJobState): string {
  switch (state) {
    case 'pending':
      return 'none';
    case 'processing':
      return 'job-printing';
    case 'completed':
      return 'job-completed-successfully';
    case 'canceled':
      return 'job-canceled-by-user';
    case 'aborted':
      return 'aborted-by-system';
  }
}

function jobIdFromUri(jobUri: string | undefined): number | undefined {
  const match = jobUri ? /\/(\d+)$/.exec(jobUri) : null;
  return match ? Number(match[1]) : undefined;
}
