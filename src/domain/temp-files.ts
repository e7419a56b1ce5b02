import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

export type TempKind = 'print' | 'scan';

/**
 * The only place that creates and deletes temporary documents. Names are random and never built
 * from user input; the directory is 0700 and every file 0600, so only the service can read them.
 */
export class TempFiles {
  readonly dir: string;
  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  /** Creates the directory (0700) and removes whatever a crash left behind; returns what it removed. */
  async init(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const leftovers = await readdir(this.dir);
    await Promise.all(
      leftovers.map((name) => rm(path.join(this.dir, name), { force: true, recursive: true })),
    );
    return leftovers;
  }

  /** A new empty file, created exclusively with mode 0600. */
  async create(kind: TempKind): Promise<string> {
    const file = path.join(this.dir, `${kind}-${randomUUID()}.tmp`);
    const handle = await open(file, 'wx', 0o600);
    await handle.close();
    return file;
  }

  /** A fresh path for a writer that creates the file itself (multer); never created here. */
  reservePath(kind: TempKind): string {
    return path.join(this.dir, `${kind}-${randomUUID()}.tmp`);
  }

  /** Deletes a file this class handed out; true when something was deleted. */
  async remove(file: string): Promise<boolean> {
    if (path.dirname(path.resolve(file)) !== path.resolve(this.dir)) {
      throw new Error('refusing to delete a file outside the temporary folder');
    }
    try {
      await rm(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Runs `work` with a scope that hands out new temporary files (a download, then each conversion's
   * output) and deletes every one of them afterwards, on every path.
   */
  async withScope<T>(
    kind: TempKind,
    work: (next: () => Promise<string>) => Promise<T>,
    onDeleted?: () => void,
  ): Promise<T> {
    const files: string[] = [];
    try {
      return await work(async () => {
        const file = await this.create(kind);
        files.push(file);
        return file;
      });
    } finally {
      await Promise.all(files.map((f) => this.remove(f)));
      if (files.length > 0) onDeleted?.();
    }
  }

  /** Runs `work` with a new temporary file and deletes the file afterwards, on every path. */
  async with<T>(kind: TempKind, work: (file: string) => Promise<T>, onDeleted?: () => void): Promise<T> {
    const file = await this.create(kind);
    try {
      return await work(file);
    } finally {
      await this.remove(file);
      onDeleted?.();
    }
  }
}
