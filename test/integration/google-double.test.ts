// The Google double's OAuth 2.0 endpoints, driven through google-auth-library's real OAuth2Client.

import { CodeChallengeMethod, type OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { driveFor, oauthClientFor } from '../support/google-double-session.js';

const CLIENT = { clientId: 'test-client.apps.googleusercontent.com', clientSecret: 'test-secret' };
const REDIRECT = 'http://127.0.0.1:9999/auth/callback';
const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive.readonly';

let double: GoogleDouble;

function oauthClient(overrides: { clientSecret?: string } = {}): OAuth2Client {
  return oauthClientFor(double.baseUrl, {
    clientId: CLIENT.clientId,
    clientSecret: overrides.clientSecret ?? CLIENT.clientSecret,
    redirectUri: REDIRECT,
  });
}

/** Runs the authorization request and returns the redirect the double answered with. */
async function authorize(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

async function codeFor(
  client: OAuth2Client,
  options: { accessType?: 'online' | 'offline'; scope?: string } = {},
): Promise<{ code: string; codeVerifier: string }> {
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const redirect = await authorize(
    client.generateAuthUrl({
      scope: options.scope ?? DRIVE_SCOPE,
      state: 'state-123',
      code_challenge: codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
      access_type: options.accessType ?? 'online',
    }),
  );
  expect(redirect.searchParams.get('state')).toBe('state-123');
  return { code: redirect.searchParams.get('code') ?? '', codeVerifier };
}

/** The HTTP status and body of a request that must fail. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ status?: number; data?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    const response = (err as { response?: { status?: number; data?: Record<string, unknown> } }).response;
    return {
      ...(response?.status ? { status: response.status } : {}),
      ...(response?.data ? { data: response.data } : {}),
    };
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  double = await startGoogleDouble({
    clients: [{ ...CLIENT, redirectUris: [REDIRECT] }],
    autoApprove: 'alice@example.com',
  });
});

afterAll(async () => {
  await double.close();
});

beforeEach(() => {
  double.setAutoApprove('alice@example.com');
  double.faults.clear();
});

describe('authorization code flow with PKCE', () => {
  it('issues a Google-shaped access token that Drive accepts', async () => {
    const client = oauthClient();
    const { code, codeVerifier } = await codeFor(client);
    expect(code).toMatch(/^4\/0/);
    const { tokens } = await client.getToken({ code, codeVerifier });
    expect(tokens.access_token).toMatch(/^ya29\.[A-Za-z0-9_-]{90,}$/);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.scope).toBe(DRIVE_SCOPE);
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.expiry_date).toBeGreaterThan(Date.now() + 3_500_000);
    expect(double.issuedTokens.at(-1)).toMatchObject({
      accessToken: tokens.access_token,
      email: 'alice@example.com',
      accessType: 'online',
    });

    client.setCredentials(tokens);
    const drive = driveFor(double.baseUrl, client);
    const about = await drive.about.get({ fields: 'user(displayName,emailAddress)' });
    expect(about.data).toEqual({ user: { displayName: 'Alice Example', emailAddress: 'alice@example.com' } });
    const authRequest = double.requests.find((r) => r.path === '/o/oauth2/v2/auth');
    expect(authRequest?.query.code_challenge_method).toBe('S256');
  });

  it('gives a refresh token only for access_type=offline, and refreshing works', async () => {
    const client = oauthClient();
    const { code, codeVerifier } = await codeFor(client, { accessType: 'offline' });
    const { tokens } = await client.getToken({ code, codeVerifier });
    expect(tokens.refresh_token).toMatch(/^1\/\/0/);
    expect(double.issuedTokens.at(-1)).toMatchObject({
      accessType: 'offline',
      refreshToken: tokens.refresh_token,
    });
    client.setCredentials({ refresh_token: tokens.refresh_token ?? null });
    const refreshed = await client.refreshAccessToken();
    expect(refreshed.credentials.access_token).toMatch(/^ya29\./);
    expect(refreshed.credentials.access_token).not.toBe(tokens.access_token);
  });

  it('refuses a wrong code verifier and a missing one', async () => {
    const client = oauthClient();
    const { code } = await codeFor(client);
    const wrong = await failure(client.getToken({ code, codeVerifier: 'x'.repeat(64) }));
    expect(wrong).toEqual({
      status: 400,
      data: { error: 'invalid_grant', error_description: 'Invalid code verifier.' },
    });
    const second = await codeFor(client);
    const missing = await failure(client.getToken({ code: second.code }));
    expect(missing).toEqual({
      status: 400,
      data: { error: 'invalid_grant', error_description: 'Missing code verifier.' },
    });
  });

  it('refuses a replayed code', async () => {
    const client = oauthClient();
    const { code, codeVerifier } = await codeFor(client);
    await client.getToken({ code, codeVerifier });
    const replay = await failure(client.getToken({ code, codeVerifier }));
    expect(replay).toEqual({
      status: 400,
      data: { error: 'invalid_grant', error_description: 'Bad Request' },
    });
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const { code, codeVerifier } = await codeFor(oauthClient());
    const result = await failure(oauthClient({ clientSecret: 'nope' }).getToken({ code, codeVerifier }));
    expect(result.status).toBe(401);
    expect(result.data?.error).toBe('invalid_client');
  });

  it('answers unsupported_grant_type and accepts HTTP Basic client authentication', async () => {
    const basic = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`;
    const res = await fetch(`${double.baseUrl}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'Invalid grant_type: password',
    });
  });
});

describe('authorization request validation', () => {
  const base = () => `${double.baseUrl}/o/oauth2/v2/auth`;
  const params = (extra: Record<string, string>) =>
    new URLSearchParams({
      client_id: CLIENT.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: DRIVE_SCOPE,
      ...extra,
    });

  it('shows an error page, without redirecting, for an unknown client or redirect_uri', async () => {
    const badClient = await fetch(`${base()}?${params({ client_id: 'unknown' })}`, { redirect: 'manual' });
    expect(badClient.status).toBe(400);
    expect(await badClient.text()).toContain('invalid_client');
    const badRedirect = await fetch(`${base()}?${params({ redirect_uri: 'http://evil.example/cb' })}`, {
      redirect: 'manual',
    });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.headers.get('location')).toBeNull();
    expect(await badRedirect.text()).toContain('redirect_uri_mismatch');
  });

  it('redirects with error=invalid_request when scope is missing', async () => {
    const p = params({ state: 's1' });
    p.delete('scope');
    const redirect = await authorize(`${base()}?${p}`);
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.get('state')).toBe('s1');
  });
});

describe('consent page', () => {
  it('lists the users and redirects with code and state after a click', async () => {
    double.setAutoApprove(false);
    const client = oauthClient();
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const url = client.generateAuthUrl({
      scope: DRIVE_SCOPE,
      state: 'from-consent',
      code_challenge: codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
      login_hint: 'bob@example.com',
    });
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    for (const name of ['Alice Example', 'Bob Example', 'Ada Admin'])
      expect(html).toContain(`Continue as ${name}`);
    // The hinted account comes first.
    expect(html.indexOf('Bob Example')).toBeLessThan(html.indexOf('Alice Example'));
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1];
    expect(action).toBe('/o/oauth2/v2/auth/approve');

    const approve = await fetch(`${double.baseUrl}${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId ?? '', email: 'bob@example.com' }),
      redirect: 'manual',
    });
    expect(approve.status).toBe(302);
    const redirect = new URL(approve.headers.get('location') ?? '');
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT);
    expect(redirect.searchParams.get('state')).toBe('from-consent');
    const { tokens } = await client.getToken({ code: redirect.searchParams.get('code') ?? '', codeVerifier });
    expect(double.issuedTokens.at(-1)).toMatchObject({
      accessToken: tokens.access_token,
      email: 'bob@example.com',
    });
  });
});

describe('revocation', () => {
  it('invalidates the token so Drive answers 401; a second revoke is invalid_token', async () => {
    const client = oauthClient();
    const { code, codeVerifier } = await codeFor(client);
    const { tokens } = await client.getToken({ code, codeVerifier });
    const token = tokens.access_token ?? '';
    expect(double.isTokenValid(token)).toBe(true);
    await client.revokeToken(token);
    expect(double.isTokenValid(token)).toBe(false);
    expect(double.revokedTokens.at(-1)).toBe(token);

    const res = await fetch(`${double.baseUrl}/drive/v3/about?fields=user`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { status: string; errors: Array<{ reason: string }> } };
    expect(body.error.status).toBe('UNAUTHENTICATED');
    expect(body.error.errors[0]?.reason).toBe('authError');

    const again = await fetch(`${double.baseUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Token expired or revoked',
    });
    expect(double.revokedTokens.filter((t) => t === token)).toHaveLength(2);
  });

  it('answers 500 while failRevoke is armed, and expireToken makes Drive answer 401', async () => {
    const client = oauthClient();
    const { code, codeVerifier } = await codeFor(client);
    const { tokens } = await client.getToken({ code, codeVerifier });
    const token = tokens.access_token ?? '';
    double.faults.failRevoke(1);
    const failed = await fetch(`${double.baseUrl}/revoke?token=${encodeURIComponent(token)}`, {
      method: 'POST',
    });
    expect(failed.status).toBe(500);
    expect(double.isTokenValid(token)).toBe(true);

    double.expireToken(token);
    const res = await fetch(`${double.baseUrl}/drive/v3/about?fields=user`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
  });
});
