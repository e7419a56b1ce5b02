import type { ScanTicket, ScanTicketStore } from '../domain/ports.js';

/**
 * Scan tickets for a single instance. Each method runs without an await in between, so take and
 * addPart are atomic here as the Redis scripts are. A ticket is expired from `expiresAt` on.
 */
export class InMemoryScanTicketStore implements ScanTicketStore {
  private readonly tickets = new Map<string, ScanTicket>();

  async create(ticket: ScanTicket): Promise<void> {
    this.tickets.set(ticket.hash, copy(ticket));
  }

  async get(hash: string): Promise<ScanTicket | null> {
    const ticket = this.tickets.get(hash);
    return ticket ? copy(ticket) : null;
  }

  async take(hash: string, now: number): Promise<ScanTicket | null> {
    const ticket = this.tickets.get(hash);
    if (ticket?.state !== 'open' || ticket.expiresAt <= now) return null;
    ticket.state = 'used';
    return copy(ticket);
  }

  async addPart(hash: string, part: string, now: number): Promise<boolean> {
    const ticket = this.tickets.get(hash);
    if (ticket?.state !== 'open' || ticket.pages !== 'many' || ticket.expiresAt <= now) return false;
    ticket.parts.push(part);
    return true;
  }

  async remove(hash: string): Promise<void> {
    this.tickets.delete(hash);
  }

  async removeBySession(sid: string): Promise<ScanTicket[]> {
    return this.removeWhere((t) => t.sid === sid);
  }

  async removeExpired(now: number): Promise<ScanTicket[]> {
    return this.removeWhere((t) => t.expiresAt <= now);
  }

  private removeWhere(test: (ticket: ScanTicket) => boolean): ScanTicket[] {
    const removed: ScanTicket[] = [];
    for (const [hash, ticket] of this.tickets) {
      if (!test(ticket)) continue;
      this.tickets.delete(hash);
      removed.push(ticket);
    }
    return removed;
  }
}

function copy(ticket: ScanTicket): ScanTicket {
  return { ...ticket, parts: [...ticket.parts] };
}
