import { readFile } from 'node:fs/promises';
import type { SessionData } from 'express-session';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loggablePath } from '../../src/http/middleware/request-log.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

/** A signed-out panel that shows a pairing for its printer. */
async function panelWithPairing(t: App, printer = 'floor2') {
  const panel = request.agent(t.app) as TestAgent;
  await panel.get(`/?printer=${printer}`).expect(200);
  const started = await panel.post('/api/pairing').send({ printer }).expect(200);
  const body = started.body as { id: string; code: string; url: string; svg: string; expiresAt: number };
  const capability = body.url.split('/pair/')[1] as string;
  return { panel, ...body, capability };
}

/** A phone that opened the QR link and signed in at Google through the normal callback. */
async function phoneSignedIn(t: App, capability: string, email = 'bob@example.com') {
  const token = `ya29.phone-${email}-${Math.random().toString(36).slice(2)}`;
  t.drive.addUser(token, { email, name: 'Bob' });
  const phone = request.agent(t.app) as TestAgent;
  const page = await phone.get(`/pair/${capability}`).expect(200);
  const link = /href="(\/auth\/google\?next=[^"]+)"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&') ?? '';
  expect(link).toContain(encodeURIComponent(`/pair/${capability}`));
  const start = await phone.get(link).expect(302);
  const state = new URL(start.headers.location as string).searchParams.get('state') ?? '';
  const code = t.signIn.approve(token);
  const cb = await phone.get(`/auth/google/callback?code=${code}&state=${encodeURIComponent(state)}`);
  expect(cb.headers.location).toBe(`/pair/${capability}`);
  const csrf = (await phone.get('/api/session').expect(200)).body.csrfToken as string;
  return { phone, csrf, token };
}

const sessions = (t: App) =>
  new Promise<SessionData[]>((ok, fail) =>
    t.services.deps.sessionStore.all?.((err, all) =>
      err ? fail(err) : ok(Object.values(all ?? {}) as SessionData[]),
    ),
  );

const auditText = (t: App) => readFile(t.config.audit.logPath, 'utf8').catch(() => '');

