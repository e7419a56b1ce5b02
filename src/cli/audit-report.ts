import type { ScanPlace, ScanReport } from '../adapters/credential-scanner.js';

const PLACE_NAMES: Record<ScanPlace, string> = {
  audit_log: 'audit log',
  log_file: 'log file',
  temp_dir: 'temporary folder',
  session_store: 'session store',
};

function age(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The scan as a person reads it at a terminal: what was read, what is held, what was found. */
export function formatScanReport(report: ScanReport): string {
  const out: string[] = [`Credential scan, ${report.startedAt} to ${report.finishedAt}`, '', 'Scanned:'];
  for (const p of report.places) {
    const what = [
      p.files === undefined ? null : counted(p.files, 'file'),
      p.keys === undefined ? null : counted(p.keys, 'key'),
      counted(p.bytes, 'byte'),
    ].filter(Boolean);
    out.push(`  ${PLACE_NAMES[p.place].padEnd(17)} ${p.target}: ${what.join(', ')}`);
  }
  out.push('');
  if (report.sessions) {
    const s = report.sessions;
    out.push(
      `Sessions: ${s.active} active, ${counted(s.tokensHeld, 'access token')} held (encrypted), ` +
        `${s.tokensPastDeadline} past their deadline`,
    );
  }
  for (const note of report.notes) out.push(note);
  out.push('');
  if (report.tempFiles.length === 0) out.push('Temporary files: none');
  else {
    out.push(`Temporary files: ${report.tempFiles.length}`);
    for (const f of report.tempFiles)
      out.push(`  ${f.name}  ${counted(f.bytes, 'byte')}, ${age(f.ageSeconds)} old`);
  }
  out.push('');
  if (report.findings.length === 0) out.push('Findings: none');
  else {
    out.push(`Findings: ${report.findings.length}`);
    for (const f of report.findings)
      out.push(`  ${PLACE_NAMES[f.place]}: ${f.target}: ${f.kind} ${f.preview}`);
  }
  if (report.errors.length > 0) {
    out.push('', 'Could not scan:');
    for (const e of report.errors) out.push(`  ${PLACE_NAMES[e.place]}: ${e.target}: ${e.message}`);
  }
  out.push('', `Result: ${verdict(report).text}`);
  return `${out.join('\n')}\n`;
}

/** The CLI's exit code: a finding outranks an incomplete scan, because it needs acting on either way. */
export function verdict(report: ScanReport): { code: 0 | 1 | 2; text: string } {
  if (report.findings.length > 0) {
    const extra = report.errors.length > 0 ? ' (and some places could not be scanned)' : '';
    return { code: 1, text: `${counted(report.findings.length, 'possible credential')} found${extra}` };
  }
  if (report.errors.length > 0)
    return { code: 2, text: 'the scan is incomplete: some places could not be read' };
  return { code: 0, text: 'nothing that looks like a credential was found' };
}
