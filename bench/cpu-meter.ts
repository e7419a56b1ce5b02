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
