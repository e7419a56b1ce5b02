import { describe, expect, it } from 'vitest';
import type { PrinterConfig, PrinterDescription } from '../../src/domain/ports.js';
import { PrinterDirectory } from '../../src/domain/printers.js';
import { FakePrintSystem, fullPrinter } from '../fakes/fake-print-system.js';
import { ManualClock } from '../fakes/manual-clock.js';

const printers: PrinterConfig[] = [
  { id: 'floor2', name: 'Floor 2 MFP', uri: 'ipp://floor2.example/ipp/print' },
  { id: 'lobby', name: 'Lobby', uri: 'ipp://lobby.example/ipp/print' },
];

/** Counts describe calls and can hold them, like a printer that is slow to answer. */
class CountingPrintSystem extends FakePrintSystem {
  calls = 0;
  hold: Promise<void> | null = null;
  override async describe(printer: PrinterConfig): Promise<PrinterDescription> {
    this.calls++;
    if (this.hold) await this.hold;
    return super.describe(printer);
  }
}

function directory(system = new CountingPrintSystem(), clock = new ManualClock()) {
  return {
    system,
    clock,
    dir: new PrinterDirectory({ printers, printSystem: system, clock, staleMs: 5000 }),
  };
}

describe('PrinterDirectory', () => {
  it('asks a printer the first time, then answers from memory', async () => {
    const { system, dir } = directory();
    const view = await dir.get('floor2');
    expect(view).toMatchObject({ id: 'floor2', name: 'Floor 2 MFP', state: 'idle', stateReasons: [] });
    expect(view.description?.capabilities.sides).toContain('two-sided-long-edge');
    await dir.get('floor2');
    await dir.get('floor2');
    expect(system.calls).toBe(1);
  });

  it('a stale view is answered at once and refreshed in the background', async () => {
    const { system, clock, dir } = directory();
    await dir.get('floor2');
    system.descriptions.set('floor2', fullPrinter({ state: 'stopped', stateReasons: ['media-empty'] }));
    let release = () => {};
    system.hold = new Promise((r) => {
      release = r;
    });
    await clock.advance(6000);
    const stale = await dir.get('floor2');
    expect(stale.state).toBe('idle');
    expect(system.calls).toBe(2);
    release();
    await dir.refresh('floor2');
    expect((await dir.get('floor2')).stateReasons).toEqual(['media-empty']);
  });

  it('asks each printer once at a time however many pages want it', async () => {
    const { system, dir } = directory();
    let release = () => {};
    system.hold = new Promise((r) => {
      release = r;
    });
    const views = Promise.all([dir.get('lobby'), dir.get('lobby'), dir.list()]);
    release();
    await views;
    expect(system.calls).toBe(2); // lobby once, floor2 once
  });

  it('an unreachable printer keeps its last options and shows unreachable', async () => {
    const { system, dir } = directory();
    await dir.get('lobby');
    system.descriptions.set('lobby', null);
    const view = await dir.refresh('lobby');
    expect(view.state).toBe('unreachable');
    expect(view.description?.capabilities.copies.max).toBe(99);
  });

  it('a printer that never answered has no options', async () => {
    const { system, dir } = directory();
    system.descriptions.set('lobby', null);
    expect(await dir.get('lobby')).toMatchObject({ state: 'unreachable', description: null });
  });

  it('an unknown printer is 404 printer_not_found', async () => {
    const { dir } = directory();
    await expect(dir.get('nowhere')).rejects.toMatchObject({ status: 404, code: 'printer_not_found' });
    expect(() => dir.config('nowhere')).toThrow(expect.objectContaining({ code: 'printer_not_found' }));
  });
});
