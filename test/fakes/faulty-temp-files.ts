import { type FileHandle, open, symlink } from 'node:fs/promises';
import { constants } from 'node:os';
import { TempFiles } from '../../src/domain/temp-files.js';

/** What TEMP_DIR does wrong: nothing, no room left, or no writing allowed (two ways). */
export type DiskFault = 'none' | 'ENOSPC' | 'EACCES' | 'EROFS';

/**
 * TempFiles on a disk that can fail. `ENOSPC`: each temporary file is a symlink to /dev/full, so the
 * open succeeds (as on a real full disk, where a directory entry still fits) and the kernel answers
 * every write, ours or a downloader's or multer's, with ENOSPC. `EACCES`/`EROFS`: the open fails as
 * open(2) does in a directory the service lost write permission on, or on a read-only mount. These
 * two are thrown here rather than made with chmod 0500 because tests run as root (here and in CI),
 * and root writes through a 0500 directory.
 */
export class FaultyTempFiles extends TempFiles {
  fault: DiskFault = 'none';

  override async openNew(file: string): Promise<FileHandle> {
    if (this.fault === 'ENOSPC') {
      await symlink('/dev/full', file);
      return open(file, 'w');
    }
    if (this.fault === 'EACCES' || this.fault === 'EROFS') {
      const code = this.fault;
      throw Object.assign(new Error(`${code}: open '${file}'`), {
        code,
        errno: -constants.errno[code],
        syscall: 'open',
        path: file,
      });
    }
    return super.openNew(file);
  }
}
