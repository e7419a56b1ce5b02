// Issue 10, item 5: everything that parses an answer from outside (a printer's IPP, a scanner's eSCL
// XML, Google's JSON) is fed random and mutated input. Whatever comes in, the parse path either gives a
// well-formed result or throws a typed error; never a TypeError or RangeError, never a hang.
// Every property is bounded in runs and in time so the file stays within a few seconds per section.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsclScannerDevice } from '../../src/adapters/escl-scanner.js';
import { EsclXmlError, parseCapabilities, parseStatus, parseXml } from '../../src/adapters/escl-xml.js';
import { GoogleDriveConnector } from '../../src/adapters/google-drive.js';
import { describeDriveError, mapDriveError } from '../../src/adapters/google-drive-errors.js';
import { resumableUpload } from '../../src/adapters/google-drive-resumable.js';
import { googleEndpoints } from '../../src/adapters/google-endpoints.js';
import { GoogleOAuthSignIn } from '../../src/adapters/google-sign-in.js';
import {
  DESCRIBE_ATTRIBUTES,
  describePrinter,
  ippJobStateToPhase,
  statusToError,
} from '../../src/adapters/ipp-attributes.js';
import { decodeResponse, firstEnum, firstNumber } from '../../src/adapters/ipp-codec.js';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { exchangeIpp } from '../../src/adapters/ipp-transport.js';
import { startEsclScanner } from '../../src/dev/escl-scanner.js';
import { AppError, UpstreamError } from '../../src/domain/errors.js';
import type {
  DriveItem,
  PrinterConfig,
  PrinterDescription,
  ScannerCapabilities,
  ScannerStatus,
} from '../../src/domain/ports.js';

const RUNS = { numRuns: 200, interruptAfterTimeLimit: 4000 } as const;
/** Properties that make an HTTP exchange per run. */
const HTTP_RUNS = { numRuns: 60, interruptAfterTimeLimit: 5000 } as const;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function attempt<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error };
  }
}

async function settle<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A failure must be one of ours; the assertion names the stray error so a counterexample is readable. */
function expectTypedError(error: unknown, type: abstract new (...args: never[]) => Error = AppError): void {
  if (!(error instanceof type)) {
    throw new Error(`expected a ${type.name}, got ${String((error as Error)?.stack ?? error)}`);
  }
}

/** A tiny HTTP server whose answer each run sets; the clients under test talk to it for real. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: Buffer | string;
}
async function answeringServer(): Promise<{
  url: string;
  /** The same answer to every request, or one chosen per request. */
  answer: Answer | ((req: http.IncomingMessage) => Answer);
  requests: string[];
  close(): Promise<void>;
}> {
  const state = {
    answer: { status: 200, body: '' } as Answer | ((req: http.IncomingMessage) => Answer),
    requests: [] as string[],
  };
  const server = http.createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const { status, headers, body } = typeof state.answer === 'function' ? state.answer(req) : state.answer;
      res.writeHead(status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get answer() {
      return state.answer;
    },
    set answer(a: Answer | ((req: http.IncomingMessage) => Answer)) {
      state.answer = a;
    },
    requests: state.requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- Byte mutations ---------------------------------------------------------------------------

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'length'; at: number; value: number }
  | { kind: 'tag'; index: number; tag: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  // A name or value length anywhere: 0, tiny, just past the data, the signed-16-bit edge, the maximum.
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.constantFrom(0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff),
      fc.integer({ min: 0, max: 0xffff }),
    ),
  }),
  // A value tag swapped: a known attribute with another syntax, out-of-band, extension or unassigned tags.
  fc.record({
    kind: fc.constant('tag' as const),
    index: fc.nat(),
    tag: fc.oneof(
      fc.constantFrom(0x10, 0x12, 0x13, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37),
      fc.constantFrom(0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49, 0x4a, 0x7f),
      fc.integer({ min: 0x10, max: 0xff }),
    ),
  }),
);

/** Offsets of each attribute's value tag in a well-formed message (RFC 8010 section 3.1.3). */
function valueTagOffsets(buf: Buffer): number[] {
  const offsets: number[] = [];
  let p = 8;
  while (p + 5 <= buf.length) {
    const tag = buf[p]!;
    if (tag < 0x10) {
      if (tag === 0x03) break;
      p += 1;
      continue;
    }
    offsets.push(p);
    const nameLength = buf.readUInt16BE(p + 1);
    if (p + 5 + nameLength > buf.length) break;
    p += 5 + nameLength + buf.readUInt16BE(p + 3 + nameLength);
  }
  return offsets;
}

function mutate(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let buf = Buffer.from(seed);
  for (const m of mutations) {
    const at = m.kind === 'tag' ? 0 : m.at % (buf.length + 1);
    switch (m.kind) {
      case 'set':
        if (buf.length > 0) buf[at % buf.length] = m.byte;
        break;
      case 'truncate':
        buf = buf.subarray(0, at);
        break;
      case 'insert':
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from(m.bytes), buf.subarray(at)]);
        break;
      case 'delete':
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.count)]);
        break;
      case 'length':
        if (buf.length >= 2) buf.writeUInt16BE(m.value, Math.min(at, buf.length - 2));
        break;
      case 'tag': {
        const offsets = valueTagOffsets(buf);
        if (offsets.length > 0) buf[offsets[m.index % offsets.length]!] = m.tag;
        break;
      }
    }
  }
  return buf;
}

