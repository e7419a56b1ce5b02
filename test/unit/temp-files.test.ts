import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TempFullError, UpstreamError } from '../../src/domain/errors.js';
import { diskFault, TempFiles } from '../../src/domain/temp-files.js';
import { FaultyTempFiles } from '../fakes/faulty-temp-files.js';

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

describe('diskFault', () => {
  const errno = (code: string, syscall = 'write') => Object.assign(new Error(code), { code, syscall });
  it.each([
    ['ENOSPC on a write', errno('ENOSPC'), 'temp_full', 507],
    ['EDQUOT (quota used up)', errno('EDQUOT'), 'temp_full', 507],
    ['EROFS (read-only mount)', errno('EROFS', 'open'), 'temp_unwritable', 503],
    ['EACCES (no permission)', errno('EACCES', 'open'), 'temp_unwritable', 503],
    ['ENOSPC wrapped as a cause', new Error('download failed', { cause: errno('ENOSPC') }), 'temp_full', 507],
    ['an already typed one', new TempFullError(), 'temp_full', 507],
  ])('%s becomes %s (%i)', (_label, err, code, status) => {
    expect(diskFault(err)).toMatchObject({ code, status });
  });

  it.each([
    ['a missing file', errno('ENOENT', 'open')],
    ['EACCES starting a program (a converter), not the disk', errno('EACCES', 'spawn soffice')],
    ['a Drive error', new UpstreamError('drive_unavailable', 'Google Drive did not answer.')],
    ['a plain error', new Error('boom')],
    ['a string', 'ENOSPC'],
    ['null', null],
  ])('%s is no disk fault', (_label, err) => {
    expect(diskFault(err)).toBeNull();
  });
});

describe('TempScope', () => {
  const fresh = async () => {
    const temp = new FaultyTempFiles({ dir: await mkdtemp(path.join(os.tmpdir(), 'dpc-scope-')) });
    await temp.init();
    return temp;
  };

  it('deletes every file it created, written or streamed, when the work throws, and counts them once', async () => {
    const temp = await fresh();
    const counts: number[] = [];
    const scope = temp.scope('scan', (n) => {
      counts.push(n);
    });
    await expect(
      scope.run(async (files) => {
        await files.create();
        await files.write(Buffer.from('page'));
        const { stream } = await files.openWrite();
        await new Promise<void>((ok) => stream.end('body', ok));
        expect(await readdir(temp.dir)).toHaveLength(3);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readdir(temp.dir)).toEqual([]);
    expect(counts).toEqual([3]);
    expect(await scope.close()).toBe(0);
    expect(counts).toEqual([3]);
  });

  it('leaves a kept file to its new owner, and deletes adopted ones', async () => {
    const temp = await fresh();
    const kept = await temp.scope('scan').run(async (files) => {
      const page = await files.write(Buffer.from('page'));
      await files.create();
      files.keep(page);
      return page;
    });
    expect(await readdir(temp.dir)).toEqual([path.basename(kept)]);
    let deleted = 0;
    await temp
      .scope('scan', (n) => {
        deleted = n;
      })
      .run(async (files) => files.adopt([kept]));
    expect(await readdir(temp.dir)).toEqual([]);
    expect(deleted).toBe(1);
  });

  it('hands out nothing after it ended, even to a writer that was still opening its file', async () => {
    const temp = await fresh();
    const scope = temp.scope('scan');
    const late = scope.create().catch((err: Error) => err);
    await scope.close();
    expect(await late).toMatchObject({ message: expect.stringMatching(/ended/) });
    await expect(scope.create()).rejects.toThrow(/ended/);
    expect(await readdir(temp.dir)).toEqual([]);
  });

  it('turns a full disk into temp_full and still deletes what it made (a symlink to /dev/full)', async () => {
    const temp = await fresh();
    temp.fault = 'ENOSPC';
    let deleted = 0;
    const work = temp.withScope(
      'print',
      async (next) => writeFile(await next(), 'a downloaded document'),
      () => deleted++,
    );
    await expect(work).rejects.toMatchObject({ code: 'temp_full', status: 507 });
    expect(await readdir(temp.dir)).toEqual([]);
    expect(deleted).toBe(1);
  });

  it.each(['EACCES', 'EROFS'] as const)('turns %s at create into temp_unwritable', async (code) => {
    const temp = await fresh();
    temp.fault = code;
    await expect(temp.scope('scan').run((files) => files.write(Buffer.from('x')))).rejects.toMatchObject({
      code: 'temp_unwritable',
      status: 503,
    });
    expect(await readdir(temp.dir)).toEqual([]);
  });
});
