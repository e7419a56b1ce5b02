import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLogFile, rotatedName } from '../../src/adapters/audit-log-file.js';
import { verifyAuditLog } from '../../src/adapters/audit-verify.js';
import { GENESIS, lineHash } from '../../src/domain/audit.js';
import { InstantClock } from '../fakes/manual-clock.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 20, 9, 0, 0);

let dir = '';
let file = '';
let clock: InstantClock;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-audit-'));
  file = path.join(dir, 'audit.log');
  clock = new InstantClock();
  clock.set(START);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const log = (retentionDays?: number) =>
  new AuditLogFile({ file, userKey: 'k'.repeat(32), clock, ...(retentionDays ? { retentionDays } : {}) });

/** Writes `perDay` events on each of `days` consecutive days, starting at START. */
async function fill(audit: AuditLogFile, days: number, perDay = 2): Promise<void> {
  for (let d = 0; d < days; d++) {
    clock.set(START + d * DAY);
    for (let i = 0; i < perDay; i++) {
      clock.advance(60_000);
      await audit.record({ event: 'print.submitted', user: 'ada@example.com', fileId: `f-${d}-${i}` });
    }
  }
}

const lines = async (f: string) => (await readFile(f, 'utf8')).split('\n').filter(Boolean);

describe('AuditLogFile rotation', () => {
  it('rotates at the first record of a new UTC day and keeps one chain across files', async () => {
    const audit = log();
    await fill(audit, 3);
    expect((await readdir(dir)).sort()).toEqual([
      'audit-2026-11-20.log',
      'audit-2026-11-21.log',
      'audit.log',
    ]);
    const first = await lines(rotatedName(file, '2026-11-20'));
    const second = await lines(rotatedName(file, '2026-11-21'));
    expect(JSON.parse(first[0]!).prev).toBe(GENESIS);
    expect(JSON.parse(second[0]!)).toMatchObject({
      event: 'log.continued',
      from: 'audit-2026-11-20.log',
      prev: lineHash(first.at(-1)!),
    });
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 2 + 3 + 3, files: 3 });
    // The continuation lines are bookkeeping, not events.
    expect((await audit.read()).map((r) => r.fileId)).toEqual([
      'f-0-0',
      'f-0-1',
      'f-1-0',
      'f-1-1',
      'f-2-0',
      'f-2-1',
    ]);
  });

  it('goes on with the same chain after a restart, and after a crash between rotation and the next record', async () => {
    await fill(log(), 2);
    clock.set(START + 2 * DAY);
    await log().record({ event: 'signin', user: 'ada@example.com' });
    await rm(file);
    // The current file is gone (as if the process died right after renaming it): the next record
    // continues the newest rotated file, and verify sees the loss of the current file's lines only
    // as a shorter log.
    await log().record({ event: 'signout', user: 'ada@example.com' });
    expect(JSON.parse((await lines(file))[0]!)).toMatchObject({
      event: 'log.continued',
      from: 'audit-2026-11-21.log',
    });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, files: 3 });
  });

  it('deletes rotated files older than the retention time and stays verifiable', async () => {
    const audit = log(3);
    await fill(audit, 6);
    expect((await readdir(dir)).sort()).toEqual([
      'audit-2026-11-22.log',
      'audit-2026-11-23.log',
      'audit-2026-11-24.log',
      'audit.log',
    ]);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 4 * 3, files: 4 });
    clock.set(START + 20 * DAY);
    expect(await audit.enforceRetention()).toHaveLength(3);
  });

  it('returns records newest first, filtered by time and event, up to a limit', async () => {
    const audit = log();
    await fill(audit, 3);
    await audit.record({ event: 'signout', user: 'ada@example.com' });
    const all = await audit.readAll();
    expect(all.map((r) => r.fileId ?? r.event)).toEqual([
      'signout',
      'f-2-1',
      'f-2-0',
      'f-1-1',
      'f-1-0',
      'f-0-1',
      'f-0-0',
    ]);
    expect((await audit.readAll({ limit: 2 })).map((r) => r.fileId ?? r.event)).toEqual(['signout', 'f-2-1']);
    expect((await audit.readAll({ event: 'signout' })).map((r) => r.event)).toEqual(['signout']);
    const since = START + DAY;
    const until = START + DAY + 90_000;
    expect((await audit.readAll({ since, until })).map((r) => r.fileId)).toEqual(['f-1-0']);
    expect(all[0]?.userId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(all)).not.toContain('ada@example.com');
  });
});

describe('verifyAuditLog', () => {
  it('names the line after an edited line', async () => {
    await fill(log(), 2, 3);
    const rotated = rotatedName(file, '2026-11-20');
    const original = await lines(rotated);
    original[1] = original[1]!.replace('f-0-1', 'f-0-X');
    await writeFile(rotated, `${original.join('\n')}\n`);
    expect(await verifyAuditLog(file)).toEqual({
      ok: false,
      file: rotated,
      line: 3,
      reason: 'hash chain broken: the line before it was changed, removed or added',
    });
  });

  it('names the line where a deleted line was', async () => {
    await fill(log(), 1, 4);
    const original = await lines(file);
    await writeFile(file, `${original.filter((_, i) => i !== 1).join('\n')}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, file, line: 2 });
  });

  it('notices a whole rotated file removed from the middle', async () => {
    await fill(log(), 3);
    await rm(rotatedName(file, '2026-11-21'));
    const result = await verifyAuditLog(file);
    expect(result).toMatchObject({ ok: false, file, line: 1 });
    expect(result.ok ? '' : result.reason).toMatch(/audit-2026-11-21\.log.*missing/);
  });

  it('notices lines cut off the top of the oldest file', async () => {
    await fill(log(), 1, 3);
    await writeFile(file, `${(await lines(file)).slice(1).join('\n')}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, file, line: 1 });
  });

  it('reports a line that is not JSON and an empty line', async () => {
    await fill(log(), 1, 2);
    await writeFile(file, `${(await readFile(file, 'utf8')).replace('}\n{', '}\n\n{')}`);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, line: 2, reason: 'empty line' });
    await writeFile(file, '{"time": broken\n');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, line: 1, reason: 'not valid JSON' });
  });

  it('finds nothing wrong with no log at all', async () => {
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 0, files: 0 });
  });
});

describe('npm run audit:verify', () => {
  const cli = (env: Record<string, string>) =>
    run('npx', ['tsx', 'src/cli/audit-verify.ts'], {
      env: { ...process.env, ...env },
      cwd: process.cwd(),
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );

  it('exits 0 for an intact log, 1 naming the broken line, 2 without AUDIT_LOG', async () => {
    await fill(log(), 2);
    expect(await cli({ AUDIT_LOG: file })).toMatchObject({
      code: 0,
      stdout: 'intact: 5 lines in 2 file(s)\n',
    });
    const current = await lines(file);
    await writeFile(file, `${current.slice(0, 1).join('\n')}\n${current[2]}\n`);
    expect(await cli({ AUDIT_LOG: file })).toMatchObject({
      code: 1,
      stdout: `broken: ${file}:2: hash chain broken: the line before it was changed, removed or added\n`,
    });
    const unset = await cli({ AUDIT_LOG: '' });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/AUDIT_LOG is not set/);
  }, 60_000);
});