// ---- IPP ----------------------------------------------------------------------------------------

// Answers captured from ippeveprinter (CUPS 2.4) to this connector's own requests.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/ipp/${name}`, import.meta.url));
const PRINTER_ATTRIBUTES = fixture('get-printer-attributes.bin');
const PRINT_JOB = fixture('print-job.bin');
const JOB_ATTRIBUTES = fixture('get-job-attributes.bin');
const IPP_SEEDS = [PRINTER_ATTRIBUTES, PRINT_JOB, JOB_ATTRIBUTES];

const isStringArray = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function expectWellFormedDescription(d: PrinterDescription): void {
  expect(['idle', 'processing', 'stopped']).toContain(d.state);
  expect(isStringArray(d.stateReasons)).toBe(true);
  const c = d.capabilities;
  expect(isCount(c.copies.min) && isCount(c.copies.max) && c.copies.min >= 1).toBe(true);
  for (const list of [c.sides, c.color, c.orientation, c.quality, c.finishings, c.documentFormats]) {
    expect(isStringArray(list)).toBe(true);
  }
  expect(c.media.every((m) => typeof m.id === 'string' && typeof m.name === 'string')).toBe(true);
  expect(c.numberUp.every(isCount)).toBe(true);
  expect(typeof c.pageRanges).toBe('boolean');
  expect(isCount(d.defaults.copies)).toBe(true);
  // The description is sent to browsers and stored: it must survive JSON.
  expect(() => JSON.stringify(d)).not.toThrow();
}

/** What IppPrintSystem does with a decoded answer, for every operation, without the network. */
function readAnswer(buf: Buffer): void {
  const response = decodeResponse(buf);
  statusToError(response.statusCode, { unsupportedAttributes: [...response.unsupportedAttributes.keys()] });
  expectWellFormedDescription(describePrinter(response.printerAttributes));
  const state = firstEnum(response.jobAttributes, 'job-state');
  if (state !== undefined) ippJobStateToPhase(state);
  const jobId = firstNumber(response.jobAttributes, 'job-id');
  if (jobId !== undefined) expect(Number.isInteger(jobId)).toBe(true);
}

describe('IPP answers: decodeResponse and the description built from them', () => {
  it('the captured answers decode into well-formed results (the seeds are valid)', () => {
    for (const seed of IPP_SEEDS) readAnswer(seed);
    const description = describePrinter(decodeResponse(PRINTER_ATTRIBUTES).printerAttributes);
    expect(description.capabilities.documentFormats).toContain('application/pdf');
  });

  it('random bytes: a result or an UpstreamError, nothing else', () => {
    const header = fc.constantFrom(
      Buffer.alloc(0),
      Buffer.from([2, 0, 0, 0, 0, 0, 0, 1]),
      Buffer.from([1, 1]),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 600 }), (head, bytes) => {
        const outcome = attempt(() => readAnswer(Buffer.concat([head, bytes])));
        if (!outcome.ok) expectTypedError(outcome.error, UpstreamError);
      }),
      RUNS,
    );
  });

  it('mutated real answers (bytes, lengths, value tags): a well-formed result or an UpstreamError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...IPP_SEEDS),
        fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
        (seed, mutations) => {
          const outcome = attempt(() => readAnswer(mutate(seed, mutations)));
          if (!outcome.ok) expectTypedError(outcome.error, UpstreamError);
        },
      ),
      { ...RUNS, numRuns: 1000 },
    );
  });

  it('a length field of 0xffff in a short message is refused at once, nothing is allocated for it', () => {
    const buf = Buffer.from(PRINTER_ATTRIBUTES.subarray(0, 64));
    // The first attribute's value length (after group tag, value tag, name length and the 18-byte name).
    buf.writeUInt16BE(0xffff, 8 + 1 + 1 + 2 + 'attributes-charset'.length);
    const started = performance.now();
    const outcome = attempt(() => decodeResponse(buf));
    expect(outcome.ok).toBe(false);
    expectTypedError(!outcome.ok && outcome.error, UpstreamError);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

/** Builds one attribute (RFC 8010 section 3.1.4) with any tag and any value bytes. */
function attribute(tag: number, name: string, value: Uint8Array): Buffer {
  const nameBytes = Buffer.from(name);
  const head = Buffer.alloc(3);
  head.writeUInt8(tag, 0);
  head.writeUInt16BE(nameBytes.length, 1);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(value.length, 0);
  return Buffer.concat([head, nameBytes, length, Buffer.from(value)]);
}

/** Fixed value lengths by tag, so that wrong-type values get past the length check and reach the reader. */
const VALUE_LENGTHS: Record<number, number> = { 33: 4, 34: 1, 35: 4, 49: 11, 50: 9, 51: 8 };

const wrongTypeAttributeArb = fc
  .record({
    name: fc.constantFrom(...DESCRIBE_ATTRIBUTES, 'job-id', 'job-state', 'job-state-reasons'),
    tag: fc.constantFrom(0x13, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x41, 0x42, 0x44, 0x45, 0x49),
    extra: fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 3 }),
    seed: fc.uint8Array({ minLength: 11, maxLength: 11 }),
  })
  .map(({ name, tag, extra, seed }) => {
    const fixed = VALUE_LENGTHS[tag];
    const values = [seed, ...extra].map((v) =>
      fixed === undefined ? v : Buffer.from(seed).subarray(0, fixed),
    );
    return Buffer.concat(values.map((v, i) => attribute(tag, i === 0 ? name : '', v)));
  });

