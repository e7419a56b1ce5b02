import { hasIppEvePrinter, startIppEvePrinter } from './ippeveprinter.js';
import { startVirtualPrinter } from './virtual-printer.js';

export interface DemoPrinter {
  uri: string;
  name: string;
  kind: 'ippeveprinter' | 'virtual';
  close(): Promise<void>;
}

/**
 * A printer for the demo: CUPS' ippeveprinter when it is installed (a real IPP Everywhere
 * printer), otherwise the in-process virtual printer. Either keeps what it receives in spoolDir.
 */
export async function startDemoPrinter(options: {
  spoolDir: string;
  preferVirtual?: boolean;
}): Promise<DemoPrinter> {
  if (!options.preferVirtual && hasIppEvePrinter()) {
    try {
      const p = await startIppEvePrinter({ name: 'Demo MFP', spoolDir: options.spoolDir });
      return { uri: p.uri, name: 'Demo MFP (ippeveprinter)', kind: 'ippeveprinter', close: () => p.stop() };
    } catch {
      // avahi or D-Bus could not start here (not root?): fall back to the virtual printer.
    }
  }
  const v = await startVirtualPrinter({ spoolDir: options.spoolDir, name: 'Demo MFP' });
  return { uri: v.uri, name: 'Demo MFP (virtual)', kind: 'virtual', close: () => v.close() };
}
