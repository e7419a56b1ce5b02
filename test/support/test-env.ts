import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PrinterConfig } from '../../src/domain/ports.js';

/** A throwaway directory with a printers file, a temp dir and an audit log path. */
export function testEnv(options: { printers?: PrinterConfig[]; extra?: Record<string, string> } = {}): {
  env: Record<string, string>;
  dir: string;
  cleanup: () => Promise<void>;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dpc-test-'));
  const printersFile = path.join(dir, 'printers.json');
  writeFileSync(
    printersFile,
    JSON.stringify(
      options.printers ?? [
        {
          id: 'floor2',
          name: 'Floor 2 MFP',
          uri: 'ipp://127.0.0.1:1/ipp/print',
          escl: 'http://127.0.0.1:1/eSCL',
        },
        { id: 'lobby', name: 'Lobby printer', uri: 'ipp://127.0.0.1:2/ipp/print' },
      ],
    ),
  );
  const env: Record<string, string> = {
    PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'test-client-secret-not-real',
    SESSION_SECRET: 'x'.repeat(40),
    PRINTERS: printersFile,
    TEMP_DIR: path.join(dir, 'tmp'),
    AUDIT_LOG: path.join(dir, 'audit', 'audit.log'),
    ADMIN_EMAILS: 'admin@example.com',
    LOG_LEVEL: 'silent',
    ...options.extra,
  };
  return { env, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
