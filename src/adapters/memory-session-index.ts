import type { SessionIndex, SessionIndexEntry } from '../domain/sessions.js';

/** Session deadlines for a single instance. */
export class InMemorySessionIndex implements SessionIndex {
  private readonly entries = new Map<string, SessionIndexEntry>();

  async upsert(entry: SessionIndexEntry, options: { mustExist?: boolean } = {}): Promise<void> {
    if (options.mustExist && !this.entries.has(entry.sid)) return;
    this.entries.set(entry.sid, { ...entry });
  }

  async claim(sid: string): Promise<SessionIndexEntry | null> {
    const entry = this.entries.get(sid) ?? null;
    this.entries.delete(sid);
    return entry;
  }

  async due(now: number, limit: number): Promise<SessionIndexEntry[]> {
    return [...this.entries.values()].filter((e) => e.deadline <= now).slice(0, limit);
  }

  async all(): Promise<SessionIndexEntry[]> {
    return [...this.entries.values()];
  }
}
