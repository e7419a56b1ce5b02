// ScannerDevice over eSCL (AirScan): plain HTTP requests to the scanner's /eSCL root.
// How answers are read follows sane-airscan (airscan-escl.c), the most widely used client:
// - POST ScanJobs answers 201 with Location; the job's host is taken from our URL, not the device's
//   (devices often do not know their own host name).
// - NextDocument: 200 is a page, 404 the end of the job, 503 "not ready yet, ask again".
// - Any other refusal is explained by GET ScannerStatus: AdfState ScannerAdfJam is a jam,
//   ScannerAdfEmpty an empty feeder.

import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamError } from '../domain/errors.js';
import type {
  ScannerCapabilities,
  ScannerConfig,
  ScannerDevice,
  ScannerStatus,
  ScanSettings,
  ScanSource,
} from '../domain/ports.js';
import { parseCapabilities, parseStatus, scanSettingsXml } from './escl-xml.js';

export interface EsclScannerDeviceOptions {
  /** Limit for each request other than a page (capabilities, status, ScanJobs, DELETE). */
  requestTimeoutMs?: number;
  /** Limit for one page, from asking for it to its last byte, including "not ready yet" waits. */
  pageTimeoutMs?: number;
  /** How often to try ScanJobs while the scanner answers 503, and the pause between tries. */
  busyRetry?: { attempts: number; delayMs: number };
  /** Pause between NextDocument tries while the page is not ready (503). */
  pagePollMs?: number;
}

const MESSAGES = {
  scanner_unreachable:
    'The scanner could not be reached. Check that it is switched on and connected to the network, then try again.',
  scanner_busy: 'The scanner is busy with another job. Wait a moment and try again.',
  scanner_jam:
    'Paper is jammed in the scanner. Clear the jam, put the pages back in the feeder and try again.',
  scanner_feeder_empty: "The scanner's feeder is empty. Put the pages in the feeder and try again.",
  scanner_timeout: 'The scanner stopped sending pages. Check the scanner, then try again.',
  scanner_failed:
    'The scanner could not do this scan. Check the scanner and the scan settings, then try again.',
} as const;

type ScannerErrorCode = keyof typeof MESSAGES;

function scannerError(code: ScannerErrorCode, cause?: unknown): UpstreamError {
  return new UpstreamError(code, MESSAGES[code], { retryable: code === 'scanner_busy', cause });
}

