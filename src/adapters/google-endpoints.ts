// Where Google lives: the real endpoints, or all of them under one base URL (the test double).
// https://developers.google.com/identity/protocols/oauth2/web-server

export interface GoogleEndpoints {
  authorize: string;
  token: string;
  revoke: string;
  /** Root for googleapis (`rootUrl`), with a trailing slash. */
  apiRoot: string;
}

export function googleEndpoints(baseUrl: string | null): GoogleEndpoints {
  if (!baseUrl) {
    return {
      authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
      token: 'https://oauth2.googleapis.com/token',
      revoke: 'https://oauth2.googleapis.com/revoke',
      apiRoot: 'https://www.googleapis.com/',
    };
  }
  const base = baseUrl.replace(/\/+$/, '');
  return {
    authorize: `${base}/o/oauth2/v2/auth`,
    token: `${base}/token`,
    revoke: `${base}/revoke`,
    apiRoot: `${base}/`,
  };
}

/**
 * Least privilege that still lets a person browse their whole Drive and save scans:
 * drive.readonly to list and download any file they can see, drive.file to create the scans.
 * No openid/email scopes: identity comes from Drive's about.get.
 */
export const SCOPES = [
  'https://www.googleapis.com/auth/drive.readonly',
  'https://www.googleapis.com/auth/drive.file',
] as const;