describe('phone sign-in (pairing)', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('moves the sign-in to the panel; the phone keeps nothing; the token is revoked once, at the panel', async () => {
    const { panel, id, code, svg, capability } = await panelWithPairing(t);
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(code).toMatch(/^[ACDEFHJKMNPQRTUVWXY3479]{6}$/);
    expect(capability).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await panel.get(`/api/pairing/${id}`).expect(200)).body.state).toBe('open');

    const { phone, csrf, token } = await phoneSignedIn(t, capability);
    const page = await phone.get(`/pair/${capability}`).expect(200);
    expect(page.text).toContain('Sign in at Floor 2');
    expect(page.text).toContain(code);
    const confirmed = await phone
      .post(`/pair/${capability}/confirm`)
      .set('X-CSRF-Token', csrf)
      .send({ code })
      .expect(200);
    expect(confirmed.body.status).toBe('paired');
    // The phone's session is gone when it loads the done page: its language travels in the link.
    expect(confirmed.body.next).toMatch(/^\/pair\/done\?(at=[\w-]+&)?lang=(en|nl|sv)$/);
    expect(String(confirmed.headers['set-cookie'])).toMatch(/drive-connector=;.*Expires=Thu, 01 Jan 1970/);

    // The panel is signed in as the phone's account, with its own CSRF token and index entry.
    expect((await panel.get(`/api/pairing/${id}`).expect(200)).body.state).toBe('signed_in');
    const s = await panel.get('/api/session').expect(200);
    expect(s.body.user.email).toBe('bob@example.com');
    expect(s.body.csrfToken).not.toBe(csrf);
    const index = await t.services.deps.admin.sessions();
    expect(index.map((e) => e.userEmail)).toEqual(['bob@example.com']);
    expect(JSON.stringify(index)).not.toContain(token);

    // The phone: no session, no cookie, nothing in the store.
    await phone.get('/api/session').expect(401);
    expect(
      phone.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).length,
    ).toBe(0);
    expect((await sessions(t)).filter((d) => d.user).length).toBe(1);
    expect(t.signIn.revoked).toEqual([]);

    // The panel works with the token and revokes it exactly once when it signs out.
    await panel.get('/api/files?view=mydrive').expect(200);
    await panel.post('/auth/signout').set('X-CSRF-Token', s.body.csrfToken).expect(200);
    await t.services.deps.lifecycle.reap();
    expect(t.signIn.revoked).toEqual([token]);

    const audit = await auditText(t);
    expect(audit).toContain('"pairing.started"');
    expect(audit).toContain('"pairing.confirmed"');
    expect(audit).not.toContain(token);
    expect(audit).not.toContain(capability);
    expect(loggablePath(`/pair/${capability}/confirm`)).toBe('/pair/[pairing]/confirm');
  });

  it('refuses an expired pairing, on the page and at confirmation', async () => {
    const { panel, id, code, capability } = await panelWithPairing(t);
    const { phone, csrf, token } = await phoneSignedIn(t, capability);
    t.clock.advance(2 * 60_000 + 1);
    const page = await phone.get(`/pair/${capability}`).expect(410);
    expect(page.text).toContain('This sign-in code has expired');
    const res = await phone
      .post(`/pair/${capability}/confirm`)
      .set('X-CSRF-Token', csrf)
      .send({ code })
      .expect(410);
    expect(res.body.error.code).toBe('pairing_expired');
    expect((await panel.get(`/api/pairing/${id}`).expect(200)).body.state).toBe('expired');
    await panel.get('/api/session').expect(401);
    // The phone's own sign-in ends the normal way: revoked, and no session left on the phone.
    await phone.get('/api/session').expect(401);
    expect(t.signIn.revoked).toEqual([token]);
    expect(await auditText(t)).toContain('"pairing.expired"');
  });

  it('works once: a second phone with the same link is refused', async () => {
    const { panel, code, capability } = await panelWithPairing(t);
    const first = await phoneSignedIn(t, capability);
    await first.phone
      .post(`/pair/${capability}/confirm`)
      .set('X-CSRF-Token', first.csrf)
      .send({ code })
      .expect(200);
    await panel.get('/api/session').expect(200);
    // The link no longer even shows a page, and a (signed-in) confirmation is refused.
    const page = await request(t.app).get(`/pair/${capability}`).expect(410);
    expect(page.text).toContain('This sign-in code has already been used');
    const second = await phoneSignedIn(t, (await panelWithPairing(t)).capability, 'eve@example.com');
    const res = await second.phone
      .post(`/pair/${capability}/confirm`)
      .set('X-CSRF-Token', second.csrf)
      .send({ code })
      .expect(410);
    expect(res.body.error.code).toBe('pairing_used');
    expect((await panel.get('/api/session').expect(200)).body.user.email).toBe('bob@example.com');
    expect(t.signIn.revoked).toEqual([second.token]);
  });

  it('refuses a confirmation for a different code, and the pairing is then used up', async () => {
    const { panel, id, code, capability } = await panelWithPairing(t);
    const { phone, csrf, token } = await phoneSignedIn(t, capability);
    const wrong = code === 'AAAAAA' ? 'CCCCCC' : 'AAAAAA';
    const res = await phone
      .post(`/pair/${capability}/confirm`)
      .set('X-CSRF-Token', csrf)
      .send({ code: wrong })
      .expect(409);
    expect(res.body.error.code).toBe('pairing_code_mismatch');
    await panel.get('/api/session').expect(401);
    expect((await panel.get(`/api/pairing/${id}`).expect(200)).body.state).toBe('refused');
    await phone.get('/api/session').expect(401);
    expect(t.signIn.revoked).toEqual([token]);
    await request(t.app).get(`/pair/${capability}`).expect(410);
    const audit = await auditText(t);
    expect(audit).toContain('"pairing.refused"');
    expect(audit).toContain('code_mismatch');
  });

  it('is bound to the panel session that showed it', async () => {
    const first = await panelWithPairing(t);
    // Another panel cannot watch it.
    const other = await panelWithPairing(t, 'lobby');
    await other.panel.get(`/api/pairing/${first.id}`).expect(404);
    // A newer code on the same panel replaces the older one.
    const newer = await first.panel.post('/api/pairing').send({ printer: 'floor2' }).expect(200);
    const { phone, csrf } = await phoneSignedIn(t, first.capability);
    const res = await phone
      .post(`/pair/${first.capability}/confirm`)
      .set('X-CSRF-Token', csrf)
      .send({ code: first.code })
      .expect(410);
    expect(res.body.error.code).toBe('pairing_panel_gone');
    await first.panel.get('/api/session').expect(401);
    await other.panel.get('/api/session').expect(401);
    // The panel cannot open its own code; a signed-in session cannot start a pairing.
    const own = await first.panel.get(`/pair/${newer.body.url.split('/pair/')[1]}`).expect(409);
    expect(own.text).toContain('Open this link on your phone');
    await phone.get('/api/session').expect(401);
    const signedIn = await phoneSignedIn(t, other.capability, 'carol@example.com');
    await signedIn.phone.post('/api/pairing').set('X-CSRF-Token', signedIn.csrf).send({}).expect(403);
  });

  it('"Not me" refuses the pairing and signs the phone out', async () => {
    const { panel, capability } = await panelWithPairing(t);
    const { phone, csrf, token } = await phoneSignedIn(t, capability);
    const res = await phone
      .post(`/pair/${capability}/decline`)
      .set('X-CSRF-Token', csrf)
      .send({})
      .expect(200);
    expect(res.body.next).toBe('/pair/refused?reason=not_me');
    await phone.get('/api/session').expect(401);
    await panel.get('/api/session').expect(401);
    expect(t.signIn.revoked).toEqual([token]);
    await request(t.app).get(`/pair/${capability}`).expect(410);
  });

  it('refuses a confirmation without the CSRF token and an unknown link', async () => {
    const { code, capability } = await panelWithPairing(t);
    const { phone } = await phoneSignedIn(t, capability);
    await phone.post(`/pair/${capability}/confirm`).send({ code }).expect(403);
    const unknown = await request(t.app)
      .get(`/pair/${'x'.repeat(43)}`)
      .expect(404);
    expect(unknown.text).toContain('This sign-in link is not known');
    await request(t.app).get('/pair/refused?reason=expired').expect(410);
  });

  it('shows the refusal pages in Dutch and Swedish', async () => {
    const nl = await request(t.app).get('/pair/refused?reason=used&lang=nl').expect(410);
    expect(nl.text).toContain('Deze inlogcode is al gebruikt.');
    const sv = await request(t.app).get('/pair/refused?reason=expired&lang=sv').expect(410);
    expect(sv.text).toContain('Den här inloggningskoden har gått ut.');
  });
});

describe('phone sign-in rate limit', () => {
  it('answers 429 in the contract shape', async () => {
    const t = await httpApp({
      rateLimits: { signInPerMinute: 60, apiPerMinute: 600, uploadsPerMinute: 240, pairingPerMinute: 2 },
    });
    try {
      const panel = request.agent(t.app);
      await panel.post('/api/pairing').send({}).expect(200);
      await panel.post('/api/pairing').send({}).expect(200);
      const res = await panel.post('/api/pairing').send({}).expect(429);
      expect(res.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
      await request(t.app)
        .get(`/pair/${'x'.repeat(43)}`)
        .expect(429);
    } finally {
      await t.close();
    }
  });
});
