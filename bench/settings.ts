import path from 'node:path';

export const SECTIONS = ['print', 'scan', 'airscan', 'ocr', 'load'] as const;
export type Section = (typeof SECTIONS)[number];

/** Every knob, from BENCH_* variables; the defaults are issue 11's. */
export function settings(env: NodeJS.ProcessEnv) {
  const number = (name: string, fallback: number) => {
    const value = env[name] ? Number(env[name]) : fallback;
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  const sizes = (env.BENCH_SIZES ?? '1,50,500').split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isFinite(s) || s <= 0)) throw new Error('BENCH_SIZES must list sizes in MB');
  const only = (env.BENCH_ONLY ?? SECTIONS.join(',')).split(',').map((s) => s.trim());
  const unknown = only.filter((s) => !SECTIONS.includes(s as Section));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown section ${unknown.join(', ')}`);
  const runs = number('BENCH_RUNS', 3);
  return {
    sizes,
    runs,
    largeRuns: number('BENCH_LARGE_RUNS', runs),
    scanPages: number('BENCH_SCAN_PAGES', 20),
    /** Text pages of each OCR scan; whole pages, since a scan has no half pages. */
    ocrPages: Math.ceil(number('BENCH_OCR_PAGES', 4)),
    clients: number('BENCH_CLIENTS', 50),
    /** Requests per second per browsing client; unset: each sends its next request when the last is answered. */
    browseRate: env.BENCH_BROWSE_RATE ? number('BENCH_BROWSE_RATE', 1) : undefined,
    loadSeconds: number('BENCH_LOAD_SECONDS', 10),
    jobs: number('BENCH_JOBS', 20),
    jobMB: number('BENCH_JOB_MB', 10),
    sections: new Set(only as Section[]),
    ipptoolTest: env.BENCH_IPPTOOL_TEST ?? '/usr/share/cups/ipptool/print-job.test',
    report: env.BENCH_REPORT ?? 'docs/benchmarks.md',
    /** The connectors' logs (level info) go here; by default only their last errors are kept. */
    connectorLog: env.BENCH_CONNECTOR_LOG ? path.resolve(env.BENCH_CONNECTOR_LOG) : null,
    /** Each connector writes a V8 CPU profile (node --cpu-prof) into this folder when it stops. */
    cpuProfiles: env.BENCH_CPU_PROF ? path.resolve(env.BENCH_CPU_PROF) : null,
  };
}

/** The command as typed, with the BENCH_* variables that were set. */
export function commandLine(env: NodeJS.ProcessEnv): string {
  const vars = Object.entries(env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [...vars, 'npm run bench'].join(' ');
}

export type BenchSettings = ReturnType<typeof settings>;