describe('IPP answers through IppPrintSystem and the transport (a local server answers)', () => {
  let server: Awaited<ReturnType<typeof answeringServer>>;
  let printer: PrinterConfig;
  const system = new IppPrintSystem({ requestTimeoutMs: 2000, probeTimeoutMs: 2000 });
  beforeAll(async () => {
    server = await answeringServer();
    printer = { id: 'p', name: 'P', uri: `${server.url}/ipp/print` };
  });
  afterAll(async () => server.close());

  const ippAnswer = (body: Buffer): Answer => ({
    status: 200,
    headers: { 'Content-Type': 'application/ipp' },
    body,
  });

  it('describe and jobStatus on mutated answers: a well-formed result or an AppError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...IPP_SEEDS),
        fc.array(mutationArb, { maxLength: 4 }),
        async (seed, mutations) => {
          server.answer = ippAnswer(mutate(seed, mutations));
          const described = await settle(() => system.describe(printer));
          if (described.ok) expectWellFormedDescription(described.value);
          else expectTypedError(described.error);
          const status = await settle(() => system.jobStatus(printer, 1));
          if (status.ok) {
            expect(['pending', 'processing', 'completed', 'canceled', 'aborted', 'stopped']).toContain(
              status.value.phase,
            );
            expect(isStringArray(status.value.reasons)).toBe(true);
          } else expectTypedError(status.error);
        },
      ),
      HTTP_RUNS,
    );
  });

  it('known attributes with values of the wrong syntax: a well-formed result or an AppError', async () => {
    const operation = Buffer.concat([
      Buffer.from([0x01]),
      attribute(0x47, 'attributes-charset', Buffer.from('utf-8')),
      attribute(0x48, 'attributes-natural-language', Buffer.from('en')),
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(wrongTypeAttributeArb, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(0x02, 0x04),
        async (attributes, group) => {
          const body = Buffer.concat([
            Buffer.from([2, 0, 0, 0, 0, 0, 0, 1]),
            operation,
            Buffer.from([group]),
            ...attributes,
            Buffer.from([0x03]),
          ]);
          server.answer = ippAnswer(body);
          const described = await settle(() => system.describe(printer));
          if (described.ok) expectWellFormedDescription(described.value);
          else expectTypedError(described.error);
          const status = await settle(() => system.jobStatus(printer, 1));
          if (!status.ok) expectTypedError(status.error);
        },
      ),
      HTTP_RUNS,
    );
  });

  it('an HTTP answer of any status and random body: an AppError, never a stray exception', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(200, 400, 401, 404, 413, 500, 503),
        fc.uint8Array({ maxLength: 200 }),
        async (status, body) => {
          server.answer = { status, body: Buffer.from(body) };
          const outcome = await settle(() => system.describe(printer));
          if (!outcome.ok) expectTypedError(outcome.error);
          else expectWellFormedDescription(outcome.value);
        },
      ),
      HTTP_RUNS,
    );
  });
});

