import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm ci` (the first set-up command) refuses a lock that lacks any optional dependency; the
// registry mirror here lacks some platform packages, so `npm run lock:complete` must run after
// `npm install` changes the lock. This test says so before CI does.
describe('package-lock.json', () => {
  it('lists every optional platform dependency, so `npm ci` accepts it', () => {
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        if (!lock.packages[`node_modules/${dep}`] && !lock.packages[`${path}/node_modules/${dep}`])
          missing.push(dep);
      }
    }
    expect(missing, 'run `npm run lock:complete`').toEqual([]);
  });
});
