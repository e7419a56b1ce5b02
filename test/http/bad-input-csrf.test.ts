import type { Express } from 'express';
import type request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route the app answers, read from Express's own router stack (routers included). */
function routesOf(app: Express): Array<{ method: string; path: string }> {
  const found = new Map<string, { method: string; path: string }>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          const key = `${method.toUpperCase()} ${layer.route.path}`;
          found.set(key, { method: method.toUpperCase(), path: layer.route.path });
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...found.values()];
}

/** A well-formed value for each path parameter, so the request reaches the CSRF check as a real one would. */
const SAMPLE: Record<string, string> = {
  capability: 'A'.repeat(43),
  jobId: '0b7c6f0e-1c1a-4c55-9f3e-2f1f0d7c9a10',
  scanJobId: '0b7c6f0e-1c1a-4c55-9f3e-2f1f0d7c9a10',
  ticketId: 'a'.repeat(64),
  handle: 'a'.repeat(24),
  id: 'x',
  fileId: 'pdf1',
  printerId: 'floor2',
};

function concrete(path: string): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = SAMPLE[name];
    if (!value) throw new Error(`add a sample value for :${name} (${path}) to this test`);
    return value;
  });
}

/**
 * State-changing routes that do not use the session cookie, so a cross-site request has nothing to
 * ride on: a scanning device posts to its single-use ticket link (256 random bits in the path,
 * known only to the panel that asked for it), without any cookie. The upload goes to the folder the
 * ticket names, never to the caller's session, so a forged request needs the secret link itself.
 */
const NO_CSRF: Record<string, string> = {
  'POST /scan-upload/:capability': 'device upload, authorised by its single-use capability',
  'POST /scan-upload/:capability/finish': 'device finish, authorised by the same capability',
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe('bad input: CSRF on every state-changing route', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({ id: 'scans', name: 'Scans', mimeType: FOLDER_MIME });
    t.drive.addFile({
      id: 'pdf1',
      name: 'Plan.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4'),
    });
  });
  afterEach(async () => t.close());

  const stateChanging = () =>
    routesOf(t.app).filter((r) => STATE_CHANGING.has(r.method) && !(`${r.method} ${r.path}` in NO_CSRF));

  it('finds the routes (the table is read from the app, not written by hand)', () => {
    const all = routesOf(t.app).map((r) => `${r.method} ${r.path}`);
    for (const known of ['POST /api/print', 'POST /auth/signout', 'POST /api/scans', ...Object.keys(NO_CSRF)])
      expect(all).toContain(known);
    expect(stateChanging().length).toBeGreaterThanOrEqual(12);
  });

  it('every listed exception still exists (a stale exception would hide nothing, but says something false)', () => {
    const all = new Set(routesOf(t.app).map((r) => `${r.method} ${r.path}`));
    for (const exception of Object.keys(NO_CSRF)) expect(all.has(exception), exception).toBe(true);
  });

  it('a signed-in request without X-CSRF-Token, with a wrong one, with another session’s, or with the token in the body or query is 403 csrf on every route, and changes nothing', async () => {
    const { agent, csrf } = await t.signInAs('alice@example.com');
    const other = await t.signInAs('bob@example.com');
    const before = await agent.get('/api/session');
    const attempts: Array<[string, (r: request.Test) => request.Test]> = [
      ['no token', (r) => r],
      ['empty token', (r) => r.set('X-CSRF-Token', '')],
      ['wrong token', (r) => r.set('X-CSRF-Token', 'x'.repeat(43))],
      ['a prefix of the token', (r) => r.set('X-CSRF-Token', csrf.slice(0, 20))],
      ['another session’s token', (r) => r.set('X-CSRF-Token', other.csrf)],
      ['token in the body', (r) => r.send({ csrfToken: csrf, _csrf: csrf })],
    ];
    const routes = stateChanging();
    for (const route of routes) {
      for (const [what, attempt] of attempts) {
        const path = concrete(route.path);
        const withQuery = what === 'token in the body' ? `${path}?_csrf=${csrf}&csrfToken=${csrf}` : path;
        const res = await attempt(agent[route.method.toLowerCase() as 'post'](withQuery));
        expect(res.status, `${route.method} ${route.path} (${what})`).toBe(403);
        expect(res.body, `${route.method} ${route.path} (${what})`).toEqual({
          error: { code: 'csrf', message: expect.any(String) },
        });
      }
    }
    // Nothing happened: still signed in with the same session and token, no job, no upload, no scan.
    expect((await agent.get('/api/session')).body).toEqual(before.body);
    expect(t.signIn.revoked).toEqual([]);
    expect(t.printer.received).toHaveLength(0);
    expect(t.drive.uploads).toHaveLength(0);
    expect(t.scanner.started).toHaveLength(0);
  });

  it('a cross-site form post (urlencoded, no header) to the API is refused the same way', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const res = await agent
      .post('/api/print')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send('fileId=pdf1&printerId=floor2');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf');
    expect(t.printer.received).toHaveLength(0);
  });

  it('the device routes need no cookie and ignore one: a session cookie gives no way in without the link', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    for (const key of Object.keys(NO_CSRF)) {
      const path = key.split(' ')[1] as string;
      const res = await agent.post(concrete(path));
      // Not 403 csrf: judged by the capability, which is unknown here.
      expect(res.status, key).toBe(404);
      expect(res.body.error.code, key).not.toBe('csrf');
    }
    expect(t.drive.uploads).toHaveLength(0);
  });
});
