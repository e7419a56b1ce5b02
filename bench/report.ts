import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { median } from './stats.js';

/** One line of the table; `target` and `met` are empty where the issue sets no target. */
export interface Row {
  section: string;
  measure: string;
  value: string;
  target: string;
  met: '' | 'yes' | 'NO';
  /** How many runs the value is the median of, or a note such as "10 s". */
  runs: string;
}

export type Comparison = '<=' | '<';

/** A measured number with its target; `met` says whether the number is within it. */
export function measured(
  base: Omit<Row, 'value' | 'target' | 'met'>,
  value: number,
  unit: string,
  target?: { op: Comparison; limit: number },
  digits = 2,
): Row {
  const shown = Number.isFinite(value) ? `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}` : 'n/a';
  if (!target) return { ...base, value: shown, target: '', met: '' };
  const ok = target.op === '<=' ? value <= target.limit : value < target.limit;
  return {
    ...base,
    value: shown,
    target: `${target.op} ${target.limit}${unit ? ` ${unit}` : ''}`,
    met: Number.isFinite(value) && ok ? 'yes' : 'NO',
  };
}

/** A row for something that could not be measured, with the reason in place of the value. */
export function failed(base: Omit<Row, 'value' | 'target' | 'met'>, reason: string): Row {
  return { ...base, value: `not measured: ${reason.split('\n')[0]?.slice(0, 160)}`, target: '', met: '' };
}

/** A row saying how many runs failed and the first reason, when any did (the medians are of the rest). */
export function failures(row: Omit<Row, 'value' | 'target' | 'met'>, errors: string[], runs: number): Row[] {
  if (errors.length === 0) return [];
  const first = errors[0]?.split('\n')[0]?.slice(0, 160) ?? '';
  return [
    { ...row, value: `${errors.length} of ${runs} runs failed: ${first}`, target: '0 failed', met: 'NO' },
  ];
}

/** Peak RSS above idle (the median of the runs), with the median idle and peak RSS beside it. */
export function memoryRow(
  base: Omit<Row, 'value' | 'target' | 'met'>,
  samples: ReadonlyArray<{ idleMB: number; peakMB: number; aboveIdleMB: number }>,
  target?: { op: Comparison; limit: number },
): Row {
  const row = measured(base, median(samples.map((m) => m.aboveIdleMB)), 'MB', target, 1);
  if (samples.length === 0) return row;
  const idle = median(samples.map((m) => m.idleMB)).toFixed(0);
  const peak = median(samples.map((m) => m.peakMB)).toFixed(0);
  return { ...row, value: `${row.value} (RSS ${idle} → ${peak} MB)` };
}

export function markdownTable(rows: readonly Row[]): string {
  const header = ['Section', 'Measure', 'Value', 'Target', 'Met', 'Runs'];
  const cells = rows.map((r) => [r.section, r.measure, r.value, r.target, r.met, r.runs]);
  const escapePipes = (s: string) => s.replaceAll('|', '\\|');
  const line = (cols: string[]) => `| ${cols.map(escapePipes).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...cells.map(line)].join('\n');
}

export function machineDescription(): string[] {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length}`,
    `- RAM: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
    `- Date: ${new Date().toISOString()}`,
  ];
}

export async function writeReport(file: string, options: { rows: Row[]; command: string; notes: string[] }) {
  const text = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts) on every run; do not edit by hand. What is measured and',
    'how to run it: the Benchmarks section of the README.',
    '',
    '## Command',
    '',
    '```',
    options.command,
    '```',
    '',
    '## Machine',
    '',
    ...machineDescription(),
    '',
    '## Results',
    '',
    markdownTable(options.rows),
    '',
    '## Notes',
    '',
    ...options.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  await writeFile(file, text);
}
