import { describe, expect, it } from 'vitest';
import { buildListRequest, listFields, PANEL_PAGE_SIZE } from '../../src/adapters/google-drive-query.js';
import { filesQuery } from '../../src/http/routes/files-query.js';

describe('listFields', () => {
  it.each([
    [
      { view: 'mydrive' as const, folderId: 'f' },
      'nextPageToken, files(id, name, mimeType, size, modifiedTime)',
    ],
    [{ view: 'shared' as const }, 'nextPageToken, files(id, name, mimeType, size, modifiedTime)'],
    [
      { view: 'mydrive' as const, search: 'x' },
      'nextPageToken, files(id, name, mimeType, size, modifiedTime, parents)',
    ],
    [
      { view: 'mydrive' as const, folderId: 'f', foldersOnly: true },
      'nextPageToken, files(id, name, mimeType)',
    ],
  ])('%o -> %s', (query, fields) => {
    expect(listFields(query)).toBe(fields);
  });
});

describe('page size', () => {
  it('is the panel size unless asked', () => {
    expect(buildListRequest({ view: 'mydrive' }).pageSize).toBe(PANEL_PAGE_SIZE);
    expect(buildListRequest({ view: 'mydrive', pageSize: 20 }).pageSize).toBe(20);
    expect(PANEL_PAGE_SIZE).toBeGreaterThanOrEqual(50);
    expect(PANEL_PAGE_SIZE).toBeLessThanOrEqual(100);
  });

  it.each([
    ['1', true],
    ['100', true],
    ['101', false],
    ['0', false],
  ])('pageSize=%s accepted: %s', (pageSize, ok) => {
    expect(filesQuery.safeParse({ pageSize }).success).toBe(ok);
  });
});
