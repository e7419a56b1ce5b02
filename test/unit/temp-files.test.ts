import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TempFiles } from '../../src/domain/temp-files.js';

describe('TempFiles', () => {
  it('makes a 0700 folder, removes crash leftovers, and 0600 files with random names', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dpc-temp-'));
    const dir = path.join(root, 'tmp');
    const temp = new TempFiles({ dir });
    await temp.init();
    await writeFile(path.join(dir, 'left-by-crash.tmp'), 'x');
    expect(await temp.init()).toEqual(['left-by-crash.tmp']);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const file = await temp.create('print');
    expect(path.basename(file)).toMatch(/^print-[0-9a-f-]{36}\.tmp$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await temp.remove(file);
    expect(await readdir(dir)).toEqual([]);
  });

  it('deletes the file on every path of `with`, including a throw', async () => {
    const temp = new TempFiles({ dir: await mkdtemp(path.join(os.tmpdir(), 'dpc-temp-')) });
    await temp.init();
    let deleted = 0;
    await expect(
      temp.with(
        'scan',
        async (f) => {
          await writeFile(f, 'data');
          throw new Error('boom');
        },
        () => deleted++,
      ),
    ).rejects.toThrow('boom');
    expect(await readdir(temp.dir)).toEqual([]);
    expect(deleted).toBe(1);
    await expect(temp.remove('/etc/passwd')).rejects.toThrow(/outside/);
  });
});
