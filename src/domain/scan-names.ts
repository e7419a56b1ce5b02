// A scan's default name, from the administrator's template (SCAN_NAME_TEMPLATE). Characters that
// Drive or a desktop OS would refuse are cleaned later, with every name (safeDriveName).

/** The parts a template may use. */
export const SCAN_NAME_FIELDS = ['scan', 'date', 'time', 'printer'] as const;
type Field = (typeof SCAN_NAME_FIELDS)[number];

/** "Scan 2026-11-29 14.05": the word in the person's language, the date and the time (no colon). */
export const DEFAULT_SCAN_NAME_TEMPLATE = '{scan} {date} {time}';

/** What is wrong with a template (unknown fields, nothing but fields that may be empty); [] when fine. */
export function nameTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  for (const [, field] of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!SCAN_NAME_FIELDS.includes(field as Field)) {
      problems.push(`unknown field {${field}}; use ${SCAN_NAME_FIELDS.map((f) => `{${f}}`).join(', ')}`);
    }
  }
  if (template.replace(/\{printer\}/g, '').trim() === '') problems.push('must give a name besides {printer}');
  return problems;
}

export interface ScanNameParts {
  /** "Scan" in the person's language (Skanning in Swedish). */
  word: string;
  /** Local time of the server (set TZ to the office's zone). */
  now: number;
  /** The printer the scan comes from, when known. */
  printer?: string;
}

/** The template filled in, e.g. "Scan 2026-11-22 19.50"; runs of spaces become one. */
export function scanNameFrom(template: string, parts: ScanNameParts): string {
  const d = new Date(parts.now);
  const pad = (n: number) => String(n).padStart(2, '0');
  const values: Record<Field, string> = {
    scan: parts.word,
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}.${pad(d.getMinutes())}`,
    printer: parts.printer ?? '',
  };
  return template
    .replace(/\{(scan|date|time|printer)\}/g, (_, f: Field) => values[f])
    .replace(/\s+/g, ' ')
    .trim();
}
