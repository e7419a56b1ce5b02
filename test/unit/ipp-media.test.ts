import { describe, expect, it } from 'vitest';
import { mediaDisplayName, mediaNameForSize, mediaSizeFromName } from '../../src/adapters/ipp-media.js';

describe('mediaSizeFromName', () => {
  it.each([
    ['iso_a4_210x297mm', { x: 21000, y: 29700 }],
    ['iso_a3_297x420mm', { x: 29700, y: 42000 }],
    ['na_letter_8.5x11in', { x: 21590, y: 27940 }],
    ['na_legal_8.5x14in', { x: 21590, y: 35560 }],
    // CUPS truncates: 4.125 in is 10477.5 hundredths of mm, reported as 10477.
    ['na_number-10_4.125x9.5in', { x: 10477, y: 24130 }],
    ['na_monarch_3.875x7.5in', { x: 9842, y: 19050 }],
    ['iso_a4-extra_235.5x322.3mm', { x: 23550, y: 32230 }],
    ['om_small-photo_100x150mm', { x: 10000, y: 15000 }],
    ['custom_min_3x5in', { x: 7620, y: 12700 }],
  ])('%s', (name, size) => {
    expect(mediaSizeFromName(name)).toEqual(size);
  });

  it.each(['a4', 'na-letter', '', 'iso_a4_210x297', 'iso_a4_210x297cm', 'iso_a4_x297mm', 'om_zero_0x10mm'])(
    '%j states no size',
    (name) => {
      expect(mediaSizeFromName(name)).toBeNull();
    },
  );
});

describe('mediaNameForSize', () => {
  it.each([
    [{ x: 21000, y: 29700 }, 'iso_a4_210x297mm'],
    [{ x: 21590, y: 27940 }, 'na_letter_8.5x11in'],
    // Printers round inches either way; a hundredth of a mm off is still #10.
    [{ x: 10478, y: 24130 }, 'na_number-10_4.125x9.5in'],
    [{ x: 10000, y: 20000 }, 'om_100x200mm_100x200mm'],
    [{ x: 10050, y: 20025 }, 'om_100.5x200.25mm_100.5x200.25mm'],
    // Whole quarter inches are named in inches, as CUPS does.
    [{ x: 20320, y: 25400 }, 'oe_8x10in_8x10in'],
    [{ x: 8255, y: 12700 }, 'oe_3.25x5in_3.25x5in'],
  ])('%j -> %s', (size, name) => {
    expect(mediaNameForSize(size)).toBe(name);
  });
});

describe('mediaDisplayName', () => {
  it.each([
    ['iso_a3_297x420mm', 'A3'],
    ['iso_a4_210x297mm', 'A4'],
    ['iso_a5_148x210mm', 'A5'],
    ['iso_a6_105x148mm', 'A6'],
    ['iso_b5_176x250mm', 'B5 (ISO)'],
    ['jis_b5_182x257mm', 'B5 (JIS)'],
    ['na_letter_8.5x11in', 'Letter'],
    ['na_legal_8.5x14in', 'Legal'],
    ['na_executive_7.25x10.5in', 'Executive'],
    ['na_ledger_11x17in', 'Tabloid (Ledger)'],
    ['na_invoice_5.5x8.5in', 'Statement'],
    ['iso_dl_110x220mm', 'Envelope DL'],
    ['iso_c5_162x229mm', 'Envelope C5'],
    ['na_number-10_4.125x9.5in', 'Envelope #10'],
    ['na_monarch_3.875x7.5in', 'Envelope Monarch'],
    ['na_index-4x6_4x6in', 'Photo 4 × 6 in'],
    ['na_5x7_5x7in', 'Photo 5 × 7 in'],
    ['om_small-photo_100x150mm', 'Photo 10 × 15 cm'],
    // Another name for a size we know reads as the size's common name.
    ['om_a4-plain_210x297mm', 'A4'],
    ['oe_letter-ish_8.5x11in', 'Letter'],
    // Unknown sizes by their dimensions, in the name's units.
    ['om_100x200mm_100x200mm', '100 × 200 mm'],
    ['na_govt-letter_8x10in', '8 × 10 in'],
    ['na_foolscap-ish_8.5x13.4in', '8.5 × 13.4 in'],
    // No size in the name: the name itself.
    ['a4', 'a4'],
    ['photo', 'photo'],
  ])('%s -> %s', (id, name) => {
    expect(mediaDisplayName(id)).toBe(name);
  });
});
