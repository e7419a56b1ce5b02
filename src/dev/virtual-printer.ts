// An in-process IPP printer for the demo and tests on machines without ippeveprinter. It speaks enough
// IPP/2.0 for IppPrintSystem and for ipptool's standard tests: Get-Printer-Attributes, Print-Job,
// Validate-Job, Get-Job-Attributes, Get-Jobs and Cancel-Job. It advertises configurable capabilities
// and holds jobs to them as a real printer does; documents are streamed to `spoolDir` as
// job-<id>.<ext>, and only the IPP header is held in memory while a job arrives.

import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { PDFDocument } from 'pdf-lib';
import {
  allStrings,
  decodeRequest,
  encodeResponse,
  firstBoolean,
  firstNumber,
  firstString,
  type IppAttributes,
  type IppAttributesInput,
  type IppCollection,
  type IppCollectionInput,
  type IppGroupTag,
  type IppRange,
  type IppRequest,
  type IppValue,
  ippHeaderLength,
} from '../adapters/ipp-codec.js';
import { mediaSizeFromName } from '../adapters/ipp-media.js';
import type { PrintQuality, RasterFacts } from '../domain/ports.js';

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
  /** The Job Template attributes it came with (copies, sides, media, ...), as decoded. */
  attributes: Record<string, readonly IppValue[]>;
  /** job-impressions-completed once it completed, when its pages could be counted; else null. */
  impressions: number | null;
}

export interface VirtualPrinterOptions {
  /** 0 or absent: any free port. */
  port?: number;
  spoolDir: string;
  name?: string;
  /** How long a job stays processing before it completes. Default 300 ms. */
  completeAfterMs?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** document-format-supported. Default PDF, JPEG, PNG, PWG raster and URF. */
  documentFormats?: string[];
  /** Two-sided printing. Default true. */
  duplex?: boolean;
  /** print-color-mode color besides monochrome. Default true. */
  color?: boolean;
  /** media-supported (and the sizes of media-col-database). Default A4, A3, Letter, Legal. */
  media?: string[];
  /** media-ready and media-col-ready. Default the first of `media`. */
  mediaReady?: string[];
  /** Whether the printer takes the media keyword (lists media-supported). Default true. */
  mediaKeyword?: boolean;
  /** Whether the printer takes media-col (lists media-col-supported). Default true. */
  mediaCol?: boolean;
  /** finishings-supported besides none. Default staple. */
  finishings?: string[];
  /** page-ranges-supported. Default true. */
  pageRanges?: boolean;
  /** number-up-supported. Default 1, 2, 4. */
  numberUp?: number[];
  /** print-quality-supported. Default draft, normal, high. */
  qualities?: PrintQuality[];
  /** The upper bound of copies-supported. Default 999. */
  maxCopies?: number;
  /** Whether operations-supported lists Validate-Job (and it is answered). Default true. */
  validateJob?: boolean;
  /** pwg-raster-document-resolution-supported, dpi. Default 300 and 600. */
  rasterResolutions?: Array<[number, number]>;
  /** pwg-raster-document-type-supported. Default sgray_8 and black_1, with srgb_8 when in colour. */
  rasterTypes?: string[];
  /** pwg-raster-document-sheet-back. Default normal. */
  sheetBack?: RasterFacts['pwgSheetBack'];
  /** printer-state-reasons at start (see VirtualPrinter.setStateReasons). Default none. */
  stateReasons?: string[];
  /**
   * Event notifications with the ippget pull method (RFC 3995, RFC 3996): a Print-Job may ask for a
   * subscription to its job's events, which Get-Notifications hands out, holding the request (with
   * notify-wait) until there is one. Default false, as at many printers.
   */
  notifications?: boolean;
}

export interface VirtualPrinter {
  uri: string;
  port: number;
  /** Every job received, oldest first; updated as jobs progress. */
  jobs: VirtualJob[];
  /** The operation of every request received, in order (e.g. Print-Job, Get-Notifications). */
  operations: string[];
  /**
   * printer-state-reasons from now on, e.g. ['media-empty-report']; [] for none. A reason with the
   * -error suffix stops the printer (printer-state stopped), as RFC 8011 section 5.4.12 describes.
   */
  setStateReasons(reasons: string[]): void;
  /**
   * From now on, forget each subscription as soon as it is made, as a printer that lost them (after a
   * restart) would: its id is still answered, but Get-Notifications says client-error-not-found.
   */
  forgetSubscriptions(): void;
  close(): Promise<void>;
}

