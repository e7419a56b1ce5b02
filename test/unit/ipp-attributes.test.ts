import { describe, expect, it } from 'vitest';
import {
  documentFormatFor,
  ippJobStateToPhase,
  printerEndpoint,
  printerStateToState,
  printerUriFromConfig,
  statusToError,
  ticketToJobAttributes,
} from '../../src/adapters/ipp-attributes.js';
import { BadInputError, UpstreamError } from '../../src/domain/errors.js';
import type { PrintTicket } from '../../src/domain/ports.js';

describe('ticketToJobAttributes', () => {
  it.each<[string, PrintTicket, Record<string, unknown>]>([
    ['empty ticket', {}, {}],
    ['copies', { copies: 3 }, { copies: 3 }],
    ['sides', { sides: 'two-sided-long-edge' }, { sides: 'two-sided-long-edge' }],
    ['colour', { color: 'color' }, { 'print-color-mode': 'color' }],
    ['monochrome', { color: 'monochrome' }, { 'print-color-mode': 'monochrome' }],
    ['media', { media: 'iso_a4_210x297mm' }, { media: 'iso_a4_210x297mm' }],
    ['one range', { pageRanges: [[2, 4]] }, { 'page-ranges': [{ lower: 2, upper: 4 }] }],
    [
      'ranges sorted and merged',
      {
        pageRanges: [
          [7, 9],
          [1, 2],
          [2, 3],
          [4, 4],
        ],
      },
      {
        'page-ranges': [
          { lower: 1, upper: 4 },
          { lower: 7, upper: 9 },
        ],
      },
    ],
    ['no ranges', { pageRanges: [] }, {}],
    [
      'everything',
      {
        copies: 2,
        sides: 'one-sided',
        color: 'monochrome',
        media: 'na_letter_8.5x11in',
        pageRanges: [[1, 1]],
      },
      {
        copies: 2,
        sides: 'one-sided',
        'print-color-mode': 'monochrome',
        media: 'na_letter_8.5x11in',
        'page-ranges': [{ lower: 1, upper: 1 }],
      },
    ],
  ])('%s', (_name, ticket, expected) => {
    expect(ticketToJobAttributes(ticket)).toEqual(expected);
  });

  it.each<[string, PrintTicket]>([
    ['zero copies', { copies: 0 }],
    ['fractional copies', { copies: 1.5 }],
    ['too many copies', { copies: 1000 }],
    ['range below 1', { pageRanges: [[0, 2]] }],
    ['reversed range', { pageRanges: [[5, 2]] }],
    ['fractional range', { pageRanges: [[1, 2.5]] }],
  ])('rejects %s', (_name, ticket) => {
    expect(() => ticketToJobAttributes(ticket)).toThrow(BadInputError);
  });
});

describe('ippJobStateToPhase', () => {
  it.each([
    [3, 'pending'],
    [4, 'pending'],
    [5, 'processing'],
    [6, 'stopped'],
    [7, 'canceled'],
    [8, 'aborted'],
    [9, 'completed'],
    ['pending', 'pending'],
    ['pending-held', 'pending'],
    ['processing', 'processing'],
    ['processing-stopped', 'stopped'],
    ['canceled', 'canceled'],
    ['aborted', 'aborted'],
    ['completed', 'completed'],
    [2, null],
    [10, null],
    ['toString', null],
    ['held', null],
  ])('%s -> %s', (state, phase) => {
    expect(ippJobStateToPhase(state)).toBe(phase);
  });
});

describe('printerStateToState', () => {
  it.each([
    [3, 'idle'],
    [4, 'processing'],
    [5, 'stopped'],
    ['idle', 'idle'],
    ['processing', 'processing'],
    ['stopped', 'stopped'],
    [6, null],
    ['unreachable', null],
    ['constructor', null],
  ])('%s -> %s', (state, expected) => {
    expect(printerStateToState(state)).toBe(expected);
  });
});