describe('a printer announcing a 2 GiB answer', () => {
  it('is cut off at the size limit: UpstreamError, and only a bounded part is ever read', async () => {
    let written = 0;
    let closed!: () => void;
    const done = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/ipp', 'Content-Length': String(2 ** 31) });
      // Writes as fast as the client reads (respecting back-pressure) until the client hangs up.
      const pump = () => {
        while (!res.destroyed && written < 2 ** 31) {
          written += chunk.length;
          if (!res.write(chunk)) return;
        }
      };
      res.on('drain', pump);
      res.on('close', closed);
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const outcome = await settle(() =>
        exchangeIpp({
          uri: `http://127.0.0.1:${port}/ipp/print`,
          request: Buffer.from([2, 0, 0, 0x0b, 0, 0, 0, 1, 0x03]),
          timeoutMs: 5000,
          maxResponseBytes: 256 * 1024,
        }),
      );
      expect(outcome.ok).toBe(false);
      expectTypedError(!outcome.ok && outcome.error, UpstreamError);
      await done;
      // Socket buffers hold a few MiB at most; 2 GiB were announced.
      expect(written).toBeLessThan(32 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

// ---- eSCL XML -----------------------------------------------------------------------------------

const SOURCES = ['flatbed', 'feeder'];
const COLOR_MODES = ['color', 'grayscale', 'blackandwhite'];
const STATES = ['idle', 'processing', 'testing', 'stopped', 'down'];

function expectWellFormedCapabilities(caps: ScannerCapabilities): void {
  expect(caps.sources.length).toBeGreaterThan(0);
  expect(caps.sources.every((s) => SOURCES.includes(s))).toBe(true);
  expect(caps.colorModes.every((m) => COLOR_MODES.includes(m))).toBe(true);
  expect(typeof caps.duplex).toBe('boolean');
  // Resolutions are offered to people and written back into ScanSettings: whole dpi, ascending.
  expect(caps.resolutions.every((r) => Number.isInteger(r) && r > 0 && r <= 19_200)).toBe(true);
  expect([...caps.resolutions].sort((a, b) => a - b)).toEqual(caps.resolutions);
  expect(isStringArray(caps.formats)).toBe(true);
}

function expectWellFormedStatus(status: ScannerStatus): void {
  expect(STATES).toContain(status.state);
  expect(status.adf === null || typeof status.adf === 'string').toBe(true);
}

/** Both readers on one text: each gives a well-formed result or an EsclXmlError. */
function readEscl(xml: string): void {
  const caps = attempt(() => parseCapabilities(xml));
  if (caps.ok) expectWellFormedCapabilities(caps.value);
  else expectTypedError(caps.error, EsclXmlError);
  const status = attempt(() => parseStatus(xml));
  if (status.ok) expectWellFormedStatus(status.value);
  else expectTypedError(status.error, EsclXmlError);
}

// Pieces worth splicing into a document: markup, references (valid, out of range, prototype names),
// declarations, and numbers a reader might choke on.
const XML_PIECES = [
  '<',
  '</',
  '>',
  '/>',
  '&',
  ';',
  '&amp;',
  '&#x110000;',
  '&#99999999999999999999;',
  '&#0;',
  '&#xD800;',
  '&constructor;',
  '&__proto__;',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?xml version="1.0"?>',
  '<!DOCTYPE x [<!ENTITY a "aaaa">]>',
  '&a;',
  '<scan:ColorMode>RGB24</scan:ColorMode>',
  '<scan:XResolution>',
  '</scan:XResolution>',
  '<pwg:State>',
  'constructor',
  'toString',
  '1e308',
  '-1',
  '0.5',
  'NaN',
  'Infinity',
  '99999999999999999999',
  '0x12c',
  '<a x="1" y=\'2\'>',
  ' xmlns:scan="u"',
  '\u0000',
  '\uFFFF',
];

const textMutationArb = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...XML_PIECES), fc.string({ maxLength: 8 })),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 200 }),
  }),
);
type TextMutation = typeof textMutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutateText(seed: string, mutations: readonly TextMutation[]): string {
  let text = seed;
  for (const m of mutations) {
    const at = m.at % (text.length + 1);
    if (m.kind === 'insert') text = text.slice(0, at) + m.text + text.slice(at);
    else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + m.count);
    else if (m.kind === 'truncate') text = text.slice(0, at);
    else text = text.slice(0, at) + text.slice(at, at + m.count) + text.slice(at);
  }
  return text;
}

