// Preloaded into the connector (`node --import tsx --import ./bench/loop-delay.ts src/server.ts`) so the
// bench can read its event-loop delay without a change to src/. Writes the histogram's percentiles, in
// ms, to the file named by BENCH_LOOP_DELAY_FILE every second and at exit. SIGUSR2 closes an interval:
// its percentiles go into `interval` (kept in every later write) and a fresh histogram starts, so two
// signals bracket exactly what the bench measures.

import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Percentiles of one histogram, in ms; `since` and `at` in ms since the epoch. */
export interface LoopDelayPercentiles {
  since: number;
  at: number;
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** What the file holds: the running histogram, and the last interval a SIGUSR2 closed. */
export interface LoopDelaySnapshot extends LoopDelayPercentiles {
  interval?: LoopDelayPercentiles;
}

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let since = Date.now();
  let interval: LoopDelayPercentiles | undefined;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const percentiles = (): LoopDelayPercentiles => ({
    since,
    at: Date.now(),
    count: histogram.count,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    mean: ms(Number.isNaN(histogram.mean) ? 0 : histogram.mean),
  });
  const write = () => {
    const snapshot: LoopDelaySnapshot = { ...percentiles(), ...(interval ? { interval } : {}) };
    // Written whole and renamed, so a reader never sees half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(write, 1000).unref();
  process.on('SIGUSR2', () => {
    interval = percentiles();
    histogram.reset();
    since = Date.now();
    write();
  });
  process.on('exit', write);
}
