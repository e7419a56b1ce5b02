import { readFile } from 'node:fs/promises';
import { UpstreamError } from '../../src/domain/errors.js';
import type {
  PrinterConfig,
  PrinterDescription,
  PrinterJobStatus,
  PrintSubmission,
  PrintSystem,
} from '../../src/domain/ports.js';

/** A printer that offers every option the connector knows, as a full office MFP does. */
export function fullPrinter(overrides: Partial<PrinterDescription> = {}): PrinterDescription {
  return {
    state: 'idle',
    stateReasons: [],
    capabilities: {
      copies: { min: 1, max: 99 },
      sides: ['one-sided', 'two-sided-long-edge', 'two-sided-short-edge'],
      color: ['monochrome', 'color'],
      media: [
        { id: 'iso_a4_210x297mm', name: 'A4' },
        { id: 'iso_a3_297x420mm', name: 'A3' },
        { id: 'na_letter_8.5x11in', name: 'Letter' },
      ],
      pageRanges: true,
      orientation: ['portrait', 'landscape'],
      numberUp: [1, 2, 4],
      quality: ['draft', 'normal', 'high'],
      finishings: ['staple'],
      documentFormats: ['application/pdf', 'image/jpeg', 'image/png'],
    },
    defaults: {
      copies: 1,
      sides: 'one-sided',
      color: 'monochrome',
      media: 'iso_a4_210x297mm',
      orientation: 'portrait',
      numberUp: 1,
      quality: 'normal',
      finishings: [],
    },
    facts: {
      mediaCol: true,
      mediaKeyword: true,
      validateJob: false,
      createJob: true,
      ippget: false,
      raster: { pwgResolutions: [], pwgTypes: [], pwgSheetBack: 'normal', urf: [] },
    },
    ...overrides,
  };
}

/** Printers that keep what they were sent; behaviour switches per test. */
export class FakePrintSystem implements PrintSystem {
  readonly received: Array<{ printerId: string; submission: PrintSubmission; content: Buffer }> = [];
  readonly validated: Array<{ printerId: string; submission: Omit<PrintSubmission, 'documentPath'> }> = [];
  readonly canceled: number[] = [];
  /** Per printer id; printers not listed are full printers. A null description means unreachable. */
  descriptions = new Map<string, PrinterDescription | null>();
  /** What Validate-Job refuses next (our option names). */
  refuse: string[] = [];
  /** Next submissions fail with these errors, in order. */
  submitFailures: UpstreamError[] = [];
  /** Job phases returned by jobStatus, in order; the last one repeats. */
  phases: PrinterJobStatus['phase'][] = ['completed'];
  private nextId = 100;

  async describe(printer: PrinterConfig): Promise<PrinterDescription> {
    const description = this.descriptions.has(printer.id) ? this.descriptions.get(printer.id) : fullPrinter();
    if (!description) throw unreachable();
    return description;
  }

  async validate(
    printer: PrinterConfig,
    submission: Omit<PrintSubmission, 'documentPath'>,
  ): Promise<string[]> {
    this.validated.push({ printerId: printer.id, submission });
    return this.refuse;
  }

  async submit(printer: PrinterConfig, submission: PrintSubmission): Promise<{ ippJobId: number }> {
    const failure = this.submitFailures.shift();
    if (failure) throw failure;
    // Like the real transport: a document still arriving is taken to its end, or fails with its download.
    if (submission.growth) await submission.growth.finished;
    this.received.push({
      printerId: printer.id,
      submission,
      content: await readFile(submission.documentPath),
    });
    return { ippJobId: this.nextId++ };
  }

  async jobStatus(): Promise<PrinterJobStatus> {
    const phase =
      this.phases.length > 1
        ? (this.phases.shift() as PrinterJobStatus['phase'])
        : (this.phases[0] ?? 'completed');
    return { phase, reasons: [], impressionsCompleted: phase === 'completed' ? 1 : null };
  }

  async cancel(_printer: PrinterConfig, ippJobId: number): Promise<void> {
    this.canceled.push(ippJobId);
  }
}

export const busy = () => new UpstreamError('printer_busy', 'The printer is busy.', { retryable: true });
export const unreachable = () => new UpstreamError('printer_unreachable', 'The printer did not answer.');
