import { describe, expect, it } from 'vitest';
import type { ScannerCapabilities, ScannerStatus } from '../../src/domain/ports.js';
import { defaultScanSettings, resolveScanSettings } from '../../src/domain/scan-settings.js';

const office: ScannerCapabilities = {
  sources: ['flatbed', 'feeder'],
  duplex: true,
  colorModes: ['blackandwhite', 'grayscale', 'color'],
  resolutions: [75, 150, 300, 600],
  formats: ['application/pdf', 'image/jpeg'],
};
const glassOnly: ScannerCapabilities = {
  sources: ['flatbed'],
  duplex: false,
  colorModes: ['color'],
  resolutions: [100, 200, 400],
  formats: ['image/png'],
};
const loaded: ScannerStatus = { state: 'idle', adf: 'AdfLoaded' };
const empty: ScannerStatus = { state: 'idle', adf: 'AdfEmpty' };

describe('defaultScanSettings', () => {
  it.each<[string, ScannerCapabilities, ScannerStatus | null, Record<string, unknown>]>([
    [
      'loaded feeder',
      office,
      loaded,
      { source: 'feeder', colorMode: 'grayscale', resolution: 300, format: 'image/jpeg' },
    ],
    ['empty feeder: the glass', office, empty, { source: 'flatbed' }],
    ['status unknown: the glass', office, null, { source: 'flatbed' }],
    ['feeder only, even when empty', { ...office, sources: ['feeder'] }, empty, { source: 'feeder' }],
    [
      'no grey: the first mode; the closest resolution',
      glassOnly,
      null,
      { colorMode: 'color', resolution: 400, format: 'image/png' },
    ],
  ])('%s', (_name, caps, status, expected) => {
    expect(defaultScanSettings(caps, status)).toMatchObject({ duplex: false, ...expected });
  });

  it('a scanner with no page format the connector can combine is 400', () => {
    expect(() => defaultScanSettings({ ...office, formats: ['image/tiff'] }, null)).toThrow(
      expect.objectContaining({ code: 'scanner_format_unsupported', status: 400 }),
    );
  });
});

describe('resolveScanSettings', () => {
  it('keeps every supported choice and fills the rest from the presets', () => {
    expect(resolveScanSettings({ colorMode: 'color', resolution: 600 }, office, loaded)).toEqual({
      source: 'feeder',
      duplex: false,
      colorMode: 'color',
      resolution: 600,
      format: 'image/jpeg',
    });
    expect(resolveScanSettings({ source: 'feeder', duplex: true }, office, empty)).toMatchObject({
      source: 'feeder',
      duplex: true,
    });
  });

  it.each<[Parameters<typeof resolveScanSettings>[0], ScannerCapabilities, string, RegExp]>([
    [{ source: 'feeder' }, glassOnly, 'source', /It accepts: flatbed/],
    [{ colorMode: 'grayscale' }, glassOnly, 'colorMode', /It accepts: color/],
    [{ resolution: 300 }, glassOnly, 'resolution', /It accepts: 100, 200, 400/],
    [{ duplex: true }, glassOnly, 'duplex', /one side at a time/],
    [{ duplex: true, source: 'flatbed' }, office, 'duplex', /only from the feeder/],
  ])('refuses %j with option_unsupported (%s)', (requested, caps, option, message) => {
    let error: unknown;
    try {
      resolveScanSettings(requested, caps, null);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'option_unsupported', status: 400, option });
    expect((error as Error).message).toMatch(message);
  });
});
