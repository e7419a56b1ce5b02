import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AuditRecord, GENESIS, lineHash, pseudonymise } from '../domain/audit.js';
import type { AuditEvent, AuditLog, Clock } from '../domain/ports.js';

export interface AuditLogFileOptions {
  file: string;
  /** Key of the HMAC that pseudonymises accounts. */
  userKey: string;
  clock: Clock;
  /** Called when a record cannot be written (disk full): the action goes on, the failure is logged. */
  onError?: (err: unknown) => void;
}

/** Append-only JSON lines, each carrying the hash of the line before it. */
export class AuditLogFile implements AuditLog {
  private prev: string | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: AuditLogFileOptions) {}

  record(event: AuditEvent): Promise<void> {
    // One writer at a time so that each line's `prev` is the line really before it.
    this.queue = this.queue.then(() => this.write(event)).catch((err) => this.o.onError?.(err));
    return this.queue;
  }

  private async write(event: AuditEvent): Promise<void> {
    if (this.prev === null) this.prev = await this.lastHash();
    const record: AuditRecord = {
      time: new Date(this.o.clock.now()).toISOString(),
      event: event.event,
      ...(event.user ? { userId: pseudonymise(this.o.userKey, event.user) } : {}),
      ...(event.fileId ? { fileId: event.fileId } : {}),
      ...(event.detail ? { detail: event.detail } : {}),
      prev: this.prev,
    };
    const line = JSON.stringify(record);
    await mkdir(path.dirname(this.o.file), { recursive: true, mode: 0o700 });
    await appendFile(this.o.file, `${line}\n`, { mode: 0o600 });
    this.prev = lineHash(line);
  }

  private async lastHash(): Promise<string> {
    try {
      const lines = (await readFile(this.o.file, 'utf8')).split('\n').filter(Boolean);
      const last = lines.at(-1);
      return last ? lineHash(last) : GENESIS;
    } catch {
      return GENESIS;
    }
  }

  /** Every record, oldest first (admin page). */
  async read(): Promise<AuditRecord[]> {
    await this.queue;
    try {
      const text = await readFile(this.o.file, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditRecord);
    } catch {
      return [];
    }
  }
}
