// What each configured printer can do and how it is doing, kept fresh in the background so that
// pages and API calls answer from memory and never wait on a slow printer.

import { NotFoundError } from './errors.js';
import type { Clock, PrinterConfig, PrinterDescription, PrinterState, PrintSystem } from './ports.js';

export interface PrinterView {
  id: string;
  name: string;
  state: PrinterState;
  stateReasons: string[];
  /** The last description the printer gave; kept while it is unreachable, null if it never answered. */
  description: PrinterDescription | null;
  /** When the printer was last asked (epoch ms); 0 when never. */
  checkedAt: number;
}

export interface PrinterDirectoryOptions {
  printers: readonly PrinterConfig[];
  printSystem: PrintSystem;
  clock: Clock;
  /** How often every printer is asked, in the background. Default 30 s. */
  refreshMs?: number;
  /** A read of a view older than this starts a background refresh. Default 5 s. */
  staleMs?: number;
  /** A failed refresh is retried this soon. Default 5 s. */
  retryMs?: number;
  onError?: (err: unknown, printerId: string) => void;
}

interface Entry {
  config: PrinterConfig;
  view: PrinterView;
  inflight: Promise<PrinterView> | null;
  /** The pending early retry after a failure; one per printer at most. */
  retry: NodeJS.Timeout | null;
}

export class PrinterDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly opts: Required<Omit<PrinterDirectoryOptions, 'onError'>> &
    Pick<PrinterDirectoryOptions, 'onError'>;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: PrinterDirectoryOptions) {
    this.opts = { refreshMs: 30_000, staleMs: 5_000, retryMs: 5_000, ...options };
    for (const config of options.printers) {
      this.entries.set(config.id, {
        config,
        inflight: null,
        retry: null,
        view: {
          id: config.id,
          name: config.name,
          state: 'unreachable',
          stateReasons: [],
          description: null,
          checkedAt: 0,
        },
      });
    }
  }

  /** Asks every printer now and then on a schedule; resolves when the first round has ended. */
  async start(): Promise<void> {
    if (!this.timer) {
      this.timer = setInterval(() => void this.refreshAll(), this.opts.refreshMs);
      this.timer.unref();
    }
    await this.refreshAll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const entry of this.entries.values()) {
      if (entry.retry) clearTimeout(entry.retry);
      entry.retry = null;
    }
  }

  configs(): readonly PrinterConfig[] {
    return [...this.entries.values()].map((e) => e.config);
  }

  /** The printer's configuration; 404 printer_not_found for an unknown id. */
  config(printerId: string): PrinterConfig {
    return this.entry(printerId).config;
  }

  /** Every printer as last seen; a printer never asked yet is asked first (bounded by its probe time). */
  async list(): Promise<PrinterView[]> {
    return Promise.all([...this.entries.keys()].map((id) => this.get(id)));
  }

  /** One printer as last seen; starts a background refresh when the view is stale. */
  async get(printerId: string): Promise<PrinterView> {
    const entry = this.entry(printerId);
    if (entry.view.checkedAt === 0) return this.refresh(printerId);
    if (this.opts.clock.now() - entry.view.checkedAt > this.opts.staleMs) void this.refresh(printerId);
    return entry.view;
  }

  /** Asks the printer now (one request at a time per printer); never throws for a printer's failure. */
  refresh(printerId: string): Promise<PrinterView> {
    const entry = this.entry(printerId);
    if (entry.inflight) return entry.inflight;
    const run = this.ask(entry).finally(() => {
      entry.inflight = null;
    });
    entry.inflight = run;
    return run;
  }

  /** Something happened at the printer (a job ended or failed): ask again soon, in the background. */
  touch(printerId: string): void {
    if (this.entries.has(printerId)) void this.refresh(printerId);
  }

  private async ask(entry: Entry): Promise<PrinterView> {
    const { printSystem, clock } = this.opts;
    try {
      const description = await printSystem.describe(entry.config);
      entry.view = {
        ...entry.view,
        state: description.state,
        stateReasons: description.stateReasons,
        description,
        checkedAt: clock.now(),
      };
    } catch (err) {
      this.opts.onError?.(err, entry.config.id);
      entry.view = { ...entry.view, state: 'unreachable', stateReasons: [], checkedAt: clock.now() };
      // A failure is retried sooner than the schedule, so a printer that comes back shows up quickly.
      if (!entry.retry && this.timer) {
        entry.retry = setTimeout(() => {
          entry.retry = null;
          void this.refresh(entry.config.id);
        }, this.opts.retryMs);
        entry.retry.unref();
      }
    }
    return entry.view;
  }

  private async refreshAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.refresh(id)));
  }

  private entry(printerId: string): Entry {
    const entry = this.entries.get(printerId);
    if (!entry)
      throw new NotFoundError('That printer is not known here. Pick one from the list.', 'printer_not_found');
    return entry;
  }
}
