import { createHash, randomBytes } from 'node:crypto';
import { UpstreamError } from '../../src/domain/errors.js';
import type { GoogleSignIn, GrantedToken, Pkce } from '../../src/domain/ports.js';

/** Google's sign-in as the domain sees it: codes are handed out by the test with `approve`. */
export class FakeSignIn implements GoogleSignIn {
  readonly revoked: string[] = [];
  readonly authUrls: string[] = [];
  private readonly codes = new Map<string, { token: string; challenge: string }>();
  private lastChallenge = '';

  async createPkce(): Promise<Pkce> {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  authorizationUrl(options: { state: string; codeChallenge: string }): string {
    this.lastChallenge = options.codeChallenge;
    const url = `https://accounts.example/auth?state=${encodeURIComponent(options.state)}&code_challenge=${options.codeChallenge}&access_type=online`;
    this.authUrls.push(url);
    return url;
  }

  /** Google's consent: a code for the last authorization request that yields `token`. */
  approve(token: string): string {
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, { token, challenge: this.lastChallenge });
    return code;
  }

  async exchangeCode(options: { code: string; codeVerifier: string }): Promise<GrantedToken> {
    const entry = this.codes.get(options.code);
    this.codes.delete(options.code);
    const challenge = createHash('sha256').update(options.codeVerifier).digest('base64url');
    if (!entry || entry.challenge !== challenge) throw new UpstreamError('signin_rejected', 'rejected');
    return { accessToken: entry.token, expiresAt: Date.now() + 3600_000, scopes: [] };
  }

  async revoke(accessToken: string): Promise<void> {
    this.revoked.push(accessToken);
  }
}
