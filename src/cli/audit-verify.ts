// `npm run audit:verify`: checks the audit log's hash chain. Needs only AUDIT_LOG, so it runs
// where the full server configuration is not at hand (an auditor's copy of the log).
// Exit 0: intact; 1: broken, naming the first broken line; 2: could not check.

import path from 'node:path';
import { verifyAuditLog } from '../adapters/audit-verify.js';

async function main(): Promise<number> {
  const file = process.env.AUDIT_LOG;
  if (!file) {
    console.error(
      'AUDIT_LOG is not set: give the path of the audit log, e.g. AUDIT_LOG=/var/lib/dpc/audit.log',
    );
    return 2;
  }
  try {
    const result = await verifyAuditLog(path.resolve(file));
    if (result.ok) {
      console.log(`intact: ${result.lines} lines in ${result.files} file(s)`);
      return 0;
    }
    console.log(`broken: ${result.file}:${result.line}: ${result.reason}`);
    return 1;
  } catch (err) {
    console.error(`could not check the audit log: ${(err as Error).message}`);
    return 2;
  }
}

process.exitCode = await main();
