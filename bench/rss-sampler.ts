import { readFileSync, writeFileSync } from 'node:fs';

const MB = 1024 * 1024;

/** Resident memory of a process in bytes, from /proc/<pid>/status. */
export function rssOf(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) * 1024;
}

export interface RssWatch {
  /** RSS when the watch started, in MB. */
  idleMB: number;
  /** Ends sampling; the highest RSS seen minus idle, in MB. */
  stop(): { idleMB: number; peakMB: number; aboveIdleMB: number };
}

/**
 * Samples VmRSS every `everyMs` (default 20). The kernel's high-water mark (VmHWM) is reset at the start
 * (writing 5 to /proc/<pid>/clear_refs) and read at the end, so a spike between two samples still counts.
 */
export function watchRss(pid: number, everyMs = 20): RssWatch {
  const idle = rssOf(pid);
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  let peak = idle;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // the process ended; stop() reports what was seen
    }
  }, everyMs);
  return {
    idleMB: idle / MB,
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssOf(pid), hwmReset ? rssOf(pid, 'VmHWM') : 0);
      } catch {
        // ended
      }
      return { idleMB: idle / MB, peakMB: peak / MB, aboveIdleMB: (peak - idle) / MB };
    },
  };
}
