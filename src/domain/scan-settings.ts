// The settings of a scan pulled from a scanner: what the person chose, checked against what the scanner
// offers, and sensible presets for what they left alone.

import { BadInputError } from './errors.js';
import type { ScanColorMode, ScannerCapabilities, ScannerStatus, ScanSettings, ScanSource } from './ports.js';
import { OptionUnsupportedError } from './print-options.js';

export interface ScanRequestSettings {
  source?: ScanSource;
  duplex?: boolean;
  colorMode?: ScanColorMode;
  resolution?: number;
}

/** Page formats the connector can combine into one PDF, best first (JPEG is embedded as it is). */
const COMBINABLE = ['image/jpeg', 'application/pdf', 'image/png'];

/**
 * Presets for a scanner: the feeder when it is loaded (or there is no glass), 300 dpi (or the closest
 * offered), grey for documents; one-sided.
 */
export function defaultScanSettings(caps: ScannerCapabilities, status: ScannerStatus | null): ScanSettings {
  const feederLoaded = status?.adf === 'AdfLoaded';
  const source: ScanSource =
    caps.sources.includes('feeder') && (feederLoaded || !caps.sources.includes('flatbed'))
      ? 'feeder'
      : 'flatbed';
  const colorMode: ScanColorMode = caps.colorModes.includes('grayscale')
    ? 'grayscale'
    : (caps.colorModes[0] ?? 'grayscale');
  return {
    source,
    duplex: false,
    colorMode,
    resolution: closest(caps.resolutions, 300),
    format: pageFormat(caps),
  };
}

/** The settings to send: the person's choices, each checked against the scanner, over the presets. */
export function resolveScanSettings(
  requested: ScanRequestSettings,
  caps: ScannerCapabilities,
  status: ScannerStatus | null,
): ScanSettings {
  const presets = defaultScanSettings(caps, status);
  const oneOf = <T extends string | number>(option: string, value: T | undefined, accepted: readonly T[]) => {
    if (value !== undefined && !accepted.includes(value)) {
      throw new OptionUnsupportedError(
        option,
        `This scanner does not support ${option} "${value}". It accepts: ${accepted.join(', ') || 'none'}.`,
      );
    }
  };
  oneOf('source', requested.source, caps.sources);
  oneOf('colorMode', requested.colorMode, caps.colorModes);
  oneOf('resolution', requested.resolution, caps.resolutions);
  const source = requested.source ?? presets.source;
  if (requested.duplex && !(caps.duplex && source === 'feeder')) {
    throw new OptionUnsupportedError(
      'duplex',
      caps.duplex
        ? 'Two-sided scanning works only from the feeder.'
        : 'This scanner scans one side at a time only.',
    );
  }
  return {
    source,
    duplex: requested.duplex ?? false,
    colorMode: requested.colorMode ?? presets.colorMode,
    resolution: requested.resolution ?? presets.resolution,
    format: presets.format,
  };
}

function closest(offered: readonly number[], wanted: number): number {
  if (offered.length === 0) return wanted;
  // On a tie the finer resolution wins: text stays readable.
  return offered.reduce((best, r) => {
    const d = Math.abs(r - wanted) - Math.abs(best - wanted);
    return d < 0 || (d === 0 && r > best) ? r : best;
  });
}

function pageFormat(caps: ScannerCapabilities): string {
  const format = COMBINABLE.find((f) => caps.formats.includes(f));
  if (!format) {
    throw new BadInputError(
      'This scanner sends pages in a format the connector cannot combine into a PDF.',
      'scanner_format_unsupported',
    );
  }
  return format;
}
