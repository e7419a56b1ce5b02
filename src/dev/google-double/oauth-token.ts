// POST /token, POST /revoke, and the OpenID extras (JWKS, userinfo). Error bodies follow Google's
// token endpoint: {"error": "...", "error_description": "..."}.

import express, { type Request, type Response, Router } from 'express';
import type { DoubleContext } from './context.js';
import { queryOf } from './http-utils.js';
import { OAuthError, type TokenSet } from './tokens.js';
import type { DoubleClient } from './types.js';

const formOrJson = [express.urlencoded({ extended: false, limit: '64kb' }), express.json({ limit: '64kb' })];

export function tokenRouter(ctx: DoubleContext): Router {
  const router = Router();

  router.post('/token', ...formOrJson, (req: Request, res: Response) => {
    noStore(res);
    const body = stringFields(req.body);
    try {
      const client = authenticateClient(ctx, req, body);
      const grantType = body.grant_type ?? '';
      let set: TokenSet;
      if (grantType === 'authorization_code') {
        if (!body.code) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: code');
        set = ctx.tokens.redeemCode({
          code: body.code,
          clientId: client.clientId,
          ...(body.redirect_uri !== undefined ? { redirectUri: body.redirect_uri } : {}),
          ...(body.code_verifier !== undefined ? { codeVerifier: body.code_verifier } : {}),
        });
      } else if (grantType === 'refresh_token') {
        if (!body.refresh_token) {
          throw new OAuthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
        }
        set = ctx.tokens.refreshGrant(body.refresh_token, client.clientId);
      } else {
        throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
      }
      res.status(200).json(tokenResponse(ctx, set));
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      res.status(err.status).json({ error: err.error, error_description: err.description });
    }
  });

  router.post('/revoke', ...formOrJson, (req: Request, res: Response) => {
    noStore(res);
    const token = stringFields(req.body).token ?? queryOf(req).token;
    if (!token) {
      res
        .status(400)
        .json({ error: 'invalid_request', error_description: 'Missing required parameter: token' });
      return;
    }
    ctx.tokens.revokedLog.push(token);
    if (ctx.faults.takeRevokeFailure()) {
      res.status(500).json({ error: 'internal_failure', error_description: 'Backend Error' });
      return;
    }
    if (!ctx.tokens.revoke(token)) {
      res.status(400).json({ error: 'invalid_token', error_description: 'Token expired or revoked' });
      return;
    }
    res.status(200).json({});
  });

  router.get('/oauth2/v3/certs', (_req, res) => {
    res.json(ctx.idTokens.jwks());
  });

  router.get('/oauth2/v3/userinfo', (req, res) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const grant = match?.[1] ? ctx.tokens.validate(match[1]) : undefined;
    const user = grant ? ctx.store.userByEmail(grant.email) : undefined;
    if (!user) {
      res.status(401).json({ error: 'invalid_request', error_description: 'Invalid Credentials' });
      return;
    }
    res.json({ sub: user.id, name: user.name, email: user.email, email_verified: true });
  });

  return router;
}

function tokenResponse(ctx: DoubleContext, set: TokenSet): Record<string, unknown> {
  const response: Record<string, unknown> = {
    access_token: set.accessToken,
    expires_in: set.expiresIn,
    scope: set.scope,
    token_type: 'Bearer',
  };
  if (set.refreshToken) response.refresh_token = set.refreshToken;
  const user = ctx.store.userByEmail(set.email);
  if (user && set.scope.split(' ').includes('openid')) {
    response.id_token = ctx.idTokens.sign(user, set.clientId, ctx.accessTokenTtlSeconds, set.nonce);
  }
  return response;
}

/** HTTP Basic client authentication, or client_id/client_secret in the body. */
function authenticateClient(ctx: DoubleContext, req: Request, body: Record<string, string>): DoubleClient {
  let clientId = body.client_id;
  let clientSecret = body.client_secret;
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      clientId = safeDecode(decoded.slice(0, colon));
      clientSecret = safeDecode(decoded.slice(colon + 1));
    }
  }
  if (!clientId) throw new OAuthError(400, 'invalid_request', 'Could not determine client ID from request.');
  const client = ctx.clients.get(clientId);
  if (!client) throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
  if (clientSecret !== client.clientSecret) throw new OAuthError(401, 'invalid_client', 'Unauthorized');
  return client;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function stringFields(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string') out[key] = value;
    }
  }
  return out;
}

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-cache, no-store, max-age=0, must-revalidate');
  res.setHeader('Pragma', 'no-cache');
}