describe('eSCL XML: ScannerCapabilities and ScannerStatus', () => {
  const seeds: string[] = [];
  beforeAll(async () => {
    // Real documents, as the scanner double serves them.
    for (const options of [
      { sources: ['flatbed', 'feeder'] as const, duplex: true },
      { sources: ['flatbed'] as const, resolutions: [75, 300, 600] },
    ]) {
      const scanner = await startEsclScanner({ ...options, sources: [...options.sources] });
      try {
        for (const resource of ['ScannerCapabilities', 'ScannerStatus']) {
          seeds.push(await (await fetch(`${scanner.url}/${resource}`)).text());
        }
      } finally {
        await scanner.close();
      }
    }
  });

  it('the real documents are read (the seeds are valid)', () => {
    expectWellFormedCapabilities(parseCapabilities(seeds[0]!));
    expectWellFormedStatus(parseStatus(seeds[1]!));
  });

  it('random text: a well-formed result or an EsclXmlError', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        readEscl,
      ),
      RUNS,
    );
  });

  it('mutated real documents: a well-formed result or an EsclXmlError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(textMutationArb, { minLength: 1, maxLength: 6 }),
        (index, mutations) => readEscl(mutateText(seeds[index]!, mutations)),
      ),
      { ...RUNS, numRuns: 600 },
    );
  });

  it('any number as a resolution (huge, negative, fractional, not a number): only whole plausible dpi come out', () => {
    const numberText = fc.oneof(
      fc.double().map(String),
      fc.bigInt().map(String),
      fc.integer().map(String),
      fc.constantFrom('1e308', '-0', '0x258', ' 300 ', '3e2', ''),
    );
    fc.assert(
      fc.property(
        fc.array(numberText, { minLength: 1, maxLength: 4 }),
        numberText,
        numberText,
        (xs, min, max) => {
          const discrete = xs
            .map(
              (x) =>
                `<DiscreteResolution><XResolution>${x}</XResolution><YResolution>${x}</YResolution></DiscreteResolution>`,
            )
            .join('');
          const range = `<ResolutionRange><XResolution><Min>${min}</Min><Max>${max}</Max></XResolution></ResolutionRange>`;
          for (const resolutions of [discrete, range]) {
            const xml = `<ScannerCapabilities><Platen><PlatenInputCaps>${resolutions}</PlatenInputCaps></Platen></ScannerCapabilities>`;
            expectWellFormedCapabilities(parseCapabilities(xml));
          }
        },
      ),
      RUNS,
    );
  });

  it('regression: a character reference past U+10FFFF is kept as written, not a RangeError', () => {
    expect(parseXml('<a>&#x110000;&#99999999999;&#x41;</a>').text).toBe('&#x110000;&#99999999999;A');
  });

  it('regression: &constructor; and a State of "constructor" do not reach Object.prototype', () => {
    expect(parseXml('<a>&constructor;&toString;</a>').text).toBe('&constructor;&toString;');
    const outcome = attempt(() => parseStatus('<ScannerStatus><State>constructor</State></ScannerStatus>'));
    expect(outcome.ok).toBe(false);
    expectTypedError(!outcome.ok && outcome.error, EsclXmlError);
  });

  it('regression: 100 000 nested elements are an EsclXmlError, not a stack overflow', () => {
    const deep = `<ScannerCapabilities><Platen><PlatenInputCaps>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</PlatenInputCaps></Platen></ScannerCapabilities>`;
    const outcome = attempt(() => parseCapabilities(deep));
    expect(outcome.ok).toBe(false);
    expectTypedError(!outcome.ok && outcome.error, EsclXmlError);
  });

  it('"billion laughs": no entity is ever expanded', () => {
    const entities = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const laughs = `<?xml version="1.0"?><!DOCTYPE ScannerStatus [<!ENTITY lol0 "lol">${entities}]><ScannerStatus><State>&lol9;</State></ScannerStatus>`;
    const started = performance.now();
    const inline = attempt(() => parseStatus(laughs));
    expect(inline.ok).toBe(false);
    expectTypedError(!inline.ok && inline.error, EsclXmlError);
    // Without an internal subset the reference reaches the text, and stays a reference.
    const external = '<!DOCTYPE x SYSTEM "lol.dtd"><ScannerStatus><State>&lol9;</State></ScannerStatus>';
    expect(parseXml(external).children[0]!.text).toBe('&lol9;');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('long runs of attributes and spaces in a tag are read in linear time', () => {
    const started = performance.now();
    for (const xml of [
      `<a${' b="c"'.repeat(50_000)} x`,
      `<a${' '.repeat(200_000)}`,
      `<a${'  b  =  "c"'.repeat(50_000)}/ `,
    ]) {
      const outcome = attempt(() => parseXml(xml));
      if (!outcome.ok) expectTypedError(outcome.error, EsclXmlError);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('eSCL job Location', () => {
  let server: Awaited<ReturnType<typeof answeringServer>>;
  const device = new EsclScannerDevice({ requestTimeoutMs: 2000, busyRetry: { attempts: 1, delayMs: 1 } });
  const settings = {
    source: 'flatbed',
    colorMode: 'color',
    resolution: 300,
    duplex: false,
    format: 'application/pdf',
  } as const;
  beforeAll(async () => {
    server = await answeringServer();
  });
  afterAll(async () => server.close());

  const location = fc.oneof(
    fc.webUrl(),
    fc.webPath(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      'http://[',
      'http://[::1',
      '//evil.example/job',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'mailto:a@b',
      'data:,x',
      'http://999.999.999.999/',
      '/eSCL/ScanJobs/1',
    ),
  );

  it('any Location: a job URL on the scanner we configured, or an AppError', async () => {
    await fc.assert(
      fc.asyncProperty(location, async (value) => {
        // Only what an HTTP server can send at all.
        fc.pre(attempt(() => http.validateHeaderValue('Location', value)).ok && value !== '');
        server.answer = { status: 201, headers: { Location: value }, body: '' };
        const outcome = await settle(() =>
          device.startJob({ id: 's', name: 'S', escl: `${server.url}/eSCL` }, settings),
        );
        if (outcome.ok) expect(new URL(outcome.value).origin).toBe(server.url);
        else expectTypedError(outcome.error);
      }),
      HTTP_RUNS,
    );
  });

  it('regression: a Location that is no URL is scanner_failed, not a TypeError', async () => {
    server.answer = { status: 201, headers: { Location: 'http://[::1' }, body: '' };
    const outcome = await settle(() =>
      device.startJob({ id: 's', name: 'S', escl: `${server.url}/eSCL` }, settings),
    );
    expect(outcome.ok).toBe(false);
    expectTypedError(!outcome.ok && outcome.error);
    expect((outcome as { error: AppError }).error.code).toBe('scanner_failed');
  });
});

// ---- Drive and sign-in JSON -------------------------------------------------------------------

/** Any JSON value, or a value of the right type: each field of a real answer is one or the other. */
const either = <T>(right: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: right }, fc.jsonValue());

const fileArb = fc.record(
  {
    id: either(fc.string({ minLength: 1, maxLength: 20 })),
    name: either(fc.string({ maxLength: 30 })),
    mimeType: either(
      fc.constantFrom(
        'application/pdf',
        'application/vnd.google-apps.folder',
        'application/vnd.google-apps.document',
      ),
    ),
    size: either(fc.nat().map(String)),
    modifiedTime: either(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
    parents: either(fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 })),
    thumbnailLink: either(fc.webUrl()),
  },
  { requiredKeys: [] },
);

const listBodyArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        files: either(fc.array(either(fileArb), { maxLength: 4 })),
        nextPageToken: either(fc.string({ maxLength: 10 })),
      },
      { requiredKeys: [] },
    ),
  },
  fc.jsonValue(),
);

