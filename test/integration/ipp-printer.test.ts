import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePrinter, statusToError } from '../../src/adapters/ipp-attributes.js';
import { encodeRequest, encodeResponse } from '../../src/adapters/ipp-codec.js';
import { IppPrintSystem } from '../../src/adapters/ipp-printer.js';
import { exchangeIpp } from '../../src/adapters/ipp-transport.js';
import { UpstreamError } from '../../src/domain/errors.js';
import type {
  PrinterConfig,
  PrinterDescription,
  PrinterJobPhase,
  PrintSubmission,
  PrintTicket,
} from '../../src/domain/ports.js';
import {
  freePort,
  hasIppEvePrinter,
  hasIpptool,
  type IppEvePrinter,
  type IppEvePrinterOptions,
  ippJobAttributes,
  ippPrinterAttributes,
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

// A printer that said nothing: any format goes, and Print-Job decides.
const UNDESCRIBED: PrinterDescription = describePrinter(new Map());

function submission(
  documentPath: string,
  documentFormat: string,
  extra: Partial<PrintSubmission> = {},
): PrintSubmission {
  return outerSubmission(documentPath, documentFormat, extra);
}

function outerSubmission(
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
    printer: UNDESCRIBED,
    ...extra,
  };
}

/**
 * The options and facts a description states, and the same read independently from ipptool's text.
 * Orders are left out: describe() puts loaded media first and keeps small keyword sets in one order.
 */
function essentials(d: PrinterDescription) {
  const { media, ...capabilities } = d.capabilities;
  return {
    ...capabilities,
    sides: [...capabilities.sides].sort(),
    color: [...capabilities.color].sort(),
    orientation: [...capabilities.orientation].sort(),
    quality: [...capabilities.quality].sort(),
    mediaIds: media.map((m) => m.id).sort(),
    state: d.state,
    stateReasons: d.stateReasons,
    validateJob: d.facts.validateJob,
    mediaKeyword: d.facts.mediaKeyword,
    mediaCol: d.facts.mediaCol,
    raster: d.facts.raster,
  };
}