const DEFAULT_FORMATS = ['application/pdf', 'image/jpeg', 'image/png', 'image/pwg-raster', 'image/urf'];
const DEFAULT_MEDIA = ['iso_a4_210x297mm', 'iso_a3_297x420mm', 'na_letter_8.5x11in', 'na_legal_8.5x14in'];
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
// Pages are counted by reading the stored document once; larger ones are left uncounted.
const MAX_COUNTED_BYTES = 64 * 1024 * 1024;
const ENDED: ReadonlySet<VirtualJobState> = new Set(['completed', 'canceled', 'aborted']);
const GROUP_KEYWORDS = new Set(['all', 'printer-description', 'job-template', 'job-description']);

type Reply = {
  status: string;
  message?: string;
  /** Operation attributes besides status-message. */
  operation?: IppAttributesInput;
  groups?: Array<{ tag: IppGroupTag; attributes: IppAttributesInput }>;
};

/** A job's subscription (RFC 3995): the events it collected, handed out by Get-Notifications. */
interface Subscription {
  id: number;
  jobId: number;
  events: Array<{ sequence: number; attributes: IppAttributesInput }>;
  nextSequence: number;
  /** The job ended: its last event is in, no more will come. */
  ended: boolean;
  /** Get-Notifications requests held until the next event. */
  waiters: Set<() => void>;
}

/** How long a Get-Notifications with notify-wait is held without an event; also notify-get-interval. */
const NOTIFY_HOLD_SECONDS = 5;

/** What the printer advertises and holds jobs to. */
interface Capabilities {
  formats: string[];
  sides: string[];
  colorModes: string[];
  media: string[];
  mediaReady: string[];
  mediaKeyword: boolean;
  mediaCol: boolean;
  finishings: string[];
  pageRanges: boolean;
  numberUp: number[];
  qualities: PrintQuality[];
  maxCopies: number;
  validateJob: boolean;
  rasterResolutions: Array<[number, number]>;
  rasterTypes: string[];
  sheetBack: RasterFacts['pwgSheetBack'];
  urf: string[];
}

function capabilitiesFrom(options: VirtualPrinterOptions): Capabilities {
  const duplex = options.duplex ?? true;
  const color = options.color ?? true;
  const media = options.media ?? DEFAULT_MEDIA;
  const rasterResolutions = options.rasterResolutions ?? [
    [300, 300],
    [600, 600],
  ];
  const dpis = [...new Set(rasterResolutions.map(([x]) => x))].sort((a, b) => a - b);
  return {
    formats: options.documentFormats ?? DEFAULT_FORMATS,
    sides: duplex ? ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'] : ['one-sided'],
    colorModes: color ? ['monochrome', 'color'] : ['monochrome'],
    media,
    mediaReady: options.mediaReady ?? media.slice(0, 1),
    mediaKeyword: options.mediaKeyword ?? true,
    mediaCol: options.mediaCol ?? true,
    finishings: options.finishings ?? ['staple'],
    pageRanges: options.pageRanges ?? true,
    numberUp: options.numberUp ?? [1, 2, 4],
    qualities: options.qualities ?? ['draft', 'normal', 'high'],
    maxCopies: options.maxCopies ?? 999,
    validateJob: options.validateJob ?? true,
    rasterResolutions,
    rasterTypes: options.rasterTypes ?? (color ? ['black_1', 'sgray_8', 'srgb_8'] : ['black_1', 'sgray_8']),
    sheetBack: options.sheetBack ?? 'normal',
    // Apple raster (URF) capability keywords: version, copies, 8-bit grey, sRGB, resolutions, duplex.
    urf: [
      'V1.4',
      'CP1',
      'W8',
      ...(color ? ['SRGB24'] : []),
      `RS${dpis.join('-')}`,
      ...(duplex ? ['DM1'] : []),
    ],
  };
}

