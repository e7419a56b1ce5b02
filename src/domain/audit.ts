import { createHash, createHmac } from 'node:crypto';
import type { AuditEvent } from './ports.js';

/** One line of the audit log as stored. */
export interface AuditRecord {
  time: string;
  event: AuditEvent['event'];
  /** Keyed hash of the account: the same person always maps to the same id, which names nobody. */
  userId?: string;
  fileId?: string;
  detail?: AuditEvent['detail'];
  /** sha256 of the previous line (or of the file's seed for the first line). */
  prev: string;
}

/** HMAC-SHA256 of the lower-cased account under the audit key, shortened to 32 hex characters. */
export function pseudonymise(key: string, account: string): string {
  return createHmac('sha256', key).update(account.trim().toLowerCase()).digest('hex').slice(0, 32);
}

export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

/** The first `prev` of a file: ties it to the file that came before it (or to nothing). */
export const GENESIS = '0'.repeat(64);

export type ChainCheck = { ok: true; lines: number } | { ok: false; line: number; reason: string };

/** Checks that every line carries the hash of the line before it. */
export function verifyChain(lines: string[], firstPrev = GENESIS): ChainCheck {
  let prev = firstPrev;
  let n = 0;
  for (const line of lines) {
    n++;
    if (line.trim() === '') return { ok: false, line: n, reason: 'empty line' };
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      return { ok: false, line: n, reason: 'not valid JSON' };
    }
    if (record.prev !== prev) {
      return {
        ok: false,
        line: n,
        reason: 'hash chain broken: the line before it was changed, removed or added',
      };
    }
    prev = lineHash(line);
  }
  return { ok: true, lines: n };
}