describe('statusToError', () => {
  it.each([
    'successful-ok',
    'successful-ok-ignored-or-substituted-attributes',
    'successful-ok-conflicting-attributes',
    '0x0009',
  ])('%s is not an error', (status) => {
    expect(statusToError(status)).toBeNull();
  });

  it.each([
    ['server-error-busy', 'printer_busy', true],
    ['server-error-service-unavailable', 'printer_busy', true],
    ['server-error-temporary-error', 'printer_busy', true],
    ['client-error-document-format-not-supported', 'format_not_supported', false],
    ['client-error-not-authorized', 'printer_refused', false],
    ['client-error-bad-request', 'printer_refused', false],
    ['server-error-internal-error', 'printer_refused', false],
    ['server-error-not-accepting-jobs', 'printer_refused', false],
    ['client-error-attributes-or-values-not-supported', 'printer_refused', false],
    ['0x0599', 'printer_refused', false],
  ])('%s -> %s', (status, code, retryable) => {
    const error = statusToError(status);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error?.code).toBe(code);
    expect(error?.retryable).toBe(retryable);
    // A sentence for a person; the IPP keyword only in the cause.
    expect(error?.message).toMatch(/^[A-Z].*\.$/);
    expect(error?.message).not.toContain(status);
    expect(String((error?.cause as Error | undefined)?.message)).toContain(status);
  });

  it('treats an unsupported document-format value as format_not_supported', () => {
    const error = statusToError('client-error-attributes-or-values-not-supported', {
      unsupportedAttributes: ['document-format'],
    });
    expect(error?.code).toBe('format_not_supported');
    expect(
      statusToError('client-error-attributes-or-values-not-supported', { unsupportedAttributes: ['sides'] })
        ?.code,
    ).toBe('printer_refused');
  });

  it('uses the generic sentence for an unknown refusal', () => {
    expect(statusToError('client-error-something-new')?.message).toBe('The printer refused the job.');
  });
});

describe('documentFormatFor', () => {
  it.each([
    ['application/pdf', 'application/pdf'],
    ['image/jpeg', 'image/jpeg'],
    ['image/jpg', 'image/jpeg'],
    ['image/png', 'image/png'],
    ['image/pwg-raster', 'image/pwg-raster'],
    ['image/urf', 'image/urf'],
    ['text/plain', 'text/plain'],
    ['text/plain; charset=utf-8', 'text/plain'],
    ['Application/PDF', 'application/pdf'],
    ['application/vnd.google-apps.document', 'application/octet-stream'],
    ['image/gif', 'application/octet-stream'],
    ['', 'application/octet-stream'],
  ])('%s -> %s', (mime, format) => {
    expect(documentFormatFor(mime)).toBe(format);
  });
});

describe('printerEndpoint', () => {
  it.each([
    [
      'ipp://printer.local/ipp/print',
      'ipp://printer.local:631/ipp/print',
      'http://printer.local:631/ipp/print',
      false,
    ],
    [
      'ipp://printer.local:8631/ipp/print',
      'ipp://printer.local:8631/ipp/print',
      'http://printer.local:8631/ipp/print',
      false,
    ],
    [
      'ipps://printer.local/ipp/print',
      'ipps://printer.local:631/ipp/print',
      'https://printer.local:631/ipp/print',
      true,
    ],
    [
      'http://printer.local/ipp/print',
      'ipp://printer.local:80/ipp/print',
      'http://printer.local:80/ipp/print',
      false,
    ],
    [
      'https://printer.local/ipp/print',
      'ipps://printer.local:443/ipp/print',
      'https://printer.local:443/ipp/print',
      true,
    ],
    ['ipp://[::1]:631/ipp/print', 'ipp://[::1]:631/ipp/print', 'http://[::1]:631/ipp/print', false],
    [
      'IPP://10.0.0.5/printers/office',
      'ipp://10.0.0.5:631/printers/office',
      'http://10.0.0.5:631/printers/office',
      false,
    ],
  ])('%s', (uri, printerUri, httpUrl, tls) => {
    expect(printerEndpoint(uri)).toEqual({ printerUri, httpUrl, tls });
    expect(printerUriFromConfig(uri)).toBe(printerUri);
  });

  it.each([
    '',
    'not a uri',
    'ftp://printer/x',
    'ipp://',
    'ipp://user:pw@printer/ipp/print',
    'file:///etc/passwd',
  ])('rejects %j', (uri) => {
    expect(() => printerEndpoint(uri)).toThrow(UpstreamError);
    try {
      printerEndpoint(uri);
    } catch (err) {
      expect((err as UpstreamError).code).toBe('printer_unreachable');
    }
  });
});
