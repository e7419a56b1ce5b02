import { randomUUID } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import { chmod, type FileHandle, mkdir, open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, TempFullError, TempUnwritableError } from './errors.js';

export type TempKind = 'print' | 'scan';

/** Errno codes of a TEMP_DIR with no room left: no space, or the service's disk quota used up. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);
/** Errno codes of a TEMP_DIR the service may not write to: a read-only mount, or lost permissions. */
const UNWRITABLE = new Set(['EROFS', 'EACCES']);

/**
 * The typed error for a failed write to a temporary file, or null when `err` is no disk fault.
 * Follows `cause`, since an adapter may wrap what the file system said.
 */
export function diskFault(err: unknown): TempFullError | TempUnwritableError | null {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof TempFullError || e instanceof TempUnwritableError) return e;
    const { code, syscall } = e as NodeJS.ErrnoException;
    // EACCES from starting a program (a converter that is not executable) is not about the disk.
    const fromFiles =
      !(e instanceof AppError) && !(typeof syscall === 'string' && syscall.startsWith('spawn'));
    if (fromFiles && code && FULL.has(code)) return new TempFullError({ cause: e });
    if (fromFiles && code && UNWRITABLE.has(code)) return new TempUnwritableError({ cause: e });
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

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
    const file = this.reservePath(kind);
    const handle = await this.openNew(file);
    await handle.close();
    return file;
  }

  /** A fresh path for a writer that creates the file itself; never created here. */
  reservePath(kind: TempKind): string {
    return path.join(this.dir, `${kind}-${randomUUID()}.tmp`);
  }

  /**
   * Creates `file` exclusively with mode 0600 and opens it for writing: every temporary file comes
   * into being here (test/fakes/faulty-temp-files.ts replaces it to stand for a full or read-only disk).
   */
  openNew(file: string): Promise<FileHandle> {
    return open(file, 'wx', 0o600);
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
   * A set of temporary files that end together: everything created in it, or adopted into it, is
   * deleted by its `close`, unless handed on with `keep`. `onDeleted` hears how many were deleted.
   */
  scope(kind: TempKind, onDeleted?: (files: number) => void | Promise<void>): TempScope {
    return new TempScope(this, kind, onDeleted);
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
    return this.scope(kind, onDeleted && (() => onDeleted())).run((files) => work(() => files.create()));
  }

  /** Runs `work` with a new temporary file and deletes the file afterwards, on every path. */
  async with<T>(kind: TempKind, work: (file: string) => Promise<T>, onDeleted?: () => void): Promise<T> {
    return this.withScope(kind, async (next) => work(await next()), onDeleted);
  }
}

/** The temporary files of one piece of work; see TempFiles.scope. */
export class TempScope {
  private readonly files = new Set<string>();
  private closed = false;
  /** How many files this scope ever held (created or adopted), kept or not. */
  held = 0;

  constructor(
    private readonly temp: TempFiles,
    private readonly kind: TempKind,
    private readonly onDeleted?: (files: number) => void | Promise<void>,
  ) {}

  /**
   * Runs `work` in this scope and closes it afterwards, on every path. A disk fault while writing
   * a temporary file becomes its typed error here, the one place that maps them.
   */
  async run<T>(work: (files: TempScope) => Promise<T>): Promise<T> {
    try {
      return await work(this);
    } catch (err) {
      throw diskFault(err) ?? err;
    } finally {
      await this.close();
    }
  }

  /** A new empty file (0600) in this scope. */
  async create(): Promise<string> {
    const { file, handle } = await this.openNew();
    await handle.close();
    return file;
  }

  /** A new file in this scope, open for writing (an upload parser streams into it). */
  async openWrite(): Promise<{ path: string; stream: WriteStream }> {
    const { file, handle } = await this.openNew();
    return { path: file, stream: handle.createWriteStream() };
  }

  /** A new file in this scope holding `bytes`. */
  async write(bytes: Uint8Array): Promise<string> {
    const { file, handle } = await this.openNew();
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
    return file;
  }

  /** Takes files handed out earlier (a ticket's pages) into this scope, to be deleted with it. */
  adopt(paths: readonly string[]): void {
    this.refuseIfClosed();
    for (const p of paths) this.files.add(p);
    this.held += paths.length;
  }

  /** Hands a file on to a new owner (a ticket keeps a page); this scope no longer deletes it. */
  keep(file: string): void {
    this.files.delete(file);
  }

  /** Deletes every file of the scope; returns how many there were. Later calls delete nothing. */
  async close(): Promise<number> {
    if (this.closed) return 0;
    this.closed = true;
    const files = [...this.files];
    this.files.clear();
    const removed = await Promise.all(files.map((f) => this.temp.remove(f)));
    const deleted = removed.filter(Boolean).length;
    if (deleted > 0) await this.onDeleted?.(deleted);
    return deleted;
  }

  private async openNew(): Promise<{ file: string; handle: FileHandle }> {
    this.refuseIfClosed();
    const file = this.temp.reservePath(this.kind);
    // Tracked before it exists, so a close during the open still deletes it.
    this.files.add(file);
    this.held++;
    const handle = await this.temp.openNew(file);
    if (this.closed) {
      // A late writer (the upload parser after the client went away): nothing may outlive the scope.
      await handle.close();
      await this.temp.remove(file);
      this.refuseIfClosed();
    }
    return { file, handle };
  }

  private refuseIfClosed(): void {
    if (this.closed) throw new Error('this temporary scope has already ended');
  }
}
