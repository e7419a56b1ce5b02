import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

describe('sign-in and sign-out', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
  });
  afterEach(async () => t.close());

  it('GET /auth/google redirects to Google with state and PKCE S256, online access only', async () => {
    const res = await request(t.app).get('/auth/google');
    expect(res.status).toBe(302);
    const url = new URL(res.headers.location as string);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(url.searchParams.get('code_challenge')).toBeTruthy();
    expect(url.searchParams.get('access_type')).toBe('online');
    expect(res.headers['set-cookie']?.[0]).toMatch(/HttpOnly/);
    expect(res.headers['set-cookie']?.[0]).toMatch(/SameSite=Lax/);
  });

  it('signs in through the callback with a new session id', async () => {
    const agent = request.agent(t.app);
    const start = await agent.get('/auth/google');
    const before = (start.headers['set-cookie']?.[0] ?? '').split(';')[0];
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    t.drive.addUser('tok-1', { email: 'alice@example.com', name: 'Alice' });
    const cb = await agent.get(`/auth/google/callback?code=${t.signIn.approve('tok-1')}&state=${state}`);
    expect(cb.status).toBe(302);
    expect(cb.headers.location).toBe('/');
    const after = (cb.headers['set-cookie']?.[0] ?? '').split(';')[0];
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    const s = await agent.get('/api/session');
    expect(s.status).toBe(200);
    expect(s.body.user).toEqual({ email: 'alice@example.com', name: 'Alice' });
    expect(s.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(JSON.stringify(s.body)).not.toContain('tok-1');
  });

  it('a forged state signs nobody in', async () => {
    const agent = request.agent(t.app);
    await agent.get('/auth/google');
    t.drive.addUser('tok-2', { email: 'mallory@example.com', name: 'M' });
    const cb = await agent.get(`/auth/google/callback?code=${t.signIn.approve('tok-2')}&state=forged`);
    expect(cb.headers.location).toBe('/?signin=failed');
    expect((await agent.get('/api/session')).status).toBe(401);
  });

  it('a callback without a started sign-in signs nobody in', async () => {
    const cb = await request(t.app).get('/auth/google/callback?code=abc&state=abc');
    expect(cb.status).toBe(302);
    expect(cb.headers.location).toBe('/?signin=failed');
  });

  it('a replayed code fails', async () => {
    const agent = request.agent(t.app);
    const start = await agent.get('/auth/google');
    const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
    t.drive.addUser('tok-3', { email: 'alice@example.com', name: 'Alice' });
    const code = t.signIn.approve('tok-3');
    await agent.get(`/auth/google/callback?code=${code}&state=${state}`);
    const other = request.agent(t.app);
    const start2 = await other.get('/auth/google');
    const state2 = new URL(start2.headers.location as string).searchParams.get('state') ?? '';
    const replay = await other.get(`/auth/google/callback?code=${code}&state=${state2}`);
    expect(replay.headers.location).toBe('/?signin=failed');
    expect((await other.get('/api/session')).status).toBe(401);
  });

  it('GET /api/session is 401 with the contract error shape when signed out', async () => {
    const res = await request(t.app).get('/api/session');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'not_signed_in', message: expect.any(String) } });
  });

  it('a POST without X-CSRF-Token is 403, with a wrong one too', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const none = await agent.post('/api/print').send({ fileId: 'x', printerId: 'floor2' });
    expect(none.status).toBe(403);
    expect(none.body.error.code).toBe('csrf');
    const wrong = await agent.post('/auth/signout').set('X-CSRF-Token', 'nope');
    expect(wrong.status).toBe(403);
    expect((await agent.get('/api/session')).status).toBe(200);
  });

  it('sign-out revokes the token, ends the session and clears the cookie', async () => {
    const { agent, csrf, token } = await t.signInAs('alice@example.com');
    const res = await agent.post('/auth/signout').set('X-CSRF-Token', csrf);
    expect(res.status).toBe(200);
    expect(res.headers['clear-site-data']).toContain('cookies');
    expect(res.headers['set-cookie']?.[0]).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(t.signIn.revoked).toEqual([token]);
    expect((await agent.get('/api/session')).status).toBe(401);
    const log = await import('node:fs/promises').then((fs) => fs.readFile(t.config.audit.logPath, 'utf8'));
    expect(log).toContain('"event":"signin"');
    expect(log).toContain('"event":"signout"');
    expect(log).not.toContain('alice@example.com');
    expect(log).not.toContain(token);
  });

  it('an idle session ends on the next request and its token is revoked once', async () => {
    const { agent, token } = await t.signInAs('alice@example.com');
    t.clock.advance(t.config.session.idleSeconds * 1000 + 1);
    expect((await agent.get('/api/session')).status).toBe(401);
    expect((await agent.get('/api/session')).status).toBe(401);
    expect(t.signIn.revoked).toEqual([token]);
  });

  it('the reaper ends an expired session with no request and revokes its token', async () => {
    const { agent, token } = await t.signInAs('alice@example.com');
    t.clock.advance(t.config.session.maxSeconds * 1000 + 1);
    expect(await t.services.deps.lifecycle.reap()).toBe(1);
    expect(t.signIn.revoked).toEqual([token]);
    expect((await agent.get('/api/session')).status).toBe(401);
    expect(t.signIn.revoked).toEqual([token]);
  });
});
