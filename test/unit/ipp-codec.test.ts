import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  allStrings,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  firstBoolean,
  firstEnum,
  firstNumber,
  firstString,
  IppSyntaxError,
  ippHeaderLength,
  statusCodeName,
} from '../../src/adapters/ipp-codec.js';
import { UpstreamError } from '../../src/domain/errors.js';

// Hand-built messages (RFC 8010 section 3) for what our own encoder would never produce.
function value(tag: number, name: string, bytes: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt8(tag, 0);
  head.writeUInt16BE(Buffer.byteLength(name), 1);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length, 0);
  return Buffer.concat([head, Buffer.from(name), length, bytes]);
}
const int = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
};
const text = (s: string) => Buffer.from(s, 'utf8');
function message(status: number, ...parts: Buffer[]): Buffer {
  const header = Buffer.from([2, 0, 0, 0, 0, 0, 0, 9]);
  header.writeUInt16BE(status, 2);
  return Buffer.concat([header, ...parts]);
}
const OPERATION_GROUP = Buffer.concat([
  Buffer.from([0x01]),
  value(0x47, 'attributes-charset', text('utf-8')),
  value(0x48, 'attributes-natural-language', text('en')),
]);
const END = Buffer.from([0x03]);

function expectUpstream(buf: Buffer): void {
  let caught: unknown;
  try {
    decodeResponse(buf);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UpstreamError);
  expect((caught as UpstreamError).code).toBe('printer_unreachable');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('encodeRequest / decodeRequest', () => {
  const request = encodeRequest({
    operation: 'Print-Job',
    requestId: 77,
    operationAttributes: {
      'printer-uri': 'ipp://localhost:631/ipp/print',
      'requesting-user-name': 'ana@example.com',
      'job-name': 'Relatório final.pdf',
      'document-format': 'application/pdf',
    },
    jobAttributes: {
      copies: 2,
      sides: 'two-sided-long-edge',
      'print-color-mode': 'monochrome',
      media: 'iso_a4_210x297mm',
      'page-ranges': [{ lower: 1, upper: 3 }],
    },
  });

  it('round-trips every attribute', () => {
    const decoded = decodeRequest(request);
    expect(decoded).toMatchObject({ version: '2.0', operation: 'Print-Job', operationId: 2, requestId: 77 });
    expect(Object.fromEntries(decoded.operationAttributes)).toEqual({
      'attributes-charset': ['utf-8'],
      'attributes-natural-language': ['en'],
      'printer-uri': ['ipp://localhost:631/ipp/print'],
      'requesting-user-name': ['ana@example.com'],
      'job-name': ['Relatório final.pdf'],
      'document-format': ['application/pdf'],
    });
    expect(Object.fromEntries(decoded.jobAttributes)).toEqual({
      copies: [2],
      sides: ['two-sided-long-edge'],
      'print-color-mode': ['monochrome'],
      media: ['iso_a4_210x297mm'],
      'page-ranges': [{ lower: 1, upper: 3 }],
    });
  });

  it('puts attributes-charset then attributes-natural-language first (RFC 8011 4.1.4)', () => {
    // version 2.0, operation 0x0002, request-id 77, operation-attributes-tag, then charset (0x47).
    expect(request.subarray(0, 9)).toEqual(Buffer.from([2, 0, 0, 2, 0, 0, 0, 77, 0x01]));
    expect(request.subarray(9, 12)).toEqual(Buffer.from([0x47, 0, 18]));
    expect(request.subarray(12, 30).toString()).toBe('attributes-charset');
    expect([...decodeRequest(request).operationAttributes.keys()].slice(0, 2)).toEqual([
      'attributes-charset',
      'attributes-natural-language',
    ]);
  });

  it('ends with end-of-attributes-tag and has no document data', () => {
    expect(request.at(-1)).toBe(0x03);
    expect(ippHeaderLength(request)).toBe(request.length);
  });

  it('encodes several page ranges as one attribute with several rangeOfInteger values', () => {
    const buf = encodeRequest({
      operation: 'Validate-Job',
      requestId: 1,
      operationAttributes: { 'printer-uri': 'ipp://p/ipp/print' },
      jobAttributes: {
        'page-ranges': [
          { lower: 1, upper: 2 },
          { lower: 5, upper: 5 },
        ],
      },
    });
    expect(decodeRequest(buf).jobAttributes.get('page-ranges')).toEqual([
      { lower: 1, upper: 2 },
      { lower: 5, upper: 5 },
    ]);
  });

  it('refuses to encode what it cannot encode', () => {
    expect(() =>
      encodeRequest({
        operation: 'Print-Job',
        requestId: 1,
        operationAttributes: { 'no-such-attribute': 'x' },
      }),
    ).toThrow(TypeError);
    expect(() =>
      encodeRequest({ operation: 'Print-Job', requestId: 1, operationAttributes: { limit: 1.5 } }),
    ).toThrow(TypeError);
  });
});

describe('encodeResponse / decodeResponse', () => {
  const response = encodeResponse({
    statusCode: 'successful-ok',
    requestId: 5,
    groups: [
      { tag: 'operation-attributes-tag', attributes: { 'status-message': 'fine' } },
      {
        tag: 'printer-attributes-tag',
        attributes: {
          'printer-state': 'idle',
          'printer-state-reasons': ['none'],
          'printer-is-accepting-jobs': true,
          'document-format-supported': ['application/pdf', 'image/jpeg'],
          'copies-supported': { lower: 1, upper: 99 },
          'printer-up-time': 12,
          'media-col-default': { 'media-size': { 'x-dimension': 21000, 'y-dimension': 29700 } },
        },
      },
      { tag: 'job-attributes-tag', attributes: { 'job-id': 1, 'job-state': 'completed' } },
      { tag: 'job-attributes-tag', attributes: { 'job-id': 2, 'job-state': 'processing' } },
    ],
  });

  it('round-trips groups, repeated job groups and value kinds', () => {
    const decoded = decodeResponse(response);
    expect(decoded).toMatchObject({ version: '2.0', statusCode: 'successful-ok', status: 0, requestId: 5 });
    expect(firstString(decoded.operationAttributes, 'status-message')).toBe('fine');
    const printer = decoded.printerAttributes;
    expect(firstEnum(printer, 'printer-state')).toBe('idle');
    expect(allStrings(printer, 'printer-state-reasons')).toEqual(['none']);
    expect(firstBoolean(printer, 'printer-is-accepting-jobs')).toBe(true);
    expect(allStrings(printer, 'document-format-supported')).toEqual(['application/pdf', 'image/jpeg']);
    // A single range stays one value, not two integers.
    expect(printer.get('copies-supported')).toEqual([{ lower: 1, upper: 99 }]);
    expect(firstNumber(printer, 'printer-up-time')).toBe(12);
    expect(printer.get('media-col-default')).toEqual([
      { 'media-size': { 'x-dimension': 21000, 'y-dimension': 29700 } },
    ]);
    expect(decoded.jobGroups.map((g) => [firstNumber(g, 'job-id'), firstEnum(g, 'job-state')])).toEqual([
      [1, 'completed'],
      [2, 'processing'],
    ]);
    expect(firstNumber(decoded.jobAttributes, 'job-id')).toBe(1);
    expect(decoded.unsupportedAttributes.size).toBe(0);
  });

  it('names error status codes', () => {
    const busy = encodeResponse({ statusCode: 'server-error-busy', requestId: 1, groups: [] });
    expect(decodeResponse(busy).statusCode).toBe('server-error-busy');
    expect(statusCodeName(0x0507)).toBe('server-error-busy');
    expect(statusCodeName(0x0499)).toBe('0x0499');
  });

  it('keeps two integers apart from one range', () => {
    const buf = message(
      0,
      OPERATION_GROUP,
      Buffer.from([0x04]),
      value(0x21, 'number-up-supported', int(1)),
      value(0x21, '', int(2)),
      value(0x33, 'copies-supported', Buffer.concat([int(1), int(2)])),
      END,
    );
    const printer = decodeResponse(buf).printerAttributes;
    expect(printer.get('number-up-supported')).toEqual([1, 2]);
    expect(printer.get('copies-supported')).toEqual([{ lower: 1, upper: 2 }]);
  });

  it('reads out-of-band values as null without logging, and strips the language of text values', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    // textWithLanguage: 2-byte language length, language, 2-byte text length, text.
    const withLanguage = Buffer.concat([Buffer.from([0, 2]), text('en'), Buffer.from([0, 5]), text('Hello')]);
    const buf2 = message(
      0x0400,
      OPERATION_GROUP,
      value(0x35, 'status-message', withLanguage),
      Buffer.from([0x04]),
      value(0x13, 'printer-location', Buffer.alloc(0)),
      value(0x12, 'printer-info', Buffer.alloc(0)),
      END,
    );
    const decoded = decodeResponse(buf2);
    expect(decoded.statusCode).toBe('client-error-bad-request');
    expect(firstString(decoded.operationAttributes, 'status-message')).toBe('Hello');
    expect(decoded.printerAttributes.get('printer-location')).toEqual([null]);
    expect(decoded.printerAttributes.get('printer-info')).toEqual([null]);
    expect(log).not.toHaveBeenCalled();
  });

  it('reads unsupported-attributes', () => {
    const buf = message(
      0x040b,
      OPERATION_GROUP,
      Buffer.from([0x05]),
      value(0x49, 'document-format', text('text/plain')),
      END,
    );
    const decoded = decodeResponse(buf);
    expect(decoded.statusCode).toBe('client-error-attributes-or-values-not-supported');
    expect([...decoded.unsupportedAttributes.keys()]).toEqual(['document-format']);
  });
});

