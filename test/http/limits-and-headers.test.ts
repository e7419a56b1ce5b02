import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/adapters/logger.js';
import { createApp } from '../../src/app.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

describe('rate limits, security headers, cookies and logs', () => {
  let t: App | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers 429 in the contract shape when a limit is reached', async () => {
    t = await httpApp({ rateLimits: { signInPerMinute: 3, apiPerMinute: 1000, uploadsPerMinute: 2 } });
    const app = t.app;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(app).get('/auth/google')).status);
    expect(statuses).toEqual([302, 302, 302, 429]);
    // A browser navigation gets the error page; an API or device call gets the contract's JSON.
    expect((await request(app).get('/auth/google')).text).toContain('Too many requests');
    const link = `/scan-upload/${'A'.repeat(43)}`;
    await request(app).post(link);
    await request(app).post(link);
    const limited = await request(app).post(link);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
  });

  it('a Drive failure is a 502 with a cause, never the upstream message', async () => {
    t = await httpApp();
    const { agent } = await t.signInAs('alice@example.com');
    t.drive.failList = new UpstreamError(
      'drive_unavailable',
      'Google Drive did not answer. Try again in a minute.',
      {
        retryable: true,
        cause: 'backendError: internal detail',
      },
    );
    const res = await agent.get('/api/files');
    expect(res.status).toBe(502);
    expect(res.body).toEqual({
      error: { code: 'drive_unavailable', message: 'Google Drive did not answer. Try again in a minute.' },
    });
    expect(JSON.stringify(res.body)).not.toContain('internal detail');
  });

  it('sets a strict CSP, no-referrer and no third-party origins on pages', async () => {
    t = await httpApp();
    const res = await request(t.app).get('/');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('behind TLS the one cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    t = await httpApp({ extraEnv: { PUBLIC_URL: 'https://print.example.com', TRUST_PROXY: '1' } });
    const res = await request(t.app).get('/auth/google').set('X-Forwarded-Proto', 'https');
    const cookies = res.headers['set-cookie'] as unknown as string[];
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^__Host-drive-connector=/);
    for (const flag of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']) expect(cookies[0]).toContain(flag);
    expect(cookies[0]).not.toMatch(/Domain=/i);
    expect(res.headers['strict-transport-security']).toBeTruthy();
  });

  it('signed-in pages and API answers are not cached', async () => {
    t = await httpApp();
    const { agent } = await t.signInAs('alice@example.com');
    for (const path of ['/browse', '/scan', '/api/session', '/api/files']) {
      const res = await agent.get(path);
      expect(res.headers['cache-control'], path).toContain('no-store');
    }
  });

  it('never logs a query string, a code, a state, a cookie or a token', async () => {
    t = await httpApp();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    const app = createApp({ ...t.services.deps, logger });
    await request(app).get('/auth/google/callback?code=4/0secret-code-value&state=secret-state-value');
    await request(app).get('/api/files?q=private+search').set('Cookie', 'drive-connector=s%3Asecret-session');
    await request(app).post(`/scan-upload/${'B'.repeat(43)}`);
    logger.info({ token: 'ya29.should-not-appear', headers: { authorization: 'Bearer abc' } }, 'probe');
    const text = lines.join('');
    expect(text).toContain('"path":"/auth/google/callback"');
    expect(text).toContain('/scan-upload/[ticket]');
    for (const secret of [
      'secret-code-value',
      'secret-state-value',
      'private',
      'secret-session',
      'ya29.should',
      'Bearer abc',
      'B'.repeat(43),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toMatch(/"requestId":"[0-9a-f-]{36}"/);
  });
});
