import type { PulledDocument, PulledDocumentStore } from '../domain/ports.js';

/**
 * Pulled documents for a single instance. Each method runs without an await in between, so take and
 * remove are atomic here as the Redis scripts are. A record is expired from `expiresAt` on.
 */
export class InMemoryPulledDocumentStore implements PulledDocumentStore {
  private readonly docs = new Map<string, PulledDocument>();

  async create(doc: PulledDocument): Promise<void> {
    this.docs.set(doc.hash, { ...doc });
  }

  async get(hash: string): Promise<PulledDocument | null> {
    const doc = this.docs.get(hash);
    return doc ? { ...doc } : null;
  }

  async take(hash: string, now: number): Promise<PulledDocument | null> {
    const doc = this.docs.get(hash);
    if (!doc || doc.expiresAt <= now) return null;
    this.docs.delete(hash);
    return doc;
  }

  async remove(hash: string): Promise<PulledDocument | null> {
    const doc = this.docs.get(hash) ?? null;
    this.docs.delete(hash);
    return doc;
  }

  async removeExpired(now: number): Promise<PulledDocument[]> {
    const expired: PulledDocument[] = [];
    for (const [hash, doc] of this.docs) {
      if (doc.expiresAt > now) continue;
      this.docs.delete(hash);
      expired.push(doc);
    }
    return expired;
  }
}
