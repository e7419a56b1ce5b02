import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { testEnv } from '../support/test-env.js';

describe('loadConfig', () => {
  const envs: Array<{ cleanup: () => Promise<void> }> = [];
  afterEach(async () => {
    for (const e of envs.splice(0)) await e.cleanup();
  });
  const make = (extra: Record<string, string> = {}, printers?: unknown) => {
    const e = testEnv({ extra, ...(printers ? { printers: printers as never } : {}) });
    envs.push(e);
    return e.env;
  };

  it('builds a frozen config with defaults', () => {
    const c = loadConfig(make({ PORT: '', SESSION_IDLE_SECONDS: '' }));
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.session).toMatchObject({ store: 'memory', idleSeconds: 300, maxSeconds: 3600 });
    expect(c.google.redirectUri).toBe('http://127.0.0.1:3000/auth/google/callback');
    expect(c.secure).toBe(false);
    expect(c.scan.maxBytes).toBe(500 * 1024 * 1024);
    expect(Object.isFrozen(c.session)).toBe(true);
    expect(c.adminEmails).toEqual(['admin@example.com']);
  });

  it('names every problem at once', () => {
    const env = make({ SESSION_SECRET: 'short', SESSION_STORE: 'disk', PUBLIC_URL: 'ftp://x' });
    delete env.GOOGLE_CLIENT_ID;
    delete env.TEMP_DIR;
    try {
      loadConfig(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      for (const name of ['SESSION_SECRET', 'SESSION_STORE', 'PUBLIC_URL', 'GOOGLE_CLIENT_ID', 'TEMP_DIR']) {
        expect(text).toContain(name);
      }
    }
  });

  it('requires REDIS_URL with the redis store, and idle <= max', () => {
    expect(() => loadConfig(make({ SESSION_STORE: 'redis' }))).toThrow(/REDIS_URL/);
    expect(() => loadConfig(make({ SESSION_IDLE_SECONDS: '4000', SESSION_MAX_SECONDS: '3600' }))).toThrow(
      /SESSION_IDLE_SECONDS/,
    );
  });

  it('checks the printers file', () => {
    expect(() => loadConfig(make({}, [{ id: 'a b', name: 'x', uri: 'lpd://x' }]))).toThrow(
      /PRINTERS.*id[\s\S]*uri/,
    );
    expect(() =>
      loadConfig(
        make({}, [
          { id: 'a', name: 'A', uri: 'ipp://h/ipp/print' },
          { id: 'a', name: 'B', uri: 'ipp://h/ipp/print' },
        ]),
      ),
    ).toThrow(/listed twice/);
    expect(() => loadConfig(make({ PRINTERS: '/nonexistent/printers.json' }))).toThrow(/file not found/);
  });

  it('marks https public URLs secure', () => {
    const c = loadConfig(make({ PUBLIC_URL: 'https://print.example.com/' }));
    expect(c.secure).toBe(true);
    expect(c.google.redirectUri).toBe('https://print.example.com/auth/google/callback');
  });

  it.each([
    ['1', 1],
    ['true', true],
    ['loopback', 'loopback'],
    ['', null],
  ])('reads TRUST_PROXY=%j as %j', (value, expected) => {
    expect(loadConfig(make({ TRUST_PROXY: value })).trustProxy).toBe(expected);
  });

  it('reads SIGN_OUT_AFTER_JOB_SECONDS: 30 by default, 0 turns it off, nonsense is a problem', () => {
    expect(loadConfig(make()).session.signOutAfterJobSeconds).toBe(30);
    expect(loadConfig(make({ SIGN_OUT_AFTER_JOB_SECONDS: '' })).session.signOutAfterJobSeconds).toBe(30);
    expect(loadConfig(make({ SIGN_OUT_AFTER_JOB_SECONDS: '0' })).session.signOutAfterJobSeconds).toBe(0);
    expect(loadConfig(make({ SIGN_OUT_AFTER_JOB_SECONDS: '3' })).session.signOutAfterJobSeconds).toBe(3);
    for (const bad of ['-1', '2.5', 'soon', '3601'])
      expect(() => loadConfig(make({ SIGN_OUT_AFTER_JOB_SECONDS: bad }))).toThrow(
        /SIGN_OUT_AFTER_JOB_SECONDS/,
      );
  });
});
