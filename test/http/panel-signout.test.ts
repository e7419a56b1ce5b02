import express from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VIEWS_DIR } from '../../src/app.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { loadCatalogs } from '../../src/http/i18n.js';
import { errorHandler } from '../../src/http/middleware/errors.js';
import { returnPath, startPage } from '../../src/http/panel-paths.js';
import { renderer } from '../../src/http/render.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

describe('a shared panel returns to its own printer, and sign-in returns to where it began', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
  });
  afterEach(async () => t.close());

  /** Signs in from the start page of printer `printer` (as the panel does), optionally with ?next=. */
  async function signInAt(options: { printer?: string; next?: string; email?: string } = {}) {
    const email = options.email ?? 'alice@example.com';
    const token = `ya29.test-${email}`;
    t.drive.addUser(token, { email, name: email.split('@')[0] ?? email });
    const agent = request.agent(t.app) as TestAgent;
    const q = new URLSearchParams();
    if (options.printer) q.set('printer', options.printer);
    if (options.next) q.set('next', options.next);
    const start = await agent.get(`/auth/google?${q}`);
    expect(start.status).toBe(302);
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    const cb = await agent.get(`/auth/google/callback?code=${t.signIn.approve(token)}&state=${state}`);
    const csrf = (await agent.get('/api/session')).body.csrfToken as string;
    return { agent, csrf, landed: cb.headers.location as string, token };
  }

  it("the sign-out answer names the start page of the panel's own printer", async () => {
    const { agent, csrf, token } = await signInAt({ printer: 'lobby' });
    const res = await agent.post('/auth/signout').set('X-CSRF-Token', csrf).send({});
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('signed_out');
    const next = new URL(res.body.next as string, 'http://panel');
    expect(next.pathname).toBe('/');
    expect(next.searchParams.get('printer')).toBe('lobby');
    expect(next.searchParams.get('signin')).toBe('signedout');
    expect(t.signIn.revoked).toEqual([token]);
    // The start page it names shows that printer, with no session and no new cookie.
    const page = await request(t.app).get(res.body.next as string);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Lobby printer');
    expect(page.headers['set-cookie']).toBeUndefined();
  });

  it('the sign-out at the idle deadline says the session ended, and keeps the printer', async () => {
    const { agent, csrf } = await signInAt({ printer: 'lobby' });
    const res = await agent.post('/auth/signout').set('X-CSRF-Token', csrf).send({ reason: 'expired' });
    expect(res.body.next).toMatch(/^\/\?signin=expired&printer=lobby(&lang=en)?$/);
  });

  it('every page carries the panel printer for the script (data-printer), and the countdown setting', async () => {
    const { agent } = await signInAt({ printer: 'lobby' });
    const page = await agent.get('/browse');
    expect(page.text).toContain('data-printer="lobby"');
    expect(page.text).toContain('data-sign-out-after-job="30"');
    expect(page.text).toContain('id="after-job"');
    const signedOut = await request(t.app).get('/?printer=lobby');
    expect(signedOut.text).toContain('data-printer="lobby"');
    expect(signedOut.text).toContain('data-sign-out-after-job="0"');
    expect(signedOut.text).toContain('href="/privacy?printer=lobby"');
  });

  it("an expired session's redirect keeps the printer, and its start page names it", async () => {
    const { agent, token } = await signInAt({ printer: 'lobby' });
    t.clock.advance(t.config.session.idleSeconds * 1000 + 1);
    const res = await agent.get('/browse');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/?signin=expired&printer=lobby');
    expect(t.signIn.revoked).toEqual([token]);
    const start = await agent.get(res.headers.location as string);
    expect(start.text).toContain('Lobby printer');
    expect(start.text).toContain('data-printer="lobby"');
  });

  it('an expired session noticed by an API call is 401, and the page it came from knows the printer', async () => {
    const { agent } = await signInAt({ printer: 'lobby' });
    t.clock.advance(t.config.session.idleSeconds * 1000 + 1);
    expect((await agent.get('/api/session')).status).toBe(401);
    // A later visit with no printer in the URL still lands on a plain start page (nothing is kept).
    expect((await agent.get('/browse')).headers.location).toBe('/');
  });

  it('a failed sign-in returns to the start page of the printer it began at', async () => {
    const agent = request.agent(t.app);
    await agent.get('/auth/google?printer=lobby');
    const cb = await agent.get('/auth/google/callback?code=x&state=forged');
    expect(cb.headers.location).toBe('/?signin=failed&printer=lobby');
  });

  it('/admin while signed out goes through sign-in and back to /admin', async () => {
    const agent = request.agent(t.app);
    const first = await agent.get('/admin');
    expect(first.status).toBe(302);
    const to = new URL(first.headers.location as string, 'http://panel');
    expect(to.pathname).toBe('/auth/google');
    expect(to.searchParams.get('next')).toBe('/admin');
    const start = await agent.get(first.headers.location as string);
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    t.drive.addUser('tok-admin', { email: 'admin@example.com', name: 'Admin' });
    const cb = await agent.get(`/auth/google/callback?code=${t.signIn.approve('tok-admin')}&state=${state}`);
    expect(cb.status).toBe(302);
    expect(cb.headers.location).toBe('/admin');
    const admin = await agent.get('/admin');
    expect(admin.status).toBe(200);
  });

  it.each([
    '//evil.example',
    'https://evil.example/',
    '/\\evil',
    '/\\\\evil.example',
    '/%2F%2Fevil.example',
    '/admin/../../evil',
    'javascript:alert(1)',
    '/admin?x=https://evil.example',
    '',
  ])('a return path that is not one of the connector’s own (%j) is ignored', async (next) => {
    const { landed } = await signInAt({ next });
    expect(landed).toBe('/');
  });

  it('returnPath keeps only the connector’s own screens; startPage builds the printer’s start page', () => {
    expect(returnPath('/admin')).toBe('/admin');
    expect(returnPath('/scan')).toBe('/scan');
    expect(returnPath('/jobs/0b7c6f0e-1c1a-4c55-9f3e-2f1f0d7c9a10')).toBe(
      '/jobs/0b7c6f0e-1c1a-4c55-9f3e-2f1f0d7c9a10',
    );
    for (const bad of ['//evil.example', '/\\evil', 'https://evil.example/', '/admin\n', 'admin', null, 42])
      expect(returnPath(bad)).toBeUndefined();
    expect(startPage()).toBe('/');
    expect(startPage({ printerId: 'demo' })).toBe('/?printer=demo');
    expect(startPage({ printerId: 'x"><script>', notice: 'expired' })).toBe('/?signin=expired');
  });

  it('access_denied at the callback shows the refusal page with a way back (no 500)', async () => {
    const agent = request.agent(t.app);
    const start = await agent.get('/auth/google?printer=lobby');
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    const res = await agent.get(`/auth/google/callback?error=access_denied&state=${state}`);
    expect(res.status).toBe(403);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('Sign-in was not allowed');
    expect(res.text).toContain('Google did not let this connector use your account');
    expect(res.text).toMatch(/id="error-back" href="\/\?printer=lobby"/);
    expect((await agent.get('/api/session')).status).toBe(401);
    // Without a started sign-in it is the same page, not an error of ours.
    const bare = await request(t.app).get('/auth/google/callback?error=access_denied');
    expect(bare.status).toBe(403);
    expect(bare.text).toMatch(/id="error-back" href="\/"/);
  });

  it('the refusal page is in Dutch and Swedish too', async () => {
    const nl = await request(t.app).get('/auth/google/callback?error=access_denied&lang=nl');
    expect(nl.text).toContain('Inloggen is niet toegestaan');
    const sv = await request(t.app).get('/auth/google/callback?error=access_denied&lang=sv');
    expect(sv.text).toContain('Inloggningen tilläts inte');
  });

  it('a 404 page has a way back: to the files when signed in, to the start page when signed out', async () => {
    const signedOut = await request(t.app).get('/no-such-page?printer=lobby').set('Accept', 'text/html');
    expect(signedOut.status).toBe(404);
    expect(signedOut.text).toContain('Page not found');
    expect(signedOut.text).toMatch(/id="error-back" href="\/\?printer=lobby"/);
    const { agent } = await signInAt({ printer: 'lobby' });
    const signedIn = await agent.get('/no-such-page');
    expect(signedIn.status).toBe(404);
    expect(signedIn.text).toMatch(/id="error-back" href="\/browse"/);
  });

  it.each([
    ['printer_unreachable', 'A problem with the printer', '/browse'],
    ['scanner_jam', 'A problem with the scanner', '/scan'],
  ])('a %s page says what happened and has a way back', async (code, title, back) => {
    const app = express();
    app.use(
      renderer({
        viewsDir: VIEWS_DIR,
        catalogs: loadCatalogs(VIEWS_DIR),
        idleSeconds: 300,
        retentionDays: 90,
      }),
    );
    app.use((req, _res, next) => {
      // Signed in, as these problems happen to a person who is printing or scanning.
      (req as unknown as { session: object }).session = {
        user: { email: 'a@x', name: 'A', key: 'k', isAdmin: false },
      };
      next();
    });
    app.get('/boom', () => {
      throw new UpstreamError(code, 'upstream words that must not be shown');
    });
    app.use(errorHandler({ onUnexpected: () => undefined }));
    const res = await request(app).get('/boom');
    expect(res.status).toBe(502);
    expect(res.text).toContain(title);
    expect(res.text).not.toContain('upstream words');
    expect(res.text).toContain(`id="error-back" href="${back}"`);
  });

  it('the privacy notice has a back button to the start page of the printer', async () => {
    const res = await request(t.app).get('/privacy?printer=lobby');
    expect(res.text).toMatch(/id="privacy-back" href="\/\?printer=lobby"/);
    const { agent } = await signInAt({ printer: 'lobby' });
    expect((await agent.get('/privacy')).text).toMatch(/id="privacy-back" href="\/browse"/);
  });
});
