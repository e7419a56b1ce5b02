// GET /o/oauth2/v2/auth and the consent page's POST. Like Google: a bad client or redirect_uri gets
// an error page (never a redirect), other request errors are redirected back with ?error=.

import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import { APPROVE_PATH, renderConsentPage, renderErrorPage } from './consent-page.js';
import type { DoubleContext } from './context.js';
import { queryOf } from './http-utils.js';
import type { CodeRequest } from './tokens.js';

const PENDING_TTL_MS = 10 * 60 * 1000;
const SCOPE_ALIASES: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};
const PKCE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

interface PendingRequest {
  code: Omit<CodeRequest, 'email'>;
  state?: string;
  includeGranted: boolean;
  expiresAt: number;
}

class RedirectError extends Error {}

export function authorizeRouter(ctx: DoubleContext): Router {
  const router = Router();
  const pending = new Map<string, PendingRequest>();

  router.get('/o/oauth2/v2/auth', (req: Request, res: Response) => {
    const q = queryOf(req);
    const client = q.client_id ? ctx.clients.get(q.client_id) : undefined;
    if (!client) {
      htmlError(res, 'invalid_client', 'The OAuth client was not found.');
      return;
    }
    const redirectUri = q.redirect_uri ?? '';
    if (!client.redirectUris.includes(redirectUri)) {
      const policy =
        "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy.";
      htmlError(res, 'redirect_uri_mismatch', `${policy} redirect_uri=${redirectUri}`);
      return;
    }
    let scopes: string[];
    let code: Omit<CodeRequest, 'email'>;
    try {
      scopes = parseScopes(q);
      code = { clientId: client.clientId, redirectUri, scope: '', ...parsePkceAndAccess(q) };
    } catch (err) {
      if (err instanceof InvalidScope) {
        htmlError(res, 'invalid_scope', `Some requested scopes were invalid. {invalid=[${err.message}]}`);
      } else {
        redirectWithError(
          res,
          redirectUri,
          err instanceof RedirectError ? err.message : 'invalid_request',
          q.state,
        );
      }
      return;
    }
    const request: PendingRequest = {
      code: { ...code, scope: scopes.join(' ') },
      includeGranted: q.include_granted_scopes === 'true',
      expiresAt: Date.now() + PENDING_TTL_MS,
      ...(q.state !== undefined ? { state: q.state } : {}),
    };
    const auto = ctx.autoApprove();
    if (auto !== false) {
      approve(res, request, auto, q.prompt === 'none' ? 'none' : 'consent');
      return;
    }
    if ((q.prompt ?? '').split(' ').includes('none')) {
      redirectWithError(res, redirectUri, 'interaction_required', q.state);
      return;
    }
    const requestId = randomBytes(18).toString('base64url');
    pending.set(requestId, request);
    res
      .status(200)
      .type('html')
      .send(
        renderConsentPage({
          requestId,
          clientId: client.clientId,
          scope: request.code.scope,
          users: ctx.store.users,
          ...(q.login_hint ? { loginHint: q.login_hint } : {}),
        }),
      );
  });

  router.post(APPROVE_PATH, express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const requestId = typeof body.request_id === 'string' ? body.request_id : '';
    const request = pending.get(requestId);
    if (!request || request.expiresAt < Date.now()) {
      htmlError(res, 'invalid_request', 'This sign-in request has expired. Start again from the app.');
      return;
    }
    if (body.deny !== undefined) {
      pending.delete(requestId);
      redirectWithError(res, request.code.redirectUri, 'access_denied', request.state);
      return;
    }
    const email = typeof body.email === 'string' ? body.email : '';
    if (!ctx.store.userByEmail(email)) {
      htmlError(res, 'invalid_request', 'Choose one of the listed accounts.');
      return;
    }
    pending.delete(requestId);
    approve(res, request, email, 'consent');
  });

  function approve(res: Response, request: PendingRequest, email: string, prompt: string): void {
    const user = ctx.store.userByEmail(email);
    if (!user) {
      htmlError(res, 'invalid_request', `The double has no user ${email}.`);
      return;
    }
    const scopes = ctx.tokens.grantScopes(
      request.code.clientId,
      user.email,
      request.code.scope.split(' '),
      request.includeGranted,
    );
    const scope = scopes.join(' ');
    const code = ctx.tokens.createCode({ ...request.code, scope, email: user.email });
    const url = new URL(request.code.redirectUri);
    if (request.state !== undefined) url.searchParams.set('state', request.state);
    url.searchParams.set('code', code);
    url.searchParams.set('scope', scope);
    url.searchParams.set('authuser', '0');
    url.searchParams.set('prompt', prompt);
    res.setHeader('Location', url.toString());
    res.status(302).end();
  }

  return router;
}

class InvalidScope extends Error {}

function parseScopes(q: Record<string, string>): string[] {
  if (!q.response_type) throw new RedirectError('invalid_request');
  if (q.response_type !== 'code') throw new RedirectError('unsupported_response_type');
  const raw = (q.scope ?? '').split(/\s+/).filter(Boolean);
  if (raw.length === 0) throw new RedirectError('invalid_request');
  const scopes = raw.map((s) => SCOPE_ALIASES[s] ?? s);
  const bad = scopes.filter((s) => s !== 'openid' && !s.startsWith('https://www.googleapis.com/auth/'));
  if (bad.length > 0) throw new InvalidScope(bad.join(', '));
  // Google adds openid whenever the email or profile scope is asked for.
  if (raw.some((s) => s in SCOPE_ALIASES) && !scopes.includes('openid')) scopes.push('openid');
  return [...new Set(scopes)];
}

function parsePkceAndAccess(
  q: Record<string, string>,
): Omit<CodeRequest, 'email' | 'clientId' | 'redirectUri' | 'scope'> {
  const accessType = q.access_type ?? 'online';
  if (accessType !== 'online' && accessType !== 'offline') throw new RedirectError('invalid_request');
  const prompts = (q.prompt ?? '').split(' ').filter(Boolean);
  if (prompts.some((p) => !['none', 'consent', 'select_account'].includes(p))) {
    throw new RedirectError('invalid_request');
  }
  if (prompts.includes('none') && prompts.length > 1) throw new RedirectError('invalid_request');
  const challenge = q.code_challenge;
  const method = q.code_challenge_method;
  if (method !== undefined && !challenge) throw new RedirectError('invalid_request');
  if (challenge === undefined) return { accessType, ...(q.nonce ? { nonce: q.nonce } : {}) };
  if (!PKCE_CHALLENGE.test(challenge)) throw new RedirectError('invalid_request');
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    throw new RedirectError('invalid_request');
  }
  return {
    accessType,
    codeChallenge: challenge,
    codeChallengeMethod: method === 'S256' ? 'S256' : 'plain',
    ...(q.nonce ? { nonce: q.nonce } : {}),
  };
}

function htmlError(res: Response, error: string, message: string): void {
  res.status(400).type('html').send(renderErrorPage(error, message));
}

function redirectWithError(
  res: Response,
  redirectUri: string,
  error: string,
  state: string | undefined,
): void {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  if (state !== undefined) url.searchParams.set('state', state);
  res.setHeader('Location', url.toString());
  res.status(302).end();
}
