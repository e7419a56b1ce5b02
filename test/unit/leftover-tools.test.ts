import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopToolsLeftIn } from '../../src/adapters/leftover-tools.js';

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

describe.skipIf(process.platform !== 'linux')('stopToolsLeftIn: converters a killed run left behind', () => {
  it('kills every process working inside TEMP_DIR (a deleted scratch folder too) and nothing else', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'dpc-leftover-'));
    const temp = path.join(base, 'tmp');
    const scratch = path.join(temp, '.office-1');
    const elsewhere = path.join(base, 'elsewhere');
    mkdirSync(scratch, { recursive: true });
    mkdirSync(elsewhere);
    const inside = spawn('sleep', ['30'], { cwd: scratch, detached: true, stdio: 'ignore' });
    const deleted = spawn('sleep', ['30'], { cwd: scratch, detached: true, stdio: 'ignore' });
    const outside = spawn('sleep', ['30'], { cwd: elsewhere, stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      rmSync(scratch, { recursive: true }); // the start-up sweep of an earlier attempt got there first
      const insideExit = exited(inside);
      const deletedExit = exited(deleted);
      const killed = await stopToolsLeftIn(temp);
      expect(killed.sort()).toEqual([inside.pid, deleted.pid].sort());
      expect(await insideExit).toBe('SIGKILL');
      expect(await deletedExit).toBe('SIGKILL');
      expect(outside.exitCode).toBeNull();
      expect(outside.signalCode).toBeNull();
    } finally {
      for (const c of [inside, deleted, outside]) c.kill('SIGKILL');
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('finds nothing where there is no /proc', async () => {
    expect(await stopToolsLeftIn('/tmp/x', '/nonexistent-proc')).toEqual([]);
  });
});