function essentialsFromIpptool(a: Record<string, string>): Record<string, unknown> {
  const list = (name: string) => (a[name] === undefined ? [] : a[name].split(','));
  const [min, max] = (a['copies-supported'] ?? '1-1').split('-').map(Number);
  const media = a['media-supported']
    ? list('media-supported')
    : [...(a['media-col-database'] ?? '').matchAll(/media-size-name=([^ }]+)/g)].map((m) => m[1]!);
  return {
    copies: { min: min!, max: max! },
    sides: list('sides-supported').sort(),
    color: list('print-color-mode-supported')
      .filter((m) => m === 'color' || m === 'monochrome')
      .sort(),
    pageRanges: a['page-ranges-supported'] === 'true',
    orientation: list('orientation-requested-supported')
      .filter((o) => o === 'portrait' || o === 'landscape')
      .sort(),
    numberUp: a['number-up-supported'] ? list('number-up-supported').map(Number) : [1],
    quality: list('print-quality-supported').sort(),
    finishings: list('finishings-supported').filter((f) => f !== 'none'),
    documentFormats: list('document-format-supported').filter((f) => f !== 'application/octet-stream'),
    mediaIds: [...new Set(media)].sort(),
    state: a['printer-state'] as PrinterDescription['state'],
    stateReasons: list('printer-state-reasons').filter((r) => r !== 'none'),
    validateJob: list('operations-supported').includes('Validate-Job'),
    mediaKeyword: a['media-supported'] !== undefined,
    mediaCol: list('media-col-supported').includes('media-size'),
    raster: {
      pwgResolutions: list('pwg-raster-document-resolution-supported').map((r) => {
        const [, x, y] = /^(\d+)(?:x(\d+))?dpi$/.exec(r)!;
        return [Number(x), Number(y ?? x)] as [number, number];
      }),
      pwgTypes: list('pwg-raster-document-type-supported'),
      pwgSheetBack: (a['pwg-raster-document-sheet-back'] ??
        'normal') as PrinterDescription['facts']['raster']['pwgSheetBack'],
      urf: list('urf-supported'),
    },
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
  let described: PrinterDescription;
  const ps = new IppPrintSystem();

  beforeAll(async () => {
    eve = await startIppEvePrinter({ formats: ['application/pdf', 'image/jpeg'] });
    printer = printerAt(eve.uri);
    described = await ps.describe(printer);
  });

  function submission(documentPath: string, documentFormat: string, extra: Partial<PrintSubmission> = {}) {
    return outerSubmission(documentPath, documentFormat, { printer: described, ...extra });
  }

  afterAll(async () => {
    await eve?.stop();
  });

  async function spooledFor(ippJobId: number): Promise<string> {
    const files = (await eve.spooledFiles()).filter((f) => basename(f).startsWith(`${ippJobId}-`));
    expect(files).toHaveLength(1);
    return files[0]!;
  }

  it('describes an idle one-sided monochrome printer', () => {
    expect(described).toMatchObject({
      state: 'idle',
      stateReasons: [],
      capabilities: {
        copies: { min: 1, max: 999 },
        sides: ['one-sided'],
        color: ['monochrome'],
        pageRanges: true,
        documentFormats: ['application/pdf', 'image/jpeg'],
      },
      facts: { validateJob: true, mediaKeyword: true, mediaCol: true },
    });
    // Loaded paper first: ippeveprinter has Letter and #10 envelopes in its trays.
    expect(described.capabilities.media.slice(0, 2)).toEqual([
      { id: 'na_letter_8.5x11in', name: 'Letter' },
      { id: 'na_number-10_4.125x9.5in', name: 'Envelope #10' },
    ]);
  });

  it.skipIf(!hasIpptool())('describes exactly what ipptool shows', async () => {
    expect(essentials(described)).toEqual(essentialsFromIpptool(await ippPrinterAttributes(eve.uri)));
  });

  it.each<[string, PrintTicket, string[]]>([
    ['settings it supports', { copies: 2, sides: 'one-sided', media: 'iso_a4_210x297mm' }, []],
    ['two-sided', { sides: 'two-sided-long-edge' }, ['sides']],
    ['two-sided on A3', { sides: 'two-sided-short-edge', media: 'iso_a3_297x420mm' }, ['media', 'sides']],
  ])('validates %s with Validate-Job', async (_name, ticket, refused) => {
    const { documentPath: _, ...rest } = submission(pdf, 'application/pdf', { ticket });
    expect(await ps.validate(printer, rest)).toEqual(refused);
  });

  it('Validate-Job of a format the printer does not take is a refusal, not a list', async () => {
    const { documentPath: _, ...rest } = submission(pdf, 'text/plain');
    const err = await failure(ps.validate(printer, rest));
    expect(err.code).toBe('format_not_supported');
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

describe.skipIf(!hasIppEvePrinter() || !hasIpptool())('ippeveprinters with different capabilities', () => {
  const ps = new IppPrintSystem();
  const models: Record<string, IppEvePrinterOptions> = {
    duplexColour: {
      formats: ['application/pdf', 'image/jpeg', 'image/pwg-raster'],
      duplex: true,
      speed: { ppm: 10, colorPpm: 5 },
    },
    raster: { formats: ['image/pwg-raster', 'image/jpeg'] },
    // An attributes file: its own media, finishings, number-up, and no page-ranges.
    configured: {
      attributes: {
        media: ['iso_a4_210x297mm', 'iso_a3_297x420mm', 'na_letter_8.5x11in'],
        mediaReady: ['na_letter_8.5x11in'],
        finishings: ['staple', 'punch-top-left'],
        pageRanges: false,
        numberUp: [1, 2, 4],
        qualities: ['normal', 'high'],
        duplex: true,
        color: true,
      },
    },
    // No media-supported: sizes only through media-col.
    mediaColOnly: { attributes: { mediaKeyword: false, media: ['iso_a4_210x297mm', 'na_letter_8.5x11in'] } },
  };
  const eves: Record<string, IppEvePrinter> = {};
  const printers: Record<string, PrinterConfig> = {};
  const described: Record<string, PrinterDescription> = {};
  let raster = '';

  beforeAll(async () => {
    raster = join(dir, 'page.pwg');
    // Print-Job bytes only; the print command (/bin/true) never reads them.
    await writeFile(raster, Buffer.concat([Buffer.from('RaS2'), randomBytes(4096)]));
    await Promise.all(
      Object.entries(models).map(async ([name, options]) => {
        eves[name] = await startIppEvePrinter(options);
        printers[name] = printerAt(eves[name].uri);
        described[name] = await ps.describe(printers[name]);
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(Object.values(eves).map((eve) => eve.stop()));
  });

  it.each(Object.keys(models))('%s: describe() states exactly what ipptool shows', async (name) => {
    expect(essentials(described[name]!)).toEqual(
      essentialsFromIpptool(await ippPrinterAttributes(eves[name]!.uri)),
    );
  });

  it('-2 and -s 10,5 make a two-sided colour printer with PWG raster facts', () => {
    expect(described.duplexColour).toMatchObject({
      capabilities: {
        sides: ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'],
        color: ['color', 'monochrome'],
        documentFormats: ['application/pdf', 'image/jpeg', 'image/pwg-raster'],
      },
      defaults: { color: 'color' },
      facts: {
        raster: {
          pwgResolutions: [
            [300, 300],
            [600, 600],
          ],
          pwgTypes: ['black_1', 'sgray_8', 'srgb_8', 'srgb_16'],
          pwgSheetBack: 'rotated',
        },
      },
    });
  });

  it('-f without PDF: no page-ranges (ippeveprinter offers them only with PDF)', () => {
    expect(described.raster?.capabilities).toMatchObject({
      // ippeveprinter keeps -f's types sorted.
      documentFormats: ['image/jpeg', 'image/pwg-raster'],
      pageRanges: false,
      sides: ['one-sided'],
    });
  });

  it('an attributes file sets media (loaded first), finishings, number-up, qualities and page-ranges', () => {
    expect(described.configured?.capabilities).toMatchObject({
      media: [
        { id: 'na_letter_8.5x11in', name: 'Letter' },
        { id: 'iso_a4_210x297mm', name: 'A4' },
        { id: 'iso_a3_297x420mm', name: 'A3' },
      ],
      finishings: ['staple', 'punch-top-left'],
      numberUp: [1, 2, 4],
      quality: ['normal', 'high'],
      pageRanges: false,
      // With -a, ippeveprinter takes only these.
      documentFormats: ['image/pwg-raster', 'image/urf'],
    });
    expect(described.mediaColOnly?.facts).toMatchObject({ mediaKeyword: false, mediaCol: true });
    expect(described.mediaColOnly?.capabilities.media).toEqual([
      { id: 'iso_a4_210x297mm', name: 'A4' },
      { id: 'na_letter_8.5x11in', name: 'Letter' },
    ]);
  });

  it('validates two-sided as supported where it is', async () => {
    const { documentPath: _, ...rest } = submission(pdf, 'application/pdf', {
      ticket: { sides: 'two-sided-long-edge', color: 'color' },
      printer: described.duplexColour!,
    });
    expect(await ps.validate(printers.duplexColour!, rest)).toEqual([]);
  });

  async function printAndRead(name: string, document: string, format: string, ticket: PrintTicket) {
    const { ippJobId } = await ps.submit(
      printers[name]!,
      submission(document, format, { ticket, printer: described[name]! }),
    );
    return ippJobAttributes(eves[name]!.uri, ippJobId);
  }

  it('a ticket arrives exactly: copies, sides, colour, media, page ranges, orientation, quality', async () => {
    const job = await printAndRead('duplexColour', pdf, 'application/pdf', {
      copies: 2,
      sides: 'two-sided-long-edge',
      color: 'color',
      media: 'iso_a4_210x297mm',
      pageRanges: [
        [4, 5],
        [1, 2],
      ],
      orientation: 'landscape',
      quality: 'high',
    });
    expect(job).toMatchObject({
      copies: '2',
      sides: 'two-sided-long-edge',
      'print-color-mode': 'color',
      media: 'iso_a4_210x297mm',
      'page-ranges': '1-2,4-5',
      'orientation-requested': 'landscape',
      'print-quality': 'high',
    });
    expect(job['media-col']).toBeUndefined();
  });

  it('finishings and number-up arrive; page ranges are not sent where unsupported', async () => {
    const job = await printAndRead('configured', raster, 'image/pwg-raster', {
      media: 'iso_a3_297x420mm',
      finishings: ['staple', 'punch-top-left'],
      numberUp: 2,
      pageRanges: [[1, 1]],
    });
    expect(job).toMatchObject({
      media: 'iso_a3_297x420mm',
      finishings: 'staple,punch-top-left',
      'number-up': '2',
    });
    expect(job['page-ranges']).toBeUndefined();
  });

  it('a media-col-only printer gets the size as media-col', async () => {
    const job = await printAndRead('mediaColOnly', raster, 'image/pwg-raster', {
      media: 'na_letter_8.5x11in',
    });
    expect(job['media-col']).toBe('{media-size={x-dimension=21590 y-dimension=27940}}');
    expect(job.media).toBeUndefined();
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
    // ippeveprinter starts the job on its own thread a moment after answering Print-Job.
    let state = (await ps.describe(printer)).state;
    for (let i = 0; i < 100 && state !== 'processing'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      state = (await ps.describe(printer)).state;
    }
    expect(state).toBe('processing');
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
    expect((await failure(ps.describe(printer))).code).toBe('printer_unreachable');
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
      expect((await failure(ps.describe(printer))).code).toBe('printer_bad_response');
      const err = await failure(ps.jobStatus(printer, 1));
      expect(err.code).toBe('printer_bad_response');
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
      expect((await failure(ps.describe(printer))).code).toBe('printer_unreachable');
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
      expect(err.code).toBe('printer_no_answer');
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
