// An eSCL (AirScan) scanner on loopback for tests and the demo: capabilities, status, scan jobs that
// hand out real page images, and fault knobs. How faults look on the wire follows what real devices do
// and what sane-airscan (airscan-escl.c) understands:
// - busy: POST ScanJobs answers 503 and ScannerStatus says Processing; clients retry later.
// - empty feeder: ScannerStatus has AdfState ScannerAdfEmpty and POST ScanJobs from the Feeder answers
//   409; sane-airscan then reads the status and reports "Document feeder out of documents".
// - jam: NextDocument answers 409 and ScannerStatus has AdfState ScannerAdfJam, the job Aborted;
//   404 is kept for "no more pages" (AirSane PR #135: Windows reads 409 as a jam, 404 as the end).
// - slow: each page waits `pageDelayMs`; stall: page N starts and never finishes (the request hangs).

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EsclXmlError,
  esclColorMode,
  parseScanSettings,
  type ReceivedScanSettings,
} from '../adapters/escl-xml.js';
import type { ScanColorMode, ScanSource } from '../domain/ports.js';
import { renderPage } from './escl-pages.js';

export interface EsclScannerOptions {
  /** Shown as MakeAndModel. */
  name?: string;
  sources?: ScanSource[];
  /** The feeder scans both sides. */
  duplex?: boolean;
  colorModes?: ScanColorMode[];
  resolutions?: number[];
  formats?: string[];
  /** Sheets in the feeder at start. */
  feederSheets?: number;
  /** After each job the feeder holds `feederSheets` again (the demo); otherwise it stays as the job left it. */
  refillFeeder?: boolean;
  faults?: EsclFaults;
  /** 0 picks a free port. */
  port?: number;
}

export interface EsclFaults {
  /** Another job holds the scanner: ScanJobs answers 503. */
  busy?: boolean;
  /** The feeder jams after this many pages of a feeder job (0: on the first). null: no jam. */
  jamAfterPages?: number | null;
  /** Wait before each page. */
  pageDelayMs?: number;
  /** This page (1-based, within a job) stalls: its headers and first half come, the rest never. null: none. */
  stallAtPage?: number | null;
}

/** What one POST ScanJobs asked, as the scanner read it, and how the job went. */
export interface EsclJobRecord {
  id: string;
  /** Path of the job, /eSCL/ScanJobs/<id>. */
  path: string;
  settings: ReceivedScanSettings;
  /** The ScanSettings XML as received. */
  xml: string;
  pagesDelivered: number;
  state: 'Processing' | 'Completed' | 'Canceled' | 'Aborted';
  /** Each NextDocument answer's status, in order. */
  answers: number[];
  deleted: boolean;
}

export interface EsclScanner {
  /** The eSCL root, http://127.0.0.1:<port>/eSCL. */
  url: string;
  port: number;
  /** Every job asked for, oldest first (also those refused, with state Aborted). */
  jobs: EsclJobRecord[];
  /** Every request as "METHOD path", for tests that check what a client asked. */
  requests: string[];
  setFaults(faults: EsclFaults): void;
  /** Puts `sheets` sheets in the feeder (replacing what was there) and clears a jam. */
  loadFeeder(sheets: number): void;
  close(): Promise<void>;
}

interface ActiveJob {
  record: EsclJobRecord;
  /** Pages this job will yield if nothing goes wrong. */
  pagesTotal: number;
  source: ScanSource;
}

const XML_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<scan:%ROOT% xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">';

function documentOf(root: string, body: string[]): string {
  return `${XML_HEAD.replace('%ROOT%', root)}\n${body.join('\n')}\n</scan:${root}>\n`;
}

