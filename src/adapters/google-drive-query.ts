import type { drive_v3 } from 'googleapis/build/src/apis/drive/index.js';
import type { ListFilesQuery } from '../domain/ports.js';

/**
 * Quotes text as a string literal of Drive's query language: backslash and single quote are
 * escaped with a backslash. https://developers.google.com/workspace/drive/api/guides/ref-search-terms
 */
export function driveString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Rows per page in the panel's file list and folder picker: a screenful or two on a touch panel, and
 * each page is one quick Drive call even in a folder of thousands (paged on with nextPageToken).
 */
export const PANEL_PAGE_SIZE = 50;

/** What the panel shows of a file: name, type (and so whether it is a folder), size, date. */
const SHOWN = 'id, name, mimeType, size, modifiedTime';

/**
 * The files.list fields mask: only what the list shows, since Drive's default-less answers grow with
 * every field asked for. A search also names each result's folder, so it asks for parents; the folder
 * picker shows names alone.
 */
export function listFields(query: ListFilesQuery): string {
  if (query.foldersOnly && !query.search) return 'nextPageToken, files(id, name, mimeType)';
  return `nextPageToken, files(${SHOWN}${query.search ? ', parents' : ''})`;
}

/**
 * files.list parameters for a view, folder or search. Drive lists trashed files unless told not
 * to, so every query says `trashed = false`.
 */
export function buildListRequest(query: ListFilesQuery): drive_v3.Params$Resource$Files$List {
  const terms = ['trashed = false'];
  let corpora = 'user';
  if (query.search) {
    // The name, and the words inside: Drive indexes a document's text, a searchable scan's included,
    // so a scan is found by what it says (fullText also covers the name, but only whole words).
    const text = driveString(query.search);
    terms.push(`(name contains ${text} or fullText contains ${text})`);
    if (query.view === 'shared') terms.push('sharedWithMe = true');
    // A search looks everywhere the person can see, shared drives included.
    corpora = query.view === 'shared' ? 'user' : 'allDrives';
  } else if (query.view === 'shared' && !query.folderId) {
    terms.push('sharedWithMe = true');
  } else {
    terms.push(`${driveString(query.folderId ?? 'root')} in parents`);
    if (query.view !== 'mydrive') corpora = 'allDrives';
  }
  if (query.foldersOnly) terms.push(`mimeType = 'application/vnd.google-apps.folder'`);
  return {
    q: terms.join(' and '),
    corpora,
    includeItemsFromAllDrives: true,
    supportsAllDrives: true,
    pageSize: query.pageSize ?? PANEL_PAGE_SIZE,
    pageToken: query.pageToken,
    // sharedWithMe listings have no folder structure; Drive sorts those by name alone.
    orderBy: 'folder,name_natural',
  };
}
