#!/usr/bin/env node
// The npm registry mirror this project is built against lacks some platform-specific optional
// packages (e.g. @rollup/rollup-android-arm64, @biomejs/cli-android-arm64). `npm install` then
// leaves them out of package-lock.json, and `npm ci` refuses the lock ("Missing ... from lock
// file"). This adds the missing optional entries, with the os/cpu their names state, exactly as
// npm records them on a full registry; npm ci skips them on other platforms without fetching.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'sunos', 'aix', 'netbsd'];
const CPU = { 'arm-eabi': 'arm', arm: 'arm', arm64: 'arm64', x64: 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', 'arm-gnueabihf': 'arm', 'arm-musleabihf': 'arm' };

function platformOf(name) {
  const base = name.split('/').pop();
  const parts = base.split('-');
  const os = parts.find((p) => OS.includes(p));
  const rest = base.slice(base.indexOf(os) + os.length + 1);
  const key = Object.keys(CPU)
    .sort((a, b) => b.length - a.length)
    .find((k) => rest === k || rest.startsWith(`${k}-`));
  const libc = /musl/.test(rest) ? ['musl'] : /gnu/.test(rest) && os === 'linux' ? ['glibc'] : undefined;
  return os && key ? { os: [os], cpu: [CPU[key]], ...(libc ? { libc } : {}) } : null;
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key] || packages[`${path}/node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    packages[key] = {
      version: range.replace(/^[\^~=]/, ''),
      ...platform,
      ...(entry.dev ? { dev: true } : {}),
      license: entry.license,
      optional: true,
    };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
