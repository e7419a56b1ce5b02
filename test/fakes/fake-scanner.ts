import { writeFile } from 'node:fs/promises';
import { UpstreamError } from '../../src/domain/errors.js';
import type {
  ScannerCapabilities,
  ScannerConfig,
  ScannerDevice,
  ScannerStatus,
  ScanSettings,
} from '../../src/domain/ports.js';
import { makePng } from '../fixtures/documents.js';

/** A scanner that hands out PNG pages from a loaded feeder; behaviour switches per test. */
export class FakeScannerDevice implements ScannerDevice {
  capabilitiesOf: ScannerCapabilities = {
    sources: ['flatbed', 'feeder'],
    duplex: true,
    colorModes: ['blackandwhite', 'grayscale', 'color'],
    resolutions: [150, 300, 600],
    formats: ['image/png', 'application/pdf'],
  };
  statusOf: ScannerStatus = { state: 'idle', adf: 'AdfLoaded' };
  /** Pages the next job yields. */
  feeder = 3;
  /** startJob fails with these, in order. */
  startFailures: UpstreamError[] = [];
  /** The page (1-based) at which the scanner fails, with this error. */
  failAt: { page: number; error: UpstreamError } | null = null;
  /** Held before each page until released (a slow scanner). */
  gate: Promise<void> | null = null;
  readonly started: Array<{ scannerId: string; settings: ScanSettings }> = [];
  readonly canceled: string[] = [];
  private served = new Map<string, number>();
  private nextId = 1;

  async capabilities(): Promise<ScannerCapabilities> {
    return this.capabilitiesOf;
  }

  async status(): Promise<ScannerStatus> {
    return this.statusOf;
  }

  async startJob(scanner: ScannerConfig, settings: ScanSettings): Promise<string> {
    const failure = this.startFailures.shift();
    if (failure) throw failure;
    this.started.push({ scannerId: scanner.id, settings });
    const url = `${scanner.escl}/ScanJobs/${this.nextId++}`;
    this.served.set(url, 0);
    return url;
  }

  async nextPage(_s: ScannerConfig, jobUrl: string, destination: string, signal?: AbortSignal) {
    if (this.gate) await this.gate;
    signal?.throwIfAborted();
    const served = this.served.get(jobUrl) ?? 0;
    if (this.failAt && this.failAt.page === served + 1) throw this.failAt.error;
    if (served >= this.feeder) return null;
    this.served.set(jobUrl, served + 1);
    await writeFile(destination, makePng(8 + served, 8));
    return 'image/png';
  }

  async cancel(_s: ScannerConfig, jobUrl: string): Promise<void> {
    this.canceled.push(jobUrl);
  }
}

export const scannerBusy = () =>
  new UpstreamError('scanner_busy', 'The scanner is busy.', { retryable: true });
export const scannerJam = () => new UpstreamError('scanner_jam', 'Paper is stuck in the feeder.');
