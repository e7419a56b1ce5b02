import type { Translate } from './i18n.js';

/** "Scan 2026-11-22 19.50" in the person's language; local time of the server (set TZ). */
export function defaultScanName(t: Translate | undefined, now: number): string {
  const d = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}.${pad(d.getMinutes())}`;
  return `${t ? t('scan.defaultName') : 'Scan'} ${stamp}`;
}