function mediaSize(name: string): IppCollectionInput {
  const size = mediaSizeFromName(name);
  return { 'x-dimension': size?.x ?? 0, 'y-dimension': size?.y ?? 0 };
}

function mediaCol(name: string): IppCollectionInput {
  return { 'media-size': mediaSize(name), 'media-size-name': name };
}

/** The Job Template attributes this printer checks, and keeps with the job. */
const TEMPLATE_ATTRIBUTES = [
  'copies',
  'sides',
  'print-color-mode',
  'media',
  'media-col',
  'page-ranges',
  'number-up',
  'orientation-requested',
  'print-quality',
  'finishings',
  'finishings-col',
] as const;

/**
 * The job attributes this printer does not support, with the values asked for (RFC 8011 section
 * 4.1.7); empty when it takes them all. Other attributes are ignored, as with ipp-attribute-fidelity false.
 */
function unsupportedJobAttributes(job: IppAttributes, caps: Capabilities): Record<string, IppValue[]> {
  const unsupported: Record<string, IppValue[]> = {};
  const check = (name: string, ok: (values: readonly IppValue[]) => boolean) => {
    const values = job.get(name);
    if (values && !ok(values)) unsupported[name] = [...values];
  };
  const one = (values: readonly IppValue[], ok: (value: IppValue) => boolean) =>
    values.length === 1 && ok(values[0]!);
  const oneOf = (list: readonly unknown[]) => (values: readonly IppValue[]) =>
    one(values, (v) => list.includes(v));
  check('copies', (values) => one(values, (v) => typeof v === 'number' && v >= 1 && v <= caps.maxCopies));
  check('sides', oneOf(caps.sides));
  check('print-color-mode', oneOf(caps.colorModes));
  check('media', (values) => caps.mediaKeyword && oneOf(caps.media)(values));
  check('media-col', (values) => caps.mediaCol && one(values, (v) => mediaColFits(v, caps.media)));
  check('page-ranges', (values) => caps.pageRanges && rangesAscending(values));
  check('number-up', oneOf(caps.numberUp));
  check('orientation-requested', oneOf(['portrait', 'landscape']));
  check('print-quality', oneOf(caps.qualities));
  check('finishings', (values) => values.every((v) => v === 'none' || caps.finishings.includes(v as string)));
  check('finishings-col', () => false);
  return unsupported;
}

/** A media-col whose media-size is one of `media` (and whose media-size-name, if any, names one). */
function mediaColFits(value: IppValue, media: readonly string[]): boolean {
  if (!value || typeof value !== 'object' || value instanceof Date) return false;
  const col = value as IppCollection;
  const name = col['media-size-name'];
  if (name !== undefined && !media.includes(name as string)) return false;
  const size = col['media-size'] as IppCollection | undefined;
  if (!size) return name !== undefined;
  return media.some((m) => {
    const s = mediaSizeFromName(m);
    return s !== null && s.x === size['x-dimension'] && s.y === size['y-dimension'];
  });
}

/** RFC 8011 section 5.2.7: ascending, not overlapping, from page 1 on. */
function rangesAscending(values: readonly IppValue[]): boolean {
  let last = 0;
  for (const value of values) {
    const range = value as IppRange | null;
    if (!range || typeof range.lower !== 'number' || range.lower <= last || range.upper < range.lower) {
      return false;
    }
    last = range.upper;
  }
  return values.length > 0;
}