/** The device said no with this HTTP status (kept as the cause; never shown). */
class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what}: HTTP ${status}`);
  }
}

export class EsclScannerDevice implements ScannerDevice {
  private readonly requestTimeoutMs: number;
  private readonly pageTimeoutMs: number;
  private readonly busyRetry: { attempts: number; delayMs: number };
  private readonly pagePollMs: number;

  constructor(options: EsclScannerDeviceOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.pageTimeoutMs = options.pageTimeoutMs ?? 120_000;
    this.busyRetry = options.busyRetry ?? { attempts: 3, delayMs: 2_000 };
    this.pagePollMs = options.pagePollMs ?? 1_000;
  }

  async capabilities(scanner: ScannerConfig, signal?: AbortSignal): Promise<ScannerCapabilities> {
    const xml = await this.getText(scanner, 'ScannerCapabilities', signal);
    try {
      return parseCapabilities(xml);
    } catch (err) {
      throw scannerError('scanner_failed', err);
    }
  }

  async status(scanner: ScannerConfig, signal?: AbortSignal): Promise<ScannerStatus> {
    const xml = await this.getText(scanner, 'ScannerStatus', signal);
    try {
      return parseStatus(xml);
    } catch (err) {
      throw scannerError('scanner_failed', err);
    }
  }

  async startJob(scanner: ScannerConfig, settings: ScanSettings, signal?: AbortSignal): Promise<string> {
    const body = scanSettingsXml(settings);
    for (let attempt = 1; ; attempt++) {
      const res = await this.request(esclUrl(scanner, 'ScanJobs'), {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8' },
        body,
        signal,
      });
      // Only the status and Location matter; the body is released at once (sane-airscan ignores it too).
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (res.status === 201 && location) return jobUrlFrom(scanner, location);
      const answer = new HttpAnswer(res.status, 'POST ScanJobs');
      if (res.status === 503) {
        if (attempt >= this.busyRetry.attempts) throw scannerError('scanner_busy', answer);
        await sleep(this.busyRetry.delayMs, undefined, { signal });
        continue;
      }
      throw await this.explain(scanner, settings.source, answer, signal);
    }
  }

  async nextPage(
    scanner: ScannerConfig,
    jobUrl: string,
    destination: string,
    signal?: AbortSignal,
  ): Promise<string | null> {
    const pageLimit = new AbortController();
    const timer = setTimeout(() => pageLimit.abort(), this.pageTimeoutMs);
    const both = signal ? AbortSignal.any([signal, pageLimit.signal]) : pageLimit.signal;
    const url = `${jobUrl.replace(/\/+$/, '')}/NextDocument`;
    let kept = false;
    try {
      for (;;) {
        const res = await fetch(url, { signal: both });
        if (res.status === 200 && res.body) {
          // Streamed to the file: a 600 dpi colour page can be tens of megabytes.
          await pipeline(Readable.fromWeb(res.body as ReadableStream), createWriteStream(destination), {
            signal: both,
          });
          kept = true;
          return mimeOf(res.headers.get('content-type'));
        }
        await res.body?.cancel();
        if (res.status === 404) return null;
        const answer = new HttpAnswer(res.status, 'GET NextDocument');
        // A page request does not say its source, so only a jam is told apart here.
        if (res.status !== 503) throw await this.explain(scanner, null, answer, both);
        // 503: the page is not scanned yet, unless the feeder jammed meanwhile.
        const status = await this.status(scanner, both).catch(() => null);
        if (status?.adf === 'AdfJam') throw scannerError('scanner_jam', answer);
        await sleep(this.pagePollMs, undefined, { signal: both });
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (pageLimit.signal.aborted) throw scannerError('scanner_timeout', err);
      if (err instanceof UpstreamError) throw err;
      throw scannerError('scanner_unreachable', err);
    } finally {
      // The one place a page's timer and a partial or unused file are released, on every path.
      clearTimeout(timer);
      if (!kept) await rm(destination, { force: true });
    }
  }

  async cancel(_scanner: ScannerConfig, jobUrl: string): Promise<void> {
    const res = await this.request(jobUrl, { method: 'DELETE' });
    await res.body?.cancel();
    // 404/410: the scanner has already forgotten the job, which is what we wanted.
    if (!res.ok && res.status !== 404 && res.status !== 410) {
      throw scannerError('scanner_failed', new HttpAnswer(res.status, 'DELETE job'));
    }
  }

  /** GETs an XML resource below the eSCL root; anything but 200 is scanner_failed (503: scanner_busy). */
  private getText(scanner: ScannerConfig, resource: string, signal?: AbortSignal): Promise<string> {
    return this.withinLimit(signal, async (both) => {
      const res = await fetch(esclUrl(scanner, resource), { signal: both });
      if (res.status !== 200) {
        await res.body?.cancel();
        const answer = new HttpAnswer(res.status, resource);
        throw scannerError(res.status === 503 ? 'scanner_busy' : 'scanner_failed', answer);
      }
      return await boundedText(res, MAX_XML_BYTES, resource);
    });
  }

  /** One request within the request time limit; the caller reads or cancels the body. */
  private request(url: string, init: RequestInit & { signal?: AbortSignal }): Promise<Response> {
    return this.withinLimit(init.signal, (both) => fetch(url, { ...init, signal: both }));
  }

  private async withinLimit<T>(
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const limit = AbortSignal.timeout(this.requestTimeoutMs);
    try {
      return await run(signal ? AbortSignal.any([signal, limit]) : limit);
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (err instanceof UpstreamError) throw err;
      // Refused, reset, unknown host or no answer in time: the person's next step is the same.
      throw scannerError('scanner_unreachable', err);
    }
  }

  /** Why the scanner refused: the feeder's state says jam or empty; otherwise scanner_failed. */
  private async explain(
    scanner: ScannerConfig,
    source: ScanSource | null,
    answer: HttpAnswer,
    signal?: AbortSignal,
  ): Promise<UpstreamError> {
    const status = await this.status(scanner, signal).catch(() => null);
    if (status?.adf === 'AdfJam') return scannerError('scanner_jam', answer);
    if (source === 'feeder' && status?.adf === 'AdfEmpty')
      return scannerError('scanner_feeder_empty', answer);
    if (status && status.state === 'processing' && answer.status === 409)
      return scannerError('scanner_busy', answer);
    return scannerError('scanner_failed', answer);
  }
}

function esclUrl(scanner: ScannerConfig, resource: string): string {
  return `${scanner.escl.replace(/\/+$/, '')}/${resource}`;
}

/** The job's URL from Location, on the scanner's host as we know it (as sane-airscan does). */
function jobUrlFrom(scanner: ScannerConfig, location: string): string {
  const ours = new URL(scanner.escl);
  // A Location that is no URL (or one whose scheme cannot take our host) is the scanner's fault.
  const job = URL.parse(location, `${ours.href.replace(/\/+$/, '')}/`);
  if (job) {
    job.protocol = ours.protocol;
    job.host = ours.host;
  }
  if (!job || job.origin !== ours.origin) {
    throw scannerError('scanner_failed', new Error('POST ScanJobs: unusable Location'));
  }
  return job.href;
}

function mimeOf(contentType: string | null): string {
  return contentType?.split(';')[0]?.trim().toLowerCase() || 'application/octet-stream';
}

/** A capabilities or status document is a few KiB; a scanner sending more is not read into memory. */
const MAX_XML_BYTES = 1024 * 1024;

async function boundedText(res: Response, limit: number, resource: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early cancels the body (the iterator's return), so the socket is released.
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > limit) {
      throw scannerError('scanner_failed', new Error(`${resource} answer exceeds ${limit} bytes`));
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
