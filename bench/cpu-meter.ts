import { readFileSync } from 'node:fs';

/** Linux reports /proc/stat in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds the whole machine spent busy (user, nice, system, irq, softirq: every process and the
 * kernel, idle and I/O wait excluded) since boot. The difference over a measurement tells how much of
 * the machine it used: on 2 cores, a transfer that keeps both busy for 1 s used 2 CPU seconds.
 */
export function machineBusySeconds(): number {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = first
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq) / TICKS_PER_SECOND;
}

/** Runs `work` and returns its result with the machine's busy CPU seconds while it ran. */
export async function withMachineCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpuSeconds: number }> {
  const before = machineBusySeconds();
  const result = await work();
  return { result, cpuSeconds: machineBusySeconds() - before };
}

/**
 * CPU seconds (user and system) one process has used since it started, from /proc/<pid>/stat; its
 * threads (V8's collector, libuv's file-system pool) included. The difference over a measurement is
 * that process's share of the machine's busy time.
 */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name and state.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
