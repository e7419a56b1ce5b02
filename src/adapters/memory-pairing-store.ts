import type { Pairing, PairingState, PairingStore } from '../domain/pairing.js';

/**
 * Pairings for a single instance. settle runs without an await in between, so it is atomic as the
 * Redis script is. Pairings are dropped a while after they expire.
 */
export class InMemoryPairingStore implements PairingStore {
  private readonly pairings = new Map<string, Pairing>();
  private readonly ids = new Map<string, string>();

  constructor(private readonly o: { keepMs?: number } = {}) {}

  async create(pairing: Pairing): Promise<void> {
    this.drop(pairing.expiresAt - (this.o.keepMs ?? 15 * 60_000));
    this.pairings.set(pairing.hash, { ...pairing });
    this.ids.set(pairing.id, pairing.hash);
  }

  async get(hash: string): Promise<Pairing | null> {
    const p = this.pairings.get(hash);
    return p ? { ...p } : null;
  }

  async byId(id: string): Promise<Pairing | null> {
    const hash = this.ids.get(id);
    return hash ? this.get(hash) : null;
  }

  async settle(hash: string, state: Exclude<PairingState, 'open'>, now: number): Promise<Pairing | null> {
    const p = this.pairings.get(hash);
    if (p?.state !== 'open' || p.expiresAt <= now) return null;
    p.state = state;
    return { ...p };
  }

  /** Forgets pairings that expired before `before`. */
  private drop(before: number): void {
    for (const [hash, p] of this.pairings) {
      if (p.expiresAt >= before) continue;
      this.pairings.delete(hash);
      this.ids.delete(p.id);
    }
  }
}
