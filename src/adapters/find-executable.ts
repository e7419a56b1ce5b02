import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

/** Where the connector looks for the programs it runs when no PATH is configured (Debian's places). */
export const DEFAULT_TOOLS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The first of `names` that is an executable file in one of the absolute folders of `searchPath`, or
 * null. Relative entries are skipped: a program is never looked for in the working folder.
 */
export async function findExecutable(searchPath: string, names: readonly string[]): Promise<string | null> {
  for (const name of names) {
    for (const dir of searchPath.split(path.delimiter)) {
      if (!path.isAbsolute(dir)) continue;
      const candidate = path.join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        if ((await stat(candidate)).isFile()) return candidate;
      } catch {
        // Not here; look further.
      }
    }
  }
  return null;
}
