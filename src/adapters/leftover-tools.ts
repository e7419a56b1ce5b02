import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Every converter (LibreOffice, Ghostscript) runs in a scratch folder inside TEMP_DIR, in its own
 * process group. When the connector is killed (kill -9, OOM), those processes outlive it and would
 * write into TEMP_DIR after the start-up sweep. At start-up, before the sweep, every process whose
 * working folder lies in TEMP_DIR is one of ours from a dead run: it is killed. Linux only (/proc);
 * elsewhere nothing is found. Returns the pids it killed.
 */
export async function stopToolsLeftIn(tempDir: string, procDir = '/proc'): Promise<number[]> {
  const root = path.resolve(tempDir) + path.sep;
  let entries: string[];
  try {
    entries = await readdir(procDir);
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const name of entries) {
    const pid = Number(name);
    if (!/^\d+$/.test(name) || pid === process.pid) continue;
    let cwd: string;
    try {
      cwd = await readlink(path.join(procDir, name, 'cwd'));
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    // A deleted folder reads as "/tmp/x/.office-1 (deleted)": still inside TEMP_DIR.
    if (!`${cwd}${path.sep}`.startsWith(root)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // ended meanwhile
    }
  }
  return killed;
}
