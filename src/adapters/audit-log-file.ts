import { appendFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
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
  /** Days a rotated file is kept (default 90); older ones are deleted (promise 9). */
  retentionDays?: number;
}

/**
 * The first line of a file that goes on from a rotated one. Its `prev` is the hash of that file's
 * last line, and `from` names it, so a verifier can tell a file whose predecessor was deleted by
 * retention (the chain starts at a continuation) from a file whose first lines were cut off.
 */
export interface ContinuationRecord {
  time: string;
  event: 'log.continued';
  /** Base name of the rotated file this one continues. */
  from: string;
  prev: string;
}

export function isContinuation(record: unknown): record is ContinuationRecord {
  return (record as ContinuationRecord | null)?.event === 'log.continued';
}

export interface AuditQuery {
  /** Epoch ms; records at or after it. */
  since?: number;
  /** Epoch ms; records at or before it. */
  until?: number;
  event?: AuditRecord['event'];
  /** Most records returned (default 200). */
  limit?: number;
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function nameParts(file: string): { dir: string; stem: string; ext: string } {
  const ext = path.extname(file);
  return { dir: path.dirname(file), stem: path.basename(file, ext), ext };
}

/** `audit.log` rotated on 2026-11-21 becomes `audit-2026-11-21.log` (`-N` added if that exists). */
export function rotatedName(file: string, day: string, n = 0): string {
  const { dir, stem, ext } = nameParts(file);
  return path.join(dir, `${stem}-${day}${n > 0 ? `-${n}` : ''}${ext}`);
}

/** The day and sequence of a rotated file of `file`, or null for any other name. */
function rotatedOrder(file: string, name: string): { day: string; n: number } | null {
  const { stem, ext } = nameParts(file);
  if (!name.startsWith(`${stem}-`) || !name.endsWith(ext)) return null;
  const middle = name.slice(stem.length + 1, name.length - ext.length);
  const m = /^(\d{4}-\d{2}-\d{2})(?:-(\d+))?$/.exec(middle);
  return m?.[1] ? { day: m[1], n: Number(m[2] ?? 0) } : null;
}

/** Rotated files of the log, oldest first, with their day. */
export async function rotatedAuditFiles(file: string): Promise<Array<{ path: string; day: string }>> {
  let names: string[];
  try {
    names = await readdir(path.dirname(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .flatMap((name) => {
      const order = rotatedOrder(file, name);
      return order ? [{ path: path.join(path.dirname(file), name), ...order }] : [];
    })
    .sort((a, b) => a.day.localeCompare(b.day) || a.n - b.n)
    .map(({ path: p, day }) => ({ path: p, day }));
}

/** Every file of the log, oldest first: the rotated ones, then the current one if it exists. */
export async function auditLogFiles(file: string): Promise<string[]> {
  const rotated = (await rotatedAuditFiles(file)).map((r) => r.path);
  const current = await stat(file).then(
    () => [file],
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    },
  );
  return [...rotated, ...current];
}

async function readLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Append-only JSON lines, each carrying the hash of the line before it. The file is rotated at the
 * first record of a new UTC day, and the chain goes on across files through a continuation line.
 */
export class AuditLogFile implements AuditLog {
  private opened = false;
  private prev = GENESIS;
  /** UTC day of the current file's first record; null while the file is empty. */
  private fileDay: string | null = null;
  /** Set when the next line starts a new file after a rotated one. */
  private continuation: { from: string; prev: string } | null = null;
  private retentionDay: string | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: AuditLogFileOptions) {}

  record(event: AuditEvent): Promise<void> {
    // One writer at a time so that each line's `prev` is the line really before it.
    this.queue = this.queue.then(() => this.write(event)).catch((err) => this.o.onError?.(err));
    return this.queue;
  }

  /** Deletes rotated files older than the retention time; returns their paths. */
  enforceRetention(): Promise<string[]> {
    const run = this.queue.then(() => this.deleteExpired());
    this.queue = run.then(
      () => undefined,
      (err) => this.o.onError?.(err),
    );
    return run;
  }

  private async write(event: AuditEvent): Promise<void> {
    const now = this.o.clock.now();
    const today = utcDay(now);
    if (!this.opened) await this.open();
    if (this.fileDay !== null && this.fileDay !== today) await this.rotate();
    if (this.retentionDay !== today) {
      await this.deleteExpired();
      this.retentionDay = today;
    }
    const time = new Date(now).toISOString();
    await mkdir(path.dirname(this.o.file), { recursive: true, mode: 0o700 });
    if (this.continuation) {
      const marker: ContinuationRecord = { time, event: 'log.continued', ...this.continuation };
      await this.append(JSON.stringify(marker));
      this.continuation = null;
    }
    const record: AuditRecord = {
      time,
      event: event.event,
      ...(event.user ? { userId: pseudonymise(this.o.userKey, event.user) } : {}),
      ...(event.fileId ? { fileId: event.fileId } : {}),
      ...(event.detail ? { detail: event.detail } : {}),
      prev: this.prev,
    };
    await this.append(JSON.stringify(record));
    this.fileDay ??= today;
  }

  private async append(line: string): Promise<void> {
    await appendFile(this.o.file, `${line}\n`, { mode: 0o600 });
    this.prev = lineHash(line);
  }

  /** Picks up where an earlier run left off: the current file, or the newest rotated one. */
  private async open(): Promise<void> {
    const lines = await readLines(this.o.file);
    const first = lines[0];
    const last = lines.at(-1);
    if (first && last) {
      this.prev = lineHash(last);
      this.fileDay = dayOf(first) ?? utcDay((await stat(this.o.file)).mtimeMs);
    } else {
      // No current file: after a crash between rotation and the next record it continues the newest rotated file.
      const newest = (await rotatedAuditFiles(this.o.file)).at(-1);
      const tail = newest ? (await readLines(newest.path)).at(-1) : undefined;
      if (newest && tail) this.continuation = { from: path.basename(newest.path), prev: lineHash(tail) };
      this.prev = tail ? lineHash(tail) : GENESIS;
    }
    this.opened = true;
  }

  private async rotate(): Promise<void> {
    const day = this.fileDay ?? utcDay(this.o.clock.now());
    let target = rotatedName(this.o.file, day);
    for (let n = 1; await exists(target); n++) target = rotatedName(this.o.file, day, n);
    await rename(this.o.file, target);
    this.continuation = { from: path.basename(target), prev: this.prev };
    this.fileDay = null;
  }

  private async deleteExpired(): Promise<string[]> {
    const cutoff = utcDay(this.o.clock.now() - (this.o.retentionDays ?? 90) * DAY_MS);
    // A rotated file holds the records of its day only, so its day says how old its newest record is.
    const old = (await rotatedAuditFiles(this.o.file)).filter((r) => r.day < cutoff).map((r) => r.path);
    for (const file of old) await rm(file, { force: true });
    return old;
  }

  /** Every record of every kept file, oldest first. */
  async read(): Promise<AuditRecord[]> {
    await this.queue;
    const out: AuditRecord[] = [];
    for (const file of await auditLogFiles(this.o.file)) out.push(...parseRecords(await readLines(file)));
    return out;
  }

  /** Records matching the query, newest first (admin page). */
  async readAll(query: AuditQuery = {}): Promise<AuditRecord[]> {
    await this.queue;
    const limit = query.limit ?? 200;
    const sinceDay = query.since === undefined ? null : utcDay(query.since);
    const files = (await auditLogFiles(this.o.file)).reverse();
    const out: AuditRecord[] = [];
    for (const file of files) {
      const records = parseRecords(await readLines(file)).reverse();
      for (const r of records) {
        const t = Date.parse(r.time);
        if (query.since !== undefined && t < query.since) continue;
        if (query.until !== undefined && t > query.until) continue;
        if (query.event && r.event !== query.event) continue;
        out.push(r);
        if (out.length >= limit) return out;
      }
      // Older files hold only older days.
      const day = rotatedOrder(this.o.file, path.basename(file))?.day;
      if (sinceDay && day && day <= sinceDay) break;
    }
    return out;
  }
}

function dayOf(line: string): string | null {
  try {
    const time = (JSON.parse(line) as { time?: unknown }).time;
    return typeof time === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(time) ? time.slice(0, 10) : null;
  } catch {
    return null;
  }
}

function parseRecords(lines: string[]): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of lines) {
    try {
      const record = JSON.parse(line) as unknown;
      if (!isContinuation(record)) out.push(record as AuditRecord);
    } catch {
      // A damaged line is reported by audit:verify; the admin page shows the rest.
    }
  }
  return out;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
