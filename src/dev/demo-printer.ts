import { type EsclScanner, startEsclScanner } from './escl-scanner.js';
import { hasIppEvePrinter, type IppEvePrinterOptions, startIppEvePrinter } from './ippeveprinter.js';
import { startVirtualPrinter, type VirtualPrinterOptions } from './virtual-printer.js';

export interface DemoPrinter {
  uri: string;
  name: string;
  kind: 'ippeveprinter' | 'virtual';
  /** Sets printer-state-reasons (e.g. ['media-empty-error']); only the virtual printer can. */
  setStateReasons?(reasons: string[]): void;
  close(): Promise<void>;
}

/** One of the demo's printers with the id printers.json gives it. */
export interface DemoPrinterEntry extends DemoPrinter {
  id: string;
}

/**
 * A demo printer described twice: as ippeveprinter options and as virtual printer options. They
 * differ where ippeveprinter cannot follow: with -f (needed for PDF) it brings its own media list and
 * offers no finishings or number-up, and an -a attributes file would limit it to PWG raster and URF.
 */
interface DemoModel {
  id: string;
  name: string;
  eve: IppEvePrinterOptions;
  virtual: Omit<VirtualPrinterOptions, 'spoolDir' | 'name'>;
}

const MFP: DemoModel = {
  id: 'demo',
  name: 'Demo MFP',
  eve: {
    formats: ['application/pdf', 'image/jpeg', 'image/png', 'image/pwg-raster'],
    duplex: true,
    speed: { ppm: 20, colorPpm: 10 },
  },
  virtual: {
    documentFormats: ['application/pdf', 'image/jpeg', 'image/png', 'image/pwg-raster'],
    duplex: true,
    color: true,
    media: ['iso_a4_210x297mm', 'iso_a3_297x420mm', 'na_letter_8.5x11in', 'na_legal_8.5x14in'],
    pageRanges: true,
    numberUp: [1, 2, 4],
    qualities: ['draft', 'normal', 'high'],
    finishings: ['staple'],
    // A current MFP tells of its jobs' events (ippget): the connector hears a job end at once.
    notifications: true,
  },
};

const RASTER: DemoModel = {
  id: 'demo-raster',
  name: 'Demo Raster Printer',
  eve: { formats: ['image/pwg-raster', 'image/jpeg'], speed: { ppm: 10 } },
  virtual: {
    documentFormats: ['image/pwg-raster', 'image/jpeg'],
    duplex: false,
    color: false,
    media: ['iso_a4_210x297mm', 'na_letter_8.5x11in'],
    // Like ippeveprinter, a printer without PDF does not pick pages itself.
    pageRanges: false,
    numberUp: [1],
    finishings: [],
  },
};

/**
 * The demo MFP's scanner: an eSCL scanner double with a flatbed and a two-sided feeder holding three
 * sheets, which it puts back after each job so the demo can scan again and again.
 */
export function startDemoScanner(): Promise<EsclScanner> {
  return startEsclScanner({ name: 'Demo MFP Scanner', feederSheets: 3, refillFeeder: true });
}

/** The demo printers' virtual-printer capabilities, for tests that need them with other knobs. */
export const DEMO_VIRTUAL_MODELS = { mfp: MFP.virtual, raster: RASTER.virtual } as const;

export interface DemoPrinterOptions {
  spoolDir: string;
  preferVirtual?: boolean;
}

/**
 * The demo's full printer ("Demo MFP"): CUPS' ippeveprinter when it is installed (a real IPP
 * Everywhere printer), otherwise the in-process virtual printer. Either keeps what it receives in spoolDir.
 */
export function startDemoPrinter(options: DemoPrinterOptions): Promise<DemoPrinter> {
  return startModel(MFP, options);
}

/**
 * Both demo printers: "demo" (PDF, JPEG, PNG, PWG raster; two-sided; colour) in `spoolDir` and
 * "demo-raster" (PWG raster and JPEG only; one-sided; monochrome) in `rasterSpoolDir`. If the second
 * cannot start, the first is closed again.
 */
export async function startDemoPrinters(
  options: DemoPrinterOptions & { rasterSpoolDir: string },
): Promise<DemoPrinterEntry[]> {
  const mfp = await startModel(MFP, options);
  try {
    const raster = await startModel(RASTER, { ...options, spoolDir: options.rasterSpoolDir });
    return [mfp, raster];
  } catch (err) {
    await mfp.close();
    throw err;
  }
}

async function startModel(model: DemoModel, options: DemoPrinterOptions): Promise<DemoPrinterEntry> {
  if (!options.preferVirtual && hasIppEvePrinter()) {
    try {
      const p = await startIppEvePrinter({ ...model.eve, name: model.name, spoolDir: options.spoolDir });
      return {
        id: model.id,
        uri: p.uri,
        name: `${model.name} (ippeveprinter)`,
        kind: 'ippeveprinter',
        close: () => p.stop(),
      };
    } catch {
      // avahi or D-Bus could not start here (not root?): fall back to the virtual printer.
    }
  }
  const v = await startVirtualPrinter({ ...model.virtual, spoolDir: options.spoolDir, name: model.name });
  return {
    id: model.id,
    uri: v.uri,
    name: `${model.name} (virtual)`,
    kind: 'virtual',
    setStateReasons: (reasons) => v.setStateReasons(reasons),
    close: () => v.close(),
  };
}
