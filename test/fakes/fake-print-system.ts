import { readFile } from 'node:fs/promises';
import { UpstreamError } from '../../src/domain/errors.js';
import type {
  PrinterConfig,
  PrinterJobStatus,
  PrinterState,
  PrintSubmission,
  PrintSystem,
} from '../../src/domain/ports.js';

/** Printers that keep what they were sent; behaviour switches per test. */
export class FakePrintSystem implements PrintSystem {
  readonly received: Array<{ printerId: string; submission: PrintSubmission; content: Buffer }> = [];
  readonly canceled: number[] = [];
  states = new Map<string, PrinterState>();
  /** Next submissions fail with these errors, in order. */
  submitFailures: UpstreamError[] = [];
  /** Job phases returned by jobStatus, in order; the last one repeats. */
  phases: PrinterJobStatus['phase'][] = ['completed'];
  private nextId = 100;

  async state(printer: PrinterConfig): Promise<PrinterState> {
    return this.states.get(printer.id) ?? 'idle';
  }

  async submit(printer: PrinterConfig, submission: PrintSubmission): Promise<{ ippJobId: number }> {
    const failure = this.submitFailures.shift();
    if (failure) throw failure;
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
    return { phase, reasons: [] };
  }

  async cancel(_printer: PrinterConfig, ippJobId: number): Promise<void> {
    this.canceled.push(ippJobId);
  }
}

export const busy = () => new UpstreamError('printer_busy', 'The printer is busy.', { retryable: true });
export const unreachable = () => new UpstreamError('printer_unreachable', 'The printer did not answer.');