export async function startEsclScanner(options: EsclScannerOptions = {}): Promise<EsclScanner> {
  const caps = {
    name: options.name ?? 'Demo MFP Scanner',
    sources: options.sources ?? (['flatbed', 'feeder'] as ScanSource[]),
    duplex: options.duplex ?? true,
    colorModes: options.colorModes ?? (['color', 'grayscale', 'blackandwhite'] as ScanColorMode[]),
    resolutions: [...(options.resolutions ?? [75, 150, 300, 600])].sort((a, b) => a - b),
    formats: options.formats ?? ['image/jpeg', 'application/pdf'],
  };
  let faults: Required<EsclFaults> = { busy: false, jamAfterPages: null, pageDelayMs: 0, stallAtPage: null };
  let feederSheets = options.feederSheets ?? 3;
  let jammed = false;
  let active: ActiveJob | null = null;
  const jobs: EsclJobRecord[] = [];
  const requests: string[] = [];
  // Rendering a 300 dpi page takes a moment; the same page is asked for again and again in tests.
  const pageCache = new Map<string, Buffer>();
  const timers = new Set<NodeJS.Timeout>();

  const setFaults = (next: EsclFaults) => {
    faults = { ...faults, ...next };
    if (next.jamAfterPages === null) jammed = false;
  };
  if (options.faults) setFaults(options.faults);

  function inputCaps(tag: string): string {
    const modes = caps.colorModes.map((m) => `<scan:ColorMode>${esclColorMode(m)}</scan:ColorMode>`).join('');
    const formats = caps.formats
      .map(
        (f) =>
          `<pwg:DocumentFormat>${f}</pwg:DocumentFormat><scan:DocumentFormatExt>${f}</scan:DocumentFormatExt>`,
      )
      .join('');
    const resolutions = caps.resolutions
      .map(
        (r) =>
          `<scan:DiscreteResolution><scan:XResolution>${r}</scan:XResolution><scan:YResolution>${r}</scan:YResolution></scan:DiscreteResolution>`,
      )
      .join('');
    // Sizes in 1/300 inch: up to A4 (2480 x 3508).
    return [
      `<scan:${tag}>`,
      '<scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2480</scan:MaxWidth>',
      '<scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>3508</scan:MaxHeight>',
      '<scan:MaxScanRegions>1</scan:MaxScanRegions>',
      '<scan:SettingProfiles><scan:SettingProfile>',
      `<scan:ColorModes>${modes}</scan:ColorModes>`,
      `<scan:DocumentFormats>${formats}</scan:DocumentFormats>`,
      `<scan:SupportedResolutions><scan:DiscreteResolutions>${resolutions}</scan:DiscreteResolutions></scan:SupportedResolutions>`,
      '</scan:SettingProfile></scan:SettingProfiles>',
      '<scan:SupportedIntents><scan:Intent>Document</scan:Intent><scan:Intent>TextAndGraphic</scan:Intent><scan:Intent>Photo</scan:Intent><scan:Intent>Preview</scan:Intent></scan:SupportedIntents>',
      `</scan:${tag}>`,
    ].join('\n');
  }

  function capabilitiesXml(): string {
    const body = ['<pwg:Version>2.63</pwg:Version>', `<pwg:MakeAndModel>${caps.name}</pwg:MakeAndModel>`];
    if (caps.sources.includes('flatbed'))
      body.push(`<scan:Platen>${inputCaps('PlatenInputCaps')}</scan:Platen>`);
    if (caps.sources.includes('feeder')) {
      body.push(
        '<scan:Adf>',
        inputCaps('AdfSimplexInputCaps'),
        ...(caps.duplex ? [inputCaps('AdfDuplexInputCaps')] : []),
        '<scan:FeederCapacity>50</scan:FeederCapacity>',
        `<scan:AdfOptions><scan:AdfOption>DetectPaperLoaded</scan:AdfOption>${caps.duplex ? '<scan:AdfOption>Duplex</scan:AdfOption>' : ''}</scan:AdfOptions>`,
        '</scan:Adf>',
      );
    }
    return documentOf('ScannerCapabilities', body);
  }

  function adfState(): string {
    if (jammed) return 'ScannerAdfJam';
    return feederSheets > 0 ? 'ScannerAdfLoaded' : 'ScannerAdfEmpty';
  }

  function statusXml(): string {
    const state = active || faults.busy ? 'Processing' : 'Idle';
    const body = ['<pwg:Version>2.63</pwg:Version>', `<pwg:State>${state}</pwg:State>`];
    if (caps.sources.includes('feeder')) body.push(`<scan:AdfState>${adfState()}</scan:AdfState>`);
    body.push('<scan:Jobs>');
    for (const job of [...jobs].reverse()) {
      const reason =
        job.state === 'Processing'
          ? 'JobScanning'
          : job.state === 'Completed'
            ? 'JobCompletedSuccessfully'
            : job.state === 'Canceled'
              ? 'JobCanceledByUser'
              : 'JobCompletedWithErrors';
      body.push(
        '<scan:JobInfo>',
        `<pwg:JobUri>${job.path}</pwg:JobUri><pwg:JobUuid>${job.id}</pwg:JobUuid><scan:Age>0</scan:Age>`,
        `<pwg:ImagesCompleted>${job.pagesDelivered}</pwg:ImagesCompleted><pwg:ImagesToTransfer>0</pwg:ImagesToTransfer>`,
        `<pwg:JobState>${job.state}</pwg:JobState>`,
        `<pwg:JobStateReasons><pwg:JobStateReason>${reason}</pwg:JobStateReason></pwg:JobStateReasons>`,
        '</scan:JobInfo>',
      );
    }
    body.push('</scan:Jobs>');
    return documentOf('ScannerStatus', body);
  }

  /** Why a scanner would refuse these settings (409 Conflict, as devices answer), or null. */
  function refusal(s: ReceivedScanSettings): string | null {
    if (!s.source || !caps.sources.includes(s.source)) return 'input source not supported';
    if (!s.colorMode || !caps.colorModes.includes(s.colorMode)) return 'colour mode not supported';
    if (s.xResolution === null || !caps.resolutions.includes(s.xResolution))
      return 'resolution not supported';
    if (s.yResolution !== null && s.yResolution !== s.xResolution) return 'resolution not supported';
    if (!s.format || !caps.formats.includes(s.format)) return 'document format not supported';
    if (s.duplex && (s.source !== 'feeder' || !caps.duplex)) return 'duplex not supported';
    return null;
  }

  function send(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8', ...headers });
    res.end(body);
  }

  function createJob(req: IncomingMessage, res: ServerResponse, xml: string) {
    let settings: ReceivedScanSettings;
    try {
      settings = parseScanSettings(xml);
    } catch (err) {
      if (err instanceof EsclXmlError) return send(res, 400, 'Malformed ScanSettings');
      throw err;
    }
    const id = randomUUID();
    const record: EsclJobRecord = {
      id,
      path: `/eSCL/ScanJobs/${id}`,
      settings,
      xml,
      pagesDelivered: 0,
      state: 'Aborted',
      answers: [],
      deleted: false,
    };
    jobs.push(record);
    if (faults.busy || active) return send(res, 503, 'Scanner busy', { 'Retry-After': '1' });
    const why = refusal(settings);
    if (why) return send(res, 409, why);
    if (settings.source === 'feeder' && (jammed || feederSheets === 0))
      return send(res, 409, 'Feeder not ready');
    record.state = 'Processing';
    const pagesTotal = settings.source === 'feeder' ? feederSheets * (settings.duplex ? 2 : 1) : 1;
    active = { record, pagesTotal, source: settings.source! };
    const host = req.headers.host ?? `127.0.0.1:${port}`;
    send(res, 201, '', { Location: `http://${host}${record.path}` });
  }

  function page(job: ActiveJob, number: number): Buffer {
    const s = job.record.settings;
    const side = s.duplex ? (number % 2 === 1 ? 'front' : 'back') : undefined;
    const key = `${s.format}|${s.colorMode}|${s.xResolution}|${number}|${side}`;
    let bytes = pageCache.get(key);
    if (!bytes) {
      bytes = renderPage({
        number,
        side,
        colorMode: s.colorMode!,
        resolution: s.xResolution!,
        format: s.format!,
      });
      pageCache.set(key, bytes);
    }
    return bytes;
  }

  function nextDocument(res: ServerResponse, job: ActiveJob) {
    const answer = (status: number, body = '', headers: Record<string, string> = {}) => {
      job.record.answers.push(status);
      send(res, status, body, headers);
    };
    const number = job.record.pagesDelivered + 1;
    if (job.record.pagesDelivered >= job.pagesTotal) {
      job.record.state = 'Completed';
      active = null;
      if (options.refillFeeder) feederSheets = options.feederSheets ?? 3;
      return answer(404, 'No more pages');
    }
    if (
      job.source === 'feeder' &&
      faults.jamAfterPages !== null &&
      job.record.pagesDelivered >= faults.jamAfterPages
    ) {
      jammed = true;
      job.record.state = 'Aborted';
      active = null;
      return answer(409, 'Feeder jam');
    }
    const deliver = () => {
      if (res.destroyed || active !== job) return;
      const bytes = page(job, number);
      if (faults.stallAtPage === number) {
        // Half the page, then silence: the rest never comes (close() drops the connection).
        res.writeHead(200, {
          'Content-Type': job.record.settings.format!,
          'Content-Length': String(bytes.length),
        });
        res.write(bytes.subarray(0, bytes.length >> 1));
        return;
      }
      job.record.pagesDelivered = number;
      // A sheet leaves the feeder when its front has been scanned.
      if (job.source === 'feeder' && (!job.record.settings.duplex || number % 2 === 1)) {
        feederSheets = Math.max(0, feederSheets - 1);
      }
      job.record.answers.push(200);
      res.writeHead(200, {
        'Content-Type': job.record.settings.format!,
        'Content-Length': String(bytes.length),
      });
      res.end(bytes);
    };
    if (faults.pageDelayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        deliver();
      }, faults.pageDelayMs);
      timers.add(timer);
    } else {
      deliver();
    }
  }

  function route(req: IncomingMessage, res: ServerResponse, body: string) {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    requests.push(`${req.method} ${path}`);
    if (req.method === 'GET' && path === '/eSCL/ScannerCapabilities')
      return send(res, 200, capabilitiesXml());
    if (req.method === 'GET' && path === '/eSCL/ScannerStatus') return send(res, 200, statusXml());
    if (req.method === 'POST' && path === '/eSCL/ScanJobs') return createJob(req, res, body);
    const m = /^\/eSCL\/ScanJobs\/([^/]+)(\/NextDocument)?$/.exec(path);
    const record = m ? jobs.find((j) => j.id === m[1]) : undefined;
    if (!m || !record) return send(res, 404, 'Not found');
    if (req.method === 'GET' && m[2]) {
      if (active?.record !== record) return send(res, 404, 'No more pages');
      return nextDocument(res, active);
    }
    if (req.method === 'DELETE' && !m[2]) {
      record.deleted = true;
      if (active?.record === record) {
        record.state = 'Canceled';
        active = null;
      }
      return send(res, 200);
    }
    send(res, 405, 'Method not allowed');
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/eSCL`,
    port,
    jobs,
    requests,
    setFaults,
    loadFeeder(sheets) {
      feederSheets = sheets;
      jammed = false;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Stalled pages hold their connection open; drop them so close() returns.
        server.closeAllConnections();
      });
    },
  };
}
