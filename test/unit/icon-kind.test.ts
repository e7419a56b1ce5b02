import { describe, expect, it } from 'vitest';
import { iconKind } from '../../src/http/view-helpers.js';

describe('iconKind: which icon a Drive item shows', () => {
  it.each([
    ['application/pdf', 'pdf'],
    ['image/jpeg', 'image'],
    ['image/png', 'image'],
    ['application/vnd.google-apps.drawing', 'image'],
    ['application/vnd.google-apps.document', 'doc'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'doc'],
    ['text/plain', 'doc'],
    ['application/vnd.google-apps.spreadsheet', 'sheet'],
    ['application/vnd.ms-excel', 'sheet'],
    ['application/vnd.google-apps.presentation', 'slides'],
    ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'slides'],
    ['application/vnd.google-apps.folder', 'folder'],
    ['application/zip', 'other'],
    ['application/vnd.oasis.opendocument.text', 'other'],
  ])('%s -> %s', (mimeType, kind) => {
    expect(iconKind(mimeType)).toBe(kind);
  });

  it('a shared drive has its own icon', () => {
    expect(iconKind('application/vnd.google-apps.folder', { sharedDrive: true })).toBe('drive');
  });
});
