import { describe, expect, it } from 'vitest';
import { buildListRequest, driveString } from '../../src/adapters/google-drive-query.js';

describe('driveString', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
  ])('quotes %s as %s', (input, expected) => {
    expect(driveString(input)).toBe(expected);
  });
});

describe('buildListRequest', () => {
  it.each([
    [{ view: 'mydrive' as const }, "trashed = false and 'root' in parents", 'user'],
    [{ view: 'mydrive' as const, folderId: 'abc' }, "trashed = false and 'abc' in parents", 'user'],
    [{ view: 'shared' as const }, 'trashed = false and sharedWithMe = true', 'user'],
    [{ view: 'shared' as const, folderId: 'f' }, "trashed = false and 'f' in parents", 'allDrives'],
    [{ view: 'drives' as const, folderId: 'd1' }, "trashed = false and 'd1' in parents", 'allDrives'],
    [
      { view: 'mydrive' as const, search: "it's" },
      "trashed = false and (name contains 'it\\'s' or fullText contains 'it\\'s')",
      'allDrives',
    ],
    [
      { view: 'shared' as const, search: 'x' },
      "trashed = false and (name contains 'x' or fullText contains 'x') and sharedWithMe = true",
      'user',
    ],
    [
      { view: 'mydrive' as const, folderId: 'f', foldersOnly: true },
      "trashed = false and 'f' in parents and mimeType = 'application/vnd.google-apps.folder'",
      'user',
    ],
  ])('%o -> %s', (query, q, corpora) => {
    const r = buildListRequest(query);
    expect(r.q).toBe(q);
    expect(r.corpora).toBe(corpora);
    expect(r.supportsAllDrives).toBe(true);
    expect(r.includeItemsFromAllDrives).toBe(true);
  });
});
