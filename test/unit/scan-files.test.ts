import { describe, expect, it } from 'vitest';
import { cleanScanName, sniffScanType } from '../../src/domain/scan-files.js';

describe('sniffScanType', () => {
  it.each([
    [[0x25, 0x50, 0x44, 0x46, 0x2d, 0x31], 'application/pdf'],
    [[0xff, 0xd8, 0xff, 0xe0], 'image/jpeg'],
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
    [[0x49, 0x49, 0x2a, 0x00], 'image/tiff'],
    [[0x4d, 0x4d, 0x00, 0x2a], 'image/tiff'],
    [[0x4d, 0x5a, 0x90, 0x00], null], // a Windows executable
    [[0x7f, 0x45, 0x4c, 0x46], null], // an ELF executable
    [[0x50, 0x4b, 0x03, 0x04], null], // a zip
    [[], null],
  ])('%o -> %s', (bytes, type) => {
    expect(sniffScanType(Uint8Array.from(bytes))).toBe(type);
  });
});

describe('cleanScanName', () => {
  it.each([
    ['Invoice March', 'application/pdf', 'Invoice March.pdf'],
    ['Invoice March.pdf', 'application/pdf', 'Invoice March.pdf'],
    ['photo.JPG', 'image/jpeg', 'photo.jpg'],
    ['report.pdf', 'image/png', 'report.png'],
    ['../../etc/passwd', 'application/pdf', 'etc-passwd.pdf'],
    ['a/b\\c:d*e?f"g<h>i|j', 'application/pdf', 'a-b-c-d-e-f-g-h-i-j.pdf'],
    ['  spaced\t\nout  ', 'application/pdf', 'spaced out.pdf'],
    ['', 'application/pdf', 'Scan.pdf'],
    ['...', 'image/tiff', 'Scan.tif'],
    ['ctrl\u0000\u0007chars', 'application/pdf', 'ctrlchars.pdf'],
    ['Skanning 2026-11-22 19.50', 'application/pdf', 'Skanning 2026-11-22 19.50.pdf'],
  ])('%j as %s -> %j', (raw, type, expected) => {
    expect(cleanScanName(raw, type as never, 'Scan')).toBe(expected);
  });

  it('keeps names within 200 characters', () => {
    expect(cleanScanName('x'.repeat(500), 'application/pdf', 'Scan')).toHaveLength(200);
  });
});