const errorBodyArb = fc.oneof(
  // Shapes that broke describeDriveError once: a null error, a null entry in errors.
  fc.constantFrom({ error: null }, { error: { errors: [null] } }, { error: { errors: 'x' } }),
  fc.record(
    {
      error: either(
        fc.record(
          {
            code: either(fc.integer()),
            message: either(fc.string()),
            status: either(fc.string()),
            errors: either(
              fc.array(
                either(
                  fc.record(
                    {
                      reason: either(fc.constantFrom('rateLimitExceeded', 'fileNotDownloadable', 'notFound')),
                    },
                    { requiredKeys: [] },
                  ),
                ),
                { maxLength: 2 },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

/** The body as text: usually JSON, sometimes JSON cut short or not JSON at all. */
const asBody = (value: unknown) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(JSON.stringify(value) ?? 'null') },
    fc.nat().map((n) => (JSON.stringify(value) ?? '').slice(0, n)),
    fc.string({ maxLength: 30 }),
  );

function expectWellFormedItem(item: DriveItem): void {
  expect(typeof item.id).toBe('string');
  expect(typeof item.name).toBe('string');
  expect(typeof item.mimeType).toBe('string');
  expect(typeof item.isFolder).toBe('boolean');
  expect(item.size === null || (Number.isSafeInteger(item.size) && item.size >= 0)).toBe(true);
  expect(item.modifiedTime === null || typeof item.modifiedTime === 'string').toBe(true);
  if (item.thumbnailLink !== undefined) {
    expect(item.thumbnailLink === null || typeof item.thumbnailLink === 'string').toBe(true);
  }
  if (item.parentName !== undefined)
    expect(item.parentName === null || typeof item.parentName === 'string').toBe(true);
}

describe('Drive answers through the real googleapis client (a local server answers)', () => {
  let server: Awaited<ReturnType<typeof answeringServer>>;
  let drive: ReturnType<GoogleDriveConnector['forToken']>;
  beforeAll(async () => {
    server = await answeringServer();
    drive = new GoogleDriveConnector({ apiRoot: `${server.url}/`, timeoutMs: 2000 }).forToken('ya29.test');
  });
  afterAll(async () => server.close());

  const json = (status: number, body: string): Answer => ({
    status,
    headers: { 'Content-Type': 'application/json; charset=UTF-8' },
    body,
  });

  it('files.list, drives.list and files.get with fields of any type: well-formed items or an AppError', async () => {
    await fc.assert(
      fc.asyncProperty(
        listBodyArb.chain((body) => asBody(body)),
        either(fileArb).chain((file) => asBody(file)),
        fc.constantFrom(undefined, 'report', 'drives' as const),
        async (listBody, fileBody, mode) => {
          server.answer = json(200, listBody);
          const listed = await settle(() =>
            mode === 'drives'
              ? drive.list({ view: 'drives' })
              : drive.list({ view: 'mydrive', folderId: 'root', ...(mode ? { search: mode } : {}) }),
          );
          if (listed.ok) {
            listed.value.files.forEach(expectWellFormedItem);
            expect(
              listed.value.nextPageToken === null || typeof listed.value.nextPageToken === 'string',
            ).toBe(true);
          } else expectTypedError(listed.error);
          server.answer = json(200, fileBody);
          const got = await settle(() => drive.get('abc'));
          if (got.ok) expectWellFormedItem(got.value);
          else expectTypedError(got.error);
          const count = await settle(() => drive.countNamed('root', 'x'));
          if (count.ok) expect(Number.isInteger(count.value)).toBe(true);
          else expectTypedError(count.error);
        },
      ),
      HTTP_RUNS,
    );
  });

  it('about.get with a user of any shape: an email string or an AppError', async () => {
    const aboutArb = either(
      fc.record(
        {
          user: either(
            fc.record(
              { emailAddress: either(fc.emailAddress()), displayName: either(fc.string()) },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(aboutArb.chain(asBody), async (body) => {
        server.answer = json(200, body);
        const outcome = await settle(() => drive.whoAmI());
        if (outcome.ok) {
          expect(typeof outcome.value.email).toBe('string');
          expect(outcome.value.email.length).toBeGreaterThan(0);
          expect(typeof outcome.value.name).toBe('string');
        } else expectTypedError(outcome.error);
      }),
      HTTP_RUNS,
    );
  });

  it('error answers with bodies of odd shape: always an AppError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(400, 401, 403, 404, 429, 500, 502, 503),
        errorBodyArb.chain(asBody),
        async (status, body) => {
          server.answer = json(status, body);
          for (const call of [
            (): Promise<unknown> => drive.get('abc'),
            () => drive.list({ view: 'mydrive', folderId: 'root' }),
            () => drive.whoAmI(),
          ]) {
            const outcome = await settle(call);
            expect(outcome.ok).toBe(false);
            expectTypedError(!outcome.ok && outcome.error);
          }
        },
      ),
      HTTP_RUNS,
    );
  });

  it('regression: a 404 whose body is {"error":null} is file_not_found, not a TypeError', async () => {
    server.answer = json(404, '{"error":null}');
    const outcome = await settle(() => drive.get('abc'));
    expect(outcome.ok).toBe(false);
    expectTypedError(!outcome.ok && outcome.error);
    expect((outcome as { error: AppError }).error.code).toBe('file_not_found');
  });

  it('regression: a size that is not a byte count is no size, not NaN; an id of another type is not passed on', async () => {
    server.answer = json(
      200,
      JSON.stringify({ id: 42, name: { a: 1 }, mimeType: 'application/pdf', size: 'lots' }),
    );
    const got = await drive.get('abc');
    expect(got).toMatchObject({ id: '', name: '', size: null });
  });
});

describe('resumable upload answers (a local server plays the upload session)', () => {
  let server: Awaited<ReturnType<typeof answeringServer>>;
  let dir: string;
  let filePath: string;
  const SIZE = 300 * 1024;
  const auth = new OAuth2Client();
  beforeAll(async () => {
    server = await answeringServer();
    dir = await mkdtemp(join(tmpdir(), 'resumable-props-'));
    filePath = join(dir, 'scan.pdf');
    await writeFile(filePath, Buffer.alloc(SIZE, 0x25));
    auth.setCredentials({ access_token: 'ya29.test' });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const chunkAnswerArb = fc.record({
    status: fc.constantFrom(200, 201, 308, 308, 308, 400, 404, 500, 503),
    range: fc.oneof(
      fc.nat({ max: 2 * SIZE }).map((n) => `bytes=0-${n}`),
      fc.constantFrom(
        `bytes=0-${SIZE - 1}`,
        `bytes=0-${SIZE}`,
        'bytes=0-99999999999999999999',
        'bytes=5-9',
        'x',
      ),
      fc.string({ maxLength: 12 }),
    ),
    body: either(
      fc.record(
        { id: either(fc.string({ minLength: 1, maxLength: 10 })), name: either(fc.string()) },
        { requiredKeys: [] },
      ),
    ).chain(asBody),
  });

  /** What GoogleDrive.upload does: the same call, its errors through mapDriveError. */
  const upload = () =>
    resumableUpload({
      auth,
      apiRoot: `${server.url}/`,
      chunkBytes: 256 * 1024,
      retryDelayMs: 1,
      maxFailures: 3,
      request: { name: 'Scan.pdf', folderId: 'scans', mimeType: 'application/pdf', filePath, size: SIZE },
    }).catch((err: unknown) => {
      throw mapDriveError(err, 'scans');
    });

  it('any sequence of chunk answers: the uploaded file, or an AppError, within a bounded number of requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(chunkAnswerArb, { minLength: 1, maxLength: 6 }), async (answers) => {
        let puts = 0;
        server.answer = (req): Answer => {
          if (req.method === 'POST')
            return { status: 200, headers: { Location: `${server.url}/session` }, body: '{}' };
          if (req.method === 'DELETE') return { status: 499, body: '' };
          // Past 40 chunks the session "expires", so a looping client ends and the check below fails.
          if (puts++ >= 40) return { status: 404, body: '' };
          const a = answers[Math.min(puts - 1, answers.length - 1)]!;
          const headers: Record<string, string> = { 'Content-Type': 'application/json' };
          if (a.status === 308 && attempt(() => http.validateHeaderValue('Range', a.range)).ok)
            headers.Range = a.range;
          return { status: a.status, headers, body: a.status === 308 ? '' : a.body };
        };
        const outcome = await settle(upload);
        if (outcome.ok) {
          expect(typeof outcome.value.id).toBe('string');
          expect(outcome.value.id.length).toBeGreaterThan(0);
          expect(typeof outcome.value.name).toBe('string');
        } else expectTypedError(outcome.error);
        // The session was really played (not refused before the first chunk), and a server that keeps
        // answering 308 without taking more bytes must not keep us sending.
        expect(puts).toBeGreaterThan(0);
        expect(puts).toBeLessThan(40);
      }),
      { numRuns: 80, interruptAfterTimeLimit: 6000 },
    );
  });

  it('regression: a 308 that claims every byte, forever, ends in an AppError instead of looping', async () => {
    let puts = 0;
    server.answer = (req): Answer => {
      if (req.method === 'POST')
        return { status: 200, headers: { Location: `${server.url}/session` }, body: '{}' };
      if (req.method === 'DELETE') return { status: 499, body: '' };
      if (puts++ >= 40) return { status: 404, body: '' };
      return { status: 308, headers: { Range: `bytes=0-${SIZE - 1}` }, body: '' };
    };
    const outcome = await settle(upload);
    expect(outcome.ok).toBe(false);
    expectTypedError(!outcome.ok && outcome.error);
    expect(puts).toBeGreaterThan(1);
    expect(puts).toBeLessThan(40);
  });

  it('regression: a 200 whose body is not a file is an AppError, not a file without an id', async () => {
    for (const body of ['null', '{"id":5}', '"ok"', '{}']) {
      server.answer = (req): Answer =>
        req.method === 'POST'
          ? { status: 200, headers: { Location: `${server.url}/session` }, body: '{}' }
          : { status: 200, headers: { 'Content-Type': 'application/json' }, body };
      const outcome = await settle(upload);
      expect(outcome.ok, body).toBe(false);
      expectTypedError(!outcome.ok && outcome.error);
    }
  });
});

describe('mapDriveError and describeDriveError on anything thrown', () => {
  const thrownArb = fc.oneof(
    fc.anything(),
    fc.record(
      {
        name: either(fc.constantFrom('AbortError', 'GaxiosError')),
        status: either(fc.integer({ min: 100, max: 599 })),
        code: either(fc.constantFrom('ECONNRESET', 'ETIMEDOUT')),
        message: either(errorBodyArb.map((b) => JSON.stringify(b) ?? '')),
        response: either(
          fc.record(
            { status: either(fc.integer({ min: 100, max: 599 })), data: either(errorBodyArb) },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
  );

  it('always returns an Error and a description, never throws', () => {
    fc.assert(
      fc.property(thrownArb, (thrown) => {
        const mapped = mapDriveError(thrown);
        expect(mapped).toBeInstanceOf(Error);
        const { status, reason } = describeDriveError(thrown);
        expect(status === null || typeof status === 'number').toBe(true);
        expect(reason === null || typeof reason === 'string').toBe(true);
      }),
      { ...RUNS, numRuns: 500 },
    );
  });

  it('regression: null, a string and {"error":null} are mapped, not a TypeError', () => {
    expect(mapDriveError(null)).toBeInstanceOf(UpstreamError);
    expect(mapDriveError('boom')).toBeInstanceOf(UpstreamError);
    expect(mapDriveError({ response: { status: 403, data: { error: null } } })).toBeInstanceOf(AppError);
    expect(describeDriveError({ response: { status: 403, data: { error: { errors: [null] } } } })).toEqual({
      status: 403,
      reason: null,
      network: false,
    });
  });
});

describe('sign-in token answers through google-auth-library (a local server answers)', () => {
  let server: Awaited<ReturnType<typeof answeringServer>>;
  let signIn: GoogleOAuthSignIn;
  beforeAll(async () => {
    server = await answeringServer();
    signIn = new GoogleOAuthSignIn({
      clientId: 'client',
      clientSecret: 'secret',
      redirectUri: 'http://127.0.0.1/auth/google/callback',
      endpoints: googleEndpoints(server.url),
      timeoutMs: 2000,
    });
  });
  afterAll(async () => server.close());

  const tokenArb = fc.record(
    {
      access_token: either(fc.string({ minLength: 1, maxLength: 40 })),
      expires_in: either(fc.integer({ min: 1, max: 7200 })),
      scope: either(fc.constantFrom('https://www.googleapis.com/auth/drive.readonly', 'a b  c', '')),
      token_type: either(fc.constant('Bearer')),
      refresh_token: either(fc.string({ maxLength: 10 })),
      id_token: either(fc.string({ maxLength: 40 })),
    },
    { requiredKeys: [] },
  );

  it('a token answer of any shape: a usable token or an AppError', async () => {
    await fc.assert(
      fc.asyncProperty(
        // No 5xx: google-auth-library retries those itself, with pauses.
        fc.constantFrom(200, 200, 200, 400, 401),
        fc.oneof({ weight: 4, arbitrary: tokenArb }, errorBodyArb).chain(asBody),
        async (status, body) => {
          server.answer = { status, headers: { 'Content-Type': 'application/json' }, body };
          const outcome = await settle(() =>
            signIn.exchangeCode({ code: 'c', codeVerifier: 'v'.repeat(43) }),
          );
          if (outcome.ok) {
            const token = outcome.value;
            expect(typeof token.accessToken).toBe('string');
            expect(token.accessToken.length).toBeGreaterThan(0);
            expect(Number.isFinite(token.expiresAt)).toBe(true);
            expect(isStringArray(token.scopes)).toBe(true);
            if (token.refreshToken !== undefined) expect(typeof token.refreshToken).toBe('string');
          } else expectTypedError(outcome.error);
        },
      ),
      HTTP_RUNS,
    );
  });
});
