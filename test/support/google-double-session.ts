// Talking to the Google test double as a signed-in user: an OAuth2Client pointed at the double, PKCE
// sign-in, a googleapis Drive client, and raw fetches with a bearer token.

import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { type drive_v3, google } from 'googleapis';
import type { DoubleClient, GoogleDouble } from '../../src/dev/google-double/index.js';

/** An OAuth2Client whose authorization, token and revoke endpoints are the double's. */
export function oauthClientFor(
  baseUrl: string,
  client: { clientId: string; clientSecret: string; redirectUri: string | undefined },
): OAuth2Client {
  return new OAuth2Client({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: client.redirectUri,
    endpoints: {
      oauth2AuthBaseUrl: `${baseUrl}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${baseUrl}/token`,
      oauth2RevokeUrl: `${baseUrl}/revoke`,
    },
  });
}

/**
 * Signs `email` in with the authorization code flow and PKCE (the double auto-approves that user) and
 * returns a client holding the tokens, plus the access token.
 */
export async function signIn(
  double: GoogleDouble,
  registered: DoubleClient,
  email: string,
  scope: string,
): Promise<{ client: OAuth2Client; token: string }> {
  double.setAutoApprove(email);
  const client = oauthClientFor(double.baseUrl, { ...registered, redirectUri: registered.redirectUris[0] });
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({
    scope,
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
  });
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const { tokens } = await client.getToken({ code, codeVerifier });
  client.setCredentials(tokens);
  return { client, token: tokens.access_token ?? '' };
}

/** A googleapis Drive v3 client that talks to the double. */
export function driveFor(baseUrl: string, client: OAuth2Client): drive_v3.Drive {
  return google.drive({ version: 'v3', auth: client, rootUrl: `${baseUrl}/` });
}

/** GETs `path` from the double with a bearer token; the body is parsed as JSON when it is JSON. */
export async function rawGet(
  baseUrl: string,
  path: string,
  bearer: string,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // binary or empty
  }
  return { status: res.status, body, headers: res.headers };
}

/** The code, message and first reason/location of a Google-shaped error body. */
export function errorOf(body: unknown): {
  code: number;
  reason?: string;
  location?: string;
  message: string;
} {
  const error = (body as { error: { code: number; message: string; errors: Array<Record<string, string>> } })
    .error;
  return {
    code: error.code,
    message: error.message,
    ...(error.errors[0]?.reason ? { reason: error.errors[0].reason } : {}),
    ...(error.errors[0]?.location ? { location: error.errors[0].location } : {}),
  };
}
