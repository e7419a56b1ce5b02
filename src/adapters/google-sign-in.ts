import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { UpstreamError } from '../domain/errors.js';
import type { GoogleSignIn, GrantedToken, Pkce } from '../domain/ports.js';
import { type GoogleEndpoints, SCOPES } from './google-endpoints.js';

export interface GoogleSignInOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  endpoints: GoogleEndpoints;
  /** Milliseconds before a token or revocation call is given up. */
  timeoutMs?: number;
}

/** OAuth 2.0 authorization code flow with PKCE, online access only (never a refresh token). */
export class GoogleOAuthSignIn implements GoogleSignIn {
  private readonly options: GoogleSignInOptions;

  constructor(options: GoogleSignInOptions) {
    this.options = options;
  }

  private client(): OAuth2Client {
    const { clientId, clientSecret, redirectUri, endpoints } = this.options;
    return new OAuth2Client({
      clientId,
      clientSecret,
      redirectUri,
      endpoints: {
        oauth2AuthBaseUrl: endpoints.authorize,
        oauth2TokenUrl: endpoints.token,
        oauth2RevokeUrl: endpoints.revoke,
      },
    });
  }

  async createPkce(): Promise<Pkce> {
    const { codeVerifier, codeChallenge } = await this.client().generateCodeVerifierAsync();
    if (!codeChallenge) throw new Error('PKCE challenge was not generated');
    return { verifier: codeVerifier, challenge: codeChallenge };
  }

  authorizationUrl(options: { state: string; codeChallenge: string; loginHint?: string }): string {
    return this.client().generateAuthUrl({
      response_type: 'code',
      access_type: 'online',
      // A shared panel browser may still be signed in to Google as the previous person.
      prompt: 'select_account',
      scope: [...SCOPES],
      state: options.state,
      code_challenge: options.codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
      ...(options.loginHint ? { login_hint: options.loginHint } : {}),
    });
  }

  async exchangeCode(options: { code: string; codeVerifier: string }): Promise<GrantedToken> {
    try {
      const { tokens } = await this.client().getToken({
        code: options.code,
        codeVerifier: options.codeVerifier,
      });
      // The answer is JSON from outside: a field of the wrong type counts as missing.
      const accessToken = tokens.access_token;
      if (typeof accessToken !== 'string' || !accessToken.trim()) {
        throw new Error('no access token in the answer');
      }
      const expiresAt = tokens.expiry_date;
      return {
        accessToken,
        expiresAt: Number.isFinite(expiresAt) ? (expiresAt as number) : Date.now() + 3_000_000,
        scopes: typeof tokens.scope === 'string' ? tokens.scope.split(' ').filter(Boolean) : [],
        ...(typeof tokens.refresh_token === 'string' && tokens.refresh_token
          ? { refreshToken: tokens.refresh_token }
          : {}),
      };
    } catch (err) {
      const status = (err as { status?: number; response?: { status?: number } }).response?.status;
      if (status && status >= 400 && status < 500) {
        throw new UpstreamError('signin_rejected', 'Google did not accept this sign-in. Start again.', {
          cause: status,
        });
      }
      throw new UpstreamError(
        'google_unavailable',
        'Google did not answer. Try signing in again in a moment.',
        {
          retryable: true,
          cause: status,
        },
      );
    }
  }

  async revoke(accessToken: string): Promise<void> {
    try {
      await this.client().revokeToken(accessToken);
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status;
      // 400 invalid_token: already revoked or expired, which is what we wanted.
      if (status === 400) return;
      throw new UpstreamError('revoke_failed', 'Google did not confirm the sign-out.', {
        retryable: true,
        cause: status,
      });
    }
  }
}