export async function startVirtualPrinter(options: VirtualPrinterOptions): Promise<VirtualPrinter> {
  const name = options.name ?? 'Virtual Printer';
  const caps = capabilitiesFrom(options);
  const formats = caps.formats;
  const completeAfterMs = options.completeAfterMs ?? 300;
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.spoolDir, { recursive: true });

  const jobs: VirtualJob[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const startedAt = Date.now();
  const uuid = `urn:uuid:${randomUUID()}`;
  let stateReasons = options.stateReasons ?? [];
  let closed = false;
  let nextJobId = 1;
  let uri = '';
  const operations: string[] = [];
  const notifications = options.notifications ?? false;
  const subscriptions = new Map<number, Subscription>();
  let nextSubscriptionId = 1;
  let forgetful = false;

  const upTime = () => Math.max(1, Math.round((Date.now() - startedAt) / 1000));
  const jobUri = (job: VirtualJob) => `${uri}/${job.id}`;
  const active = () => jobs.filter((j) => !ENDED.has(j.state));
  const printerState = () => {
    if (stateReasons.some((reason) => reason.endsWith('-error'))) return 'stopped';
    return active().length > 0 ? 'processing' : 'idle';
  };

  const mediaAttributes = (): IppAttributesInput => ({
    ...(caps.mediaKeyword
      ? { 'media-supported': caps.media, 'media-ready': caps.mediaReady, 'media-default': caps.media[0]! }
      : {}),
    ...(caps.mediaCol
      ? {
          'media-col-supported': caps.mediaKeyword ? ['media-size', 'media-size-name'] : ['media-size'],
          'media-col-database': caps.media.map(mediaCol),
          'media-col-ready': caps.mediaReady.map(mediaCol),
          'media-col-default': mediaCol(caps.media[0]!),
          'media-size-supported': caps.media.map(mediaSize),
        }
      : {}),
  });

  const rasterAttributes = (): IppAttributesInput => ({
    ...(formats.includes('image/pwg-raster')
      ? {
          // PWG 5100.13 asks these of every printer that takes PWG raster.
          'pwg-raster-document-resolution-supported': caps.rasterResolutions.map(([x, y]) => ({
            cross: x,
            feed: y,
            units: 'dpi' as const,
          })),
          'pwg-raster-document-type-supported': caps.rasterTypes,
          'pwg-raster-document-sheet-back': caps.sheetBack,
        }
      : {}),
    ...(formats.includes('image/urf') ? { 'urf-supported': caps.urf } : {}),
  });

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
    'natural-language-configured': 'en',
    'operations-supported': [
      ...OPERATIONS.filter((op) => op !== 'Validate-Job' || caps.validateJob),
      ...(notifications ? ['Get-Notifications'] : []),
    ],
    ...(notifications
      ? {
          'notify-pull-method-supported': ['ippget'],
          'notify-events-supported': ['job-completed', 'job-state-changed'],
          'notify-events-default': 'job-completed',
        }
      : {}),
    'pdl-override-supported': 'attempted',
    'printer-info': name,
    'printer-is-accepting-jobs': true,
    'printer-location': 'On this computer',
    'printer-make-and-model': 'Drive Print Connector Virtual Printer',
    'printer-more-info': uri.replace(/^ipp:/, 'http:'),
    'printer-name': name,
    'printer-state': printerState(),
    'printer-state-reasons': stateReasons.length > 0 ? stateReasons : ['none'],
    'printer-up-time': upTime(),
    'printer-uri-supported': [uri],
    'printer-uuid': uuid,
    'queued-job-count': active().length,
    'uri-authentication-supported': ['none'],
    'uri-security-supported': ['none'],
    'copies-default': 1,
    'copies-supported': { lower: 1, upper: caps.maxCopies },
    'sides-default': 'one-sided',
    'sides-supported': caps.sides,
    'print-color-mode-default': 'monochrome',
    'print-color-mode-supported': caps.colorModes,
    'color-supported': caps.colorModes.includes('color'),
    ...mediaAttributes(),
    'page-ranges-supported': caps.pageRanges,
    'orientation-requested-default': 'portrait',
    'orientation-requested-supported': ['portrait', 'landscape'],
    'number-up-default': 1,
    'number-up-supported': caps.numberUp,
    'print-quality-default': 'normal',
    'print-quality-supported': caps.qualities,
    'finishings-default': 'none',
    'finishings-supported': ['none', ...caps.finishings],
    ...rasterAttributes(),
    'multiple-document-jobs-supported': false,
    'which-jobs-supported': ['completed', 'not-completed', 'all'],
  });

  const jobAttributes = (job: VirtualJob): IppAttributesInput => ({
    // Like ippeveprinter, a job answers with the template attributes it was created with.
    ...(job.attributes as IppAttributesInput),
    'job-id': job.id,
    'job-uri': jobUri(job),
    'job-printer-uri': uri,
    'job-name': job.name,
    'job-originating-user-name': job.user,
    'job-state': job.state,
    'job-state-reasons': [stateReason(job.state)],
    'job-printer-up-time': upTime(),
    'time-at-creation': Math.max(1, Math.round((job.createdAt - startedAt) / 1000)),
    ...(job.impressions === null ? {} : { 'job-impressions-completed': job.impressions }),
  });

  /** A job's state changed: each of its subscriptions gets an event, and held requests are answered. */
  const changed = (job: VirtualJob) => {
    for (const subscription of subscriptions.values()) {
      if (subscription.jobId !== job.id || subscription.ended) continue;
      const ended = ENDED.has(job.state);
      const sequence = subscription.nextSequence++;
      subscription.events.push({
        sequence,
        attributes: {
          'notify-subscription-id': subscription.id,
          'notify-sequence-number': sequence,
          'notify-subscribed-event': ended ? 'job-completed' : 'job-state-changed',
          'notify-printer-uri': uri,
          'notify-job-id': job.id,
          'job-state': job.state,
          'job-state-reasons': [stateReason(job.state)],
          ...(job.impressions === null ? {} : { 'job-impressions-completed': job.impressions }),
          'printer-up-time': upTime(),
        },
      });
      subscription.ended = ended;
      for (const wake of [...subscription.waiters]) wake();
    }
  };

  /** A job creation's subscription group (RFC 3995 section 5.3), when it asks for ippget. */
  const subscribe = (request: IppRequest, job: VirtualJob): Reply['groups'] => {
    if (!notifications) return [];
    const group = request.groups.find((g) => g.tag === 'subscription-attributes-tag');
    if (!group || firstString(group.attributes, 'notify-pull-method') !== 'ippget') return [];
    const subscription: Subscription = {
      id: nextSubscriptionId++,
      jobId: job.id,
      events: [],
      nextSequence: 1,
      ended: false,
      waiters: new Set(),
    };
    if (!forgetful) subscriptions.set(subscription.id, subscription);
    return [
      { tag: 'subscription-attributes-tag', attributes: { 'notify-subscription-id': subscription.id } },
    ];
  };

  /** Get-Notifications (RFC 3996 section 5): the events from a sequence number on, held until one comes. */
  const getNotifications = async (request: IppRequest): Promise<Reply> => {
    const id = firstNumber(request.operationAttributes, 'notify-subscription-ids');
    const subscription = id === undefined ? undefined : subscriptions.get(id);
    if (!subscription) return { status: 'client-error-not-found', message: 'No such subscription.' };
    const from = firstNumber(request.operationAttributes, 'notify-sequence-numbers') ?? 1;
    const pending = () => subscription.events.filter((e) => e.sequence >= from);
    if (
      pending().length === 0 &&
      !subscription.ended &&
      firstBoolean(request.operationAttributes, 'notify-wait')
    ) {
      const waiters = subscription.waiters;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, NOTIFY_HOLD_SECONDS * 1000);
        waiters.add(done);
      });
    }
    const events = pending();
    // Every event of an ended job handed out: this subscription has nothing more to say.
    const complete = subscription.ended && events.at(-1)?.sequence === subscription.nextSequence - 1;
    return {
      status: complete ? 'successful-ok-events-complete' : 'successful-ok',
      operation: {
        ...(complete ? {} : { 'notify-get-interval': NOTIFY_HOLD_SECONDS }),
        'printer-up-time': upTime(),
      },
      groups: events.map((e) => ({
        tag: 'event-notification-attributes-tag' as const,
        attributes: e.attributes,
      })),
    };
  };

  const findJob = (request: IppRequest): VirtualJob | undefined => {
    const id =
      firstNumber(request.operationAttributes, 'job-id') ??
      jobIdFromUri(firstString(request.operationAttributes, 'job-uri'));
    return jobs.find((j) => j.id === id);
  };

  /** Print-Job and Validate-Job: the document format, then the job's attributes, as a printer checks them. */
  const jobProblem = (request: IppRequest): Reply | null => {
    const format = firstString(request.operationAttributes, 'document-format') ?? 'application/octet-stream';
    if (!formats.includes(format) && !(format === 'application/octet-stream' && formats.length > 0)) {
      return { status: 'client-error-document-format-not-supported', message: `${format} is not supported.` };
    }
    const unsupported = unsupportedJobAttributes(request.jobAttributes, caps);
    if (Object.keys(unsupported).length === 0) return null;
    return {
      status: 'client-error-attributes-or-values-not-supported',
      message: `Unsupported ${Object.keys(unsupported).join(', ')}.`,
      groups: [{ tag: 'unsupported-attributes-tag', attributes: unsupported as IppAttributesInput }],
    };
  };

  const complete = (job: VirtualJob) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (ENDED.has(job.state)) return;
      // Counting reads the stored document; whatever happens, the job completes (uncounted at worst).
      void countImpressions(job)
        .catch(() => null)
        .then((impressions) => {
          if (closed || ENDED.has(job.state)) return;
          job.impressions = impressions;
          job.state = 'completed';
          job.completedAt = Date.now();
          changed(job);
        });
    }, completeAfterMs);
    timers.add(timer);
  };

  const printJob = async (request: IppRequest, rest: Buffer, body: IncomingMessage): Promise<Reply> => {
    const problem = jobProblem(request);
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
      attributes: Object.fromEntries(
        TEMPLATE_ATTRIBUTES.filter((a) => request.jobAttributes.has(a)).map((a) => [
          a,
          request.jobAttributes.get(a)!,
        ]),
      ),
      impressions: null,
    };
    jobs.push(job);
    const subscribed = subscribe(request, job);
    const out = createWriteStream(job.file);
    out.write(rest);
    try {
      await pipeline(body, out);
    } catch {
      // The client went away mid-document: like a real printer, abort the job and drop the bytes.
      job.state = 'aborted';
      changed(job);
      await rm(job.file, { force: true });
      return { status: 'client-error-bad-request', message: 'The document was incomplete.' };
    }
    job.state = 'processing';
    changed(job);
    complete(job);
    return {
      status: 'successful-ok',
      groups: [{ tag: 'job-attributes-tag', attributes: jobAttributes(job) }, ...(subscribed ?? [])],
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
    operations.push(request.operation ?? `0x${request.operationId.toString(16)}`);
    const requested = allStrings(request.operationAttributes, 'requested-attributes');
    switch (request.operation) {
      case 'Get-Notifications':
        if (!notifications) break;
        return getNotifications(request);
      case 'Get-Printer-Attributes':
        return {
          status: 'successful-ok',
          groups: [{ tag: 'printer-attributes-tag', attributes: pick(printerAttributes(), requested) }],
        };
      case 'Print-Job':
        return printJob(request, rest, body);
      case 'Validate-Job':
        if (!caps.validateJob) break;
        return jobProblem(request) ?? { status: 'successful-ok' };
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
        changed(job);
        return { status: 'successful-ok' };
      }
    }
    return { status: 'server-error-operation-not-supported', message: 'This operation is not supported.' };
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
    operations,
    setStateReasons: (reasons) => {
      stateReasons = [...reasons];
    },
    forgetSubscriptions: () => {
      forgetful = true;
    },
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const subscription of subscriptions.values()) for (const wake of [...subscription.waiters]) wake();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

