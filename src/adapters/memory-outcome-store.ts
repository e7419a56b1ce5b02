import type { ScanOutcome } from '../domain/ports.js';
import type { ScanOutcomeStore } from '../domain/scanning.js';

/** Outcomes of used scan tickets for a single instance. */
export class InMemoryScanOutcomeStore implements ScanOutcomeStore {
  private readonly entries = new Map<string, { outcome: ScanOutcome; until: number }>();

  async set(ticketHash: string, outcome: ScanOutcome, ttlMs: number): Promise<void> {
    const now = Date.now();
    for (const [k, v] of this.entries) if (v.until < now) this.entries.delete(k);
    this.entries.set(ticketHash, { outcome, until: now + ttlMs });
  }

  async get(ticketHash: string): Promise<ScanOutcome | null> {
    const e = this.entries.get(ticketHash);
    return e && e.until >= Date.now() ? e.outcome : null;
  }
}
