import { DEFAULT_SCAN_NAME_TEMPLATE, scanNameFrom } from '../domain/scan-names.js';
import type { Translate } from './i18n.js';

/** A scan's default name in the person's language, from the configured template. */
export function defaultScanName(
  t: Translate | undefined,
  parts: { now: number; printer?: string },
  template = DEFAULT_SCAN_NAME_TEMPLATE,
): string {
  return scanNameFrom(template, { word: t ? t('scan.defaultName') : 'Scan', ...parts });
}