describe('ippHeaderLength', () => {
  const header = encodeRequest({
    operation: 'Get-Printer-Attributes',
    requestId: 3,
    operationAttributes: {
      'printer-uri': 'ipp://p/ipp/print',
      'requested-attributes': ['printer-state', 'printer-name'],
    },
  });

  it('needs every byte of the header, then ignores the document after it', () => {
    for (let n = 0; n < header.length; n++) expect(ippHeaderLength(header.subarray(0, n))).toBeNull();
    expect(ippHeaderLength(header)).toBe(header.length);
    expect(ippHeaderLength(Buffer.concat([header, Buffer.from('%PDF-1.7\n\x03\x01')]))).toBe(header.length);
  });

  it('rejects bytes that cannot be IPP', () => {
    expect(() => ippHeaderLength(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(IppSyntaxError);
  });
});

describe('malformed responses become UpstreamError', () => {
  const good = encodeResponse({
    statusCode: 'successful-ok',
    requestId: 1,
    groups: [{ tag: 'printer-attributes-tag', attributes: { 'printer-state': 'idle', 'printer-name': 'x' } }],
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['html', Buffer.from('<html><body>Not a printer</body></html>')],
    ['json', Buffer.from('{"status":"ok"}')],
    ['random bytes', Buffer.from('0200000000000001ffffffffffffffff', 'hex')],
    ['header only', Buffer.from([2, 0, 0, 0, 0, 0, 0, 1])],
    ['version 9', Buffer.concat([Buffer.from([9, 0]), good.subarray(2)])],
    ['no end tag', good.subarray(0, good.length - 1)],
    ['attribute before any group', message(0, value(0x21, 'x', int(1)), END)],
    [
      'integer of 3 bytes',
      message(0, OPERATION_GROUP, value(0x21, 'printer-up-time', Buffer.from([0, 0, 1])), END),
    ],
    ['boolean of 2 bytes', message(0, OPERATION_GROUP, value(0x22, 'b', Buffer.from([0, 1])), END)],
    ['extra value with no attribute', message(0, Buffer.from([0x04]), value(0x21, '', int(1)), END)],
    ['memberAttrName outside a collection', message(0, OPERATION_GROUP, value(0x4a, '', text('x')), END)],
    ['unterminated collection', message(0, OPERATION_GROUP, value(0x34, 'media-col', Buffer.alloc(0)), END)],
    ['reserved group tag 0x0f', message(0, Buffer.from([0x0f]), END)],
    [
      'textWithLanguage with inconsistent inner lengths',
      message(
        0,
        OPERATION_GROUP,
        value(0x35, 'status-message', Buffer.from([0, 2, 0x65, 0x6e, 0, 9, 0x48])),
        END,
      ),
    ],
    ['__proto__ attribute', message(0, Buffer.from([0x04]), value(0x21, '__proto__', int(1)), END)],
    [
      'value length past the end',
      Buffer.concat([good.subarray(0, good.length - 3), Buffer.from([0x7f, 0x7f, 0x03])]),
    ],
  ])('%s', (_name, buf) => {
    expectUpstream(buf);
  });

  it('every truncation of a good response', () => {
    for (let n = 0; n < good.length; n++) expectUpstream(good.subarray(0, n));
  });

  it('every single-byte corruption either decodes or throws UpstreamError, never anything else', () => {
    for (let i = 0; i < good.length; i++) {
      for (const byte of [0x00, 0x03, 0x10, 0x34, 0x37, 0x4a, 0x7f, 0xff]) {
        const bad = Buffer.from(good);
        bad[i] = byte;
        try {
          decodeResponse(bad);
        } catch (err) {
          expect(err).toBeInstanceOf(UpstreamError);
        }
      }
    }
  });
});

describe('event notifications (RFC 3995 subscriptions, RFC 3996 ippget)', () => {
  it('a job creation carries a subscription group after its job attributes', () => {
    const bytes = encodeRequest({
      operation: 'Create-Job',
      requestId: 9,
      operationAttributes: {
        'printer-uri': 'ipp://printer.local/ipp/print',
        'requesting-user-name': 'alice',
      },
      jobAttributes: { copies: 2 },
      subscriptionAttributes: {
        'notify-pull-method': 'ippget',
        'notify-events': ['job-completed', 'job-state-changed'],
      },
    });
    const request = decodeRequest(bytes);
    expect(request.groups.map((g) => g.tag)).toEqual([
      'operation-attributes-tag',
      'job-attributes-tag',
      'subscription-attributes-tag',
    ]);
    const subscription = request.groups[2]?.attributes;
    expect(subscription?.get('notify-pull-method')).toEqual(['ippget']);
    expect(subscription?.get('notify-events')).toEqual(['job-completed', 'job-state-changed']);
    // The group's delimiter is 0x06 in the bytes themselves, not only in the decoder's view.
    expect(bytes.includes(Buffer.from([0x06, 0x44]))).toBe(true);
  });

  it('Get-Notifications asks with notify-subscription-ids, notify-sequence-numbers and notify-wait', () => {
    const request = decodeRequest(
      encodeRequest({
        operation: 'Get-Notifications',
        requestId: 10,
        operationAttributes: {
          'printer-uri': 'ipp://printer.local/ipp/print',
          'requesting-user-name': 'drive-print-connector',
          'notify-subscription-ids': [4],
          'notify-sequence-numbers': [3],
          'notify-wait': true,
        },
      }),
    );
    expect(request.operation).toBe('Get-Notifications');
    expect(request.operationAttributes.get('notify-subscription-ids')).toEqual([4]);
    expect(request.operationAttributes.get('notify-sequence-numbers')).toEqual([3]);
    expect(request.operationAttributes.get('notify-wait')).toEqual([true]);
  });

  it('reads subscription groups and event groups, in order, from an answer', () => {
    const response = decodeResponse(
      encodeResponse({
        statusCode: 'successful-ok-events-complete',
        requestId: 10,
        groups: [
          { tag: 'operation-attributes-tag', attributes: { 'printer-up-time': 77 } },
          ...[3, 4].map((sequence) => ({
            tag: 'event-notification-attributes-tag' as const,
            attributes: {
              'notify-subscription-id': 4,
              'notify-sequence-number': sequence,
              'notify-subscribed-event': sequence === 4 ? 'job-completed' : 'job-state-changed',
              'notify-job-id': 12,
              'job-state': sequence === 4 ? 'completed' : 'processing',
              'job-state-reasons': [sequence === 4 ? 'job-completed-successfully' : 'job-printing'],
              'printer-up-time': 77,
            },
          })),
        ],
      }),
    );
    expect(response.statusCode).toBe('successful-ok-events-complete');
    expect(response.status).toBe(0x0007);
    expect(response.eventGroups.map((e) => e.get('notify-sequence-number'))).toEqual([[3], [4]]);
    expect(response.eventGroups[1]?.get('job-state-reasons')).toEqual(['job-completed-successfully']);
    expect(response.subscriptionGroups).toEqual([]);
  });
});
