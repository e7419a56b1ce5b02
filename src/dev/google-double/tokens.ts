// Authorization codes, grants, access and refresh tokens. A grant is what one code exchange creates;
// revoking any of its tokens revokes the whole grant, as Google does.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IssuedToken } from './types.js';

const CODE_TTL_MS = 10 * 60 * 1000;

export interface CodeRequest {
  clientId: string;
  redirectUri: string;
  email: string;
  scope: string;
  accessType: 'online' | 'offline';
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  nonce?: string;
}

interface CodeRecord extends CodeRequest {
  expiresAt: number;
  used: boolean;
}

interface Grant {
  clientId: string;
  email: string;
  scope: string;
  accessType: string;
  refreshToken?: string;
  accessTokens: Set<string>;
  revoked: boolean;
}

interface AccessRecord {
  grant: Grant;
  expiresAt: number;
}

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
  scope: string;
  email: string;
  clientId: string;
  nonce?: string;
}

/** Failure of a token request, rendered as {error, error_description}. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

function urlSafe(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export class TokenRegistry {
  readonly issued: IssuedToken[] = [];
  readonly revokedLog: string[] = [];
  private readonly codes = new Map<string, CodeRecord>();
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, Grant>();
  /** Scopes each user granted each client, for include_granted_scopes. */
  private readonly granted = new Map<string, Set<string>>();

  constructor(private readonly ttlSeconds: number) {}

  /** Remembers a consent and returns the scopes to grant (with earlier ones when `incremental`). */
  grantScopes(clientId: string, email: string, scopes: string[], incremental: boolean): string[] {
    const key = `${clientId} ${email.toLowerCase()}`;
    const known = this.granted.get(key) ?? new Set<string>();
    const result = incremental ? [...new Set([...scopes, ...known])] : [...scopes];
    for (const scope of scopes) known.add(scope);
    this.granted.set(key, known);
    return result;
  }

  createCode(request: CodeRequest): string {
    // Real codes start with "4/0" and contain a slash, so clients must URL-decode them.
    const code = `4/0A${urlSafe(54)}`;
    this.codes.set(code, { ...request, expiresAt: Date.now() + CODE_TTL_MS, used: false });
    return code;
  }

  redeemCode(input: {
    code: string;
    clientId: string;
    redirectUri?: string;
    codeVerifier?: string;
  }): TokenSet {
    const record = this.codes.get(input.code);
    if (!record || record.used || record.expiresAt < Date.now() || record.clientId !== input.clientId) {
      throw new OAuthError(400, 'invalid_grant', 'Bad Request');
    }
    if (input.redirectUri !== record.redirectUri) {
      throw new OAuthError(400, 'redirect_uri_mismatch', 'Bad Request');
    }
    if (record.codeChallenge) {
      if (!input.codeVerifier) throw new OAuthError(400, 'invalid_grant', 'Missing code verifier.');
      if (!verifierMatches(input.codeVerifier, record.codeChallenge, record.codeChallengeMethod ?? 'plain')) {
        throw new OAuthError(400, 'invalid_grant', 'Invalid code verifier.');
      }
    } else if (input.codeVerifier) {
      throw new OAuthError(400, 'invalid_grant', 'code_verifier or verifier is not needed.');
    }
    // Single use: a replay fails even when the first exchange succeeded.
    record.used = true;
    const grant: Grant = {
      clientId: record.clientId,
      email: record.email,
      scope: record.scope,
      accessType: record.accessType,
      accessTokens: new Set(),
      revoked: false,
    };
    if (record.accessType === 'offline') {
      grant.refreshToken = `1//0${urlSafe(75)}`;
      this.refresh.set(grant.refreshToken, grant);
    }
    return this.issueAccess(grant, grant.refreshToken, record.nonce);
  }

  refreshGrant(refreshToken: string, clientId: string): TokenSet {
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.revoked || grant.clientId !== clientId) {
      throw new OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    return this.issueAccess(grant, undefined);
  }

  /** The grant's user and scope when the access token works, else undefined. */
  validate(token: string): { email: string; scope: string; clientId: string } | undefined {
    const record = this.access.get(token);
    if (!record || record.grant.revoked || record.expiresAt <= Date.now()) return undefined;
    return { email: record.grant.email, scope: record.grant.scope, clientId: record.grant.clientId };
  }

  expire(token: string): void {
    const record = this.access.get(token);
    if (record) record.expiresAt = 0;
  }

  /** True when a live access or refresh token was revoked; false for unknown, expired or revoked ones. */
  revoke(token: string): boolean {
    const access = this.access.get(token);
    const grant = access && access.expiresAt > Date.now() ? access.grant : this.refresh.get(token);
    if (!grant || grant.revoked) return false;
    grant.revoked = true;
    return true;
  }

  private issueAccess(grant: Grant, newRefreshToken: string | undefined, nonce?: string): TokenSet {
    const accessToken = `ya29.${urlSafe(78)}`;
    this.access.set(accessToken, { grant, expiresAt: Date.now() + this.ttlSeconds * 1000 });
    grant.accessTokens.add(accessToken);
    this.issued.push({
      accessToken,
      email: grant.email,
      accessType: grant.accessType,
      scope: grant.scope,
      ...(newRefreshToken ? { refreshToken: newRefreshToken } : {}),
    });
    return {
      accessToken,
      expiresIn: Math.max(0, this.ttlSeconds - 1),
      scope: grant.scope,
      email: grant.email,
      clientId: grant.clientId,
      ...(newRefreshToken ? { refreshToken: newRefreshToken } : {}),
      ...(nonce ? { nonce } : {}),
    };
  }
}

function verifierMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
