// The scan options of issue 12 as the API takes them: JSON booleans, or the strings an HTML form and a
// multipart upload send ("true", "on", "1").

import { z } from 'zod';
import type { ScanFinish } from '../domain/ports.js';
import { ocrLanguagesFor } from '../domain/scan-finishing.js';

const flag = z
  .union([z.boolean(), z.enum(['true', 'false', 'on', 'off', '1', '0'])], {
    error: 'must be true or false',
  })
  .transform((v) => v === true || v === 'true' || v === 'on' || v === '1');

/** Fields that every way of scanning accepts (POST /api/scans, /api/scan-tickets, /api/scan-jobs). */
export const finishFields = {
  ocr: flag.optional(),
  ocrLanguages: z.string().max(40, 'ocrLanguages is too long').optional(),
  removeBlankPages: flag.optional(),
  manualDuplex: flag.optional(),
  quality: z
    .enum(['smaller', 'balanced', 'best'], { error: 'quality must be smaller, balanced or best' })
    .optional(),
};

type FinishInput = { [K in keyof typeof finishFields]?: z.infer<(typeof finishFields)[K]> };

/** What the person asked for; OCR languages default to their language plus English. */
export function finishFrom(input: FinishInput, personLanguage: string): ScanFinish {
  return {
    ocrLanguages: input.ocr ? ocrLanguagesFor(input.ocrLanguages, personLanguage) : null,
    removeBlankPages: input.removeBlankPages ?? false,
    manualDuplex: input.manualDuplex ?? false,
    quality: input.quality ?? 'best',
  };
}
