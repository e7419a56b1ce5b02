import { InMemoryPrintJobStore } from '../../src/adapters/memory-job-store.js';
import type { PrintJob } from '../../src/domain/ports.js';

/** A print job store that fails on demand, like a Redis that went away for a while. */
export class FlakyPrintJobStore extends InMemoryPrintJobStore {
  /** The next this-many replaces fail. */
  failReplaces = 0;
  /** While true, every call fails. */
  down = false;

  private check(): void {
    if (this.down) throw new Error('job store unreachable');
  }

  override async save(job: PrintJob): Promise<void> {
    this.check();
    return super.save(job);
  }

  override async replace(expected: PrintJob, next: PrintJob): Promise<boolean> {
    this.check();
    if (this.failReplaces > 0 && expected.state !== 'queued') {
      this.failReplaces--;
      throw new Error('job store write failed');
    }
    return super.replace(expected, next);
  }

  override async get(id: string): Promise<PrintJob | null> {
    this.check();
    return super.get(id);
  }
}
