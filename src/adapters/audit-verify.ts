import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GENESIS, lineHash, verifyChain } from '../domain/audit.js';
import { auditLogFiles, isContinuation } from './audit-log-file.js';

export type AuditVerifyResult =
  | { ok: true; lines: number; files: number }
  | { ok: false; file: string; line: number; reason: string };

function parse(line: string | undefined): unknown {
  try {
    return line === undefined ? undefined : JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Checks the hash chain of the audit log and its rotated files, oldest first. Each file after the
 * first must begin where the one before it ended. The oldest kept file may begin anywhere only
 * when its first line is a continuation (its predecessor went by retention); otherwise it must
 * begin at GENESIS, so cutting lines off the top of a log is noticed. Throws when a file cannot be read.
 */
export async function verifyAuditLog(file: string): Promise<AuditVerifyResult> {
  const files = await auditLogFiles(file);
  let lines = 0;
  let previous: { name: string; lastHash: string } | null = null;
  for (const current of files) {
    const text = await readFile(current, 'utf8');
    const fileLines = text.split('\n');
    // The last line ends with a newline; anything after it is a line cut off mid-write.
    if (fileLines.at(-1) === '') fileLines.pop();
    const first = parse(fileLines[0]);
    if (previous && fileLines.length === 0) {
      return { ok: false, file: current, line: 1, reason: 'empty file after a rotated one' };
    }
    if (previous && isContinuation(first) && first.from !== previous.name) {
      return {
        ok: false,
        file: current,
        line: 1,
        reason: `continues ${first.from}, but the file before it is ${previous.name}: a file is missing`,
      };
    }
    const firstPrev = previous ? previous.lastHash : isContinuation(first) ? first.prev : GENESIS;
    const check = verifyChain(fileLines, firstPrev);
    if (!check.ok) return { ok: false, file: current, line: check.line, reason: check.reason };
    lines += check.lines;
    const last = fileLines.at(-1);
    if (last !== undefined) previous = { name: path.basename(current), lastHash: lineHash(last) };
  }
  return { ok: true, lines, files: files.length };
}