// ---- Counting what a job printed ----------------------------------------------------------------

/**
 * job-impressions-completed as a printer would count it (RFC 8011 section 5.3.18.2): the document's
 * pages, those in page-ranges, number-up to a side, times copies. Null when the pages cannot be counted.
 */
async function countImpressions(job: VirtualJob): Promise<number | null> {
  const pages = await countPages(job.file, job.format);
  if (pages === null) return null;
  const ranges = (job.attributes['page-ranges'] ?? []) as IppRange[];
  const selected =
    ranges.length === 0
      ? pages
      : ranges.reduce((n, r) => n + Math.max(0, Math.min(r.upper, pages) - r.lower + 1), 0);
  const numberUp = (job.attributes['number-up']?.[0] as number | undefined) ?? 1;
  const copies = (job.attributes.copies?.[0] as number | undefined) ?? 1;
  return Math.ceil(selected / numberUp) * copies;
}

async function countPages(file: string, format: string): Promise<number | null> {
  if (format === 'image/jpeg' || format === 'image/png') return 1;
  const { size } = await stat(file);
  if (size === 0 || size > MAX_COUNTED_BYTES) return null;
  if (format === 'image/urf') return countUrfPages(await readHead(file, 12));
  if (format === 'image/pwg-raster') return countPwgRasterPages(await readFile(file));
  if (format === 'application/pdf') return countPdfPages(file, size);
  return null;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Apple raster: "UNIRAST\0" and then the page count, big-endian. */
export function countUrfPages(head: Buffer): number | null {
  if (head.length < 12 || head.toString('latin1', 0, 8) !== 'UNIRAST\0') return null;
  const pages = head.readUInt32BE(8);
  return pages > 0 ? pages : null;
}

// PWG 5102.4: a 1796-byte page header, then the page's lines compressed.
const PWG_HEADER_BYTES = 1796;

/**
 * The pages of a PWG raster stream (PWG 5102.4), found by walking each page's compressed lines (the
 * same modified PackBits CUPS reads in cups/raster-stream.c); null when the stream is not well formed.
 */
export function countPwgRasterPages(data: Buffer): number | null {
  if (data.toString('latin1', 0, 4) !== 'RaS2') return null;
  let pos = 4;
  let pages = 0;
  while (pos < data.length) {
    if (pos + PWG_HEADER_BYTES > data.length) return null;
    const height = data.readUInt32BE(pos + 376);
    const bytesPerPixel = Math.max(1, Math.ceil(data.readUInt32BE(pos + 388) / 8));
    const bytesPerLine = data.readUInt32BE(pos + 392);
    if (height === 0 || bytesPerLine === 0) return null;
    pos += PWG_HEADER_BYTES;
    for (let lines = height; lines > 0; ) {
      if (pos >= data.length) return null;
      lines -= data[pos++]! + 1;
      for (let bytes = bytesPerLine; bytes > 0; ) {
        if (pos >= data.length) return null;
        const control = data[pos++]!;
        if (control === 128)
          bytes = 0; // the rest of the line is blank
        else if (control > 128) {
          const literal = Math.min((257 - control) * bytesPerPixel, bytes);
          pos += literal;
          bytes -= literal;
        } else {
          pos += bytesPerPixel;
          bytes -= Math.min((control + 1) * bytesPerPixel, bytes);
        }
      }
    }
    if (pos > data.length) return null;
    pages += 1;
  }
  return pages > 0 ? pages : null;
}

/**
 * A PDF's page count with pdf-lib. A file that does not end like a PDF (startxref near the end,
 * ISO 32000-1 section 7.5.5) is not parsed at all: pdf-lib would crawl a large one for seconds.
 */
async function countPdfPages(file: string, size: number): Promise<number | null> {
  const tailBytes = Math.min(size, 2048);
  const handle = await open(file, 'r');
  let tail: string;
  try {
    const { buffer } = await handle.read(Buffer.alloc(tailBytes), 0, tailBytes, size - tailBytes);
    tail = buffer.toString('latin1');
  } finally {
    await handle.close();
  }
  if (!tail.includes('startxref')) return null;
  const document = await PDFDocument.load(await readFile(file), {
    ignoreEncryption: true,
    updateMetadata: false,
  });
  return document.getPageCount();
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
  const encode = (groups: NonNullable<Reply['groups']>) =>
    encodeResponse({
      statusCode: reply.status,
      requestId: request.requestId,
      version: request.version.startsWith('1.') ? '1.1' : '2.0',
      groups: [
        {
          tag: 'operation-attributes-tag',
          attributes: { ...(reply.message ? { 'status-message': reply.message } : {}), ...reply.operation },
        },
        ...groups,
      ],
    });
  let body: Buffer;
  try {
    body = encode(reply.groups ?? []);
  } catch {
    // Values echoed from the request (an unsupported attribute, a job's template) that cannot be
    // written back are left out; the status says what happened.
    body = encode([]);
  }
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
