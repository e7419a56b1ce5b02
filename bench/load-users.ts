// The people of the load section: one Google account per simulated panel, because the connector limits
// API calls per person (600 a minute, src/http/middleware/rate-limits.ts) and sign-ins per address.

import type { DoubleUser, GoogleDouble } from '../src/dev/google-double/index.js';
import { FOLDER_MIME, rootIdOf } from '../src/dev/google-double/index.js';
import { PanelClient } from '../test/support/browser-less-client.js';

export function benchUsers(count: number): DoubleUser[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(200000000000000000000n + BigInt(i)),
    email: `reader${i + 1}@example.com`,
    name: `Reader ${i + 1}`,
  }));
}

/**
 * A small My Drive (5 folders, 15 documents): the double's files.list gets slower with every file it
 * holds, and its time is subtracted, so it is kept small.
 */
export function furnishDrive(google: GoogleDouble, email: string): void {
  const root = rootIdOf(email);
  for (let i = 1; i <= 5; i++) {
    google.addFile({
      name: `Folder ${i}`,
      mimeType: FOLDER_MIME,
      parents: [root],
      ownedBy: [email],
    });
  }
  for (let i = 1; i <= 15; i++) {
    google.addFile({
      name: `Document ${String(i).padStart(2, '0')}.pdf`,
      mimeType: 'application/pdf',
      parents: [root],
      ownedBy: [email],
      content: Buffer.from(`%PDF-1.4\n% ${email} ${i}\n%%EOF\n`),
    });
  }
}

/**
 * Signs `email` in to the connector as a panel at `address` (sent as X-Forwarded-For; the connector runs
 * with TRUST_PROXY=loopback), so fifty panels are fifty addresses for the per-address sign-in limit.
 */
export async function signInFrom(
  connectorUrl: string,
  google: GoogleDouble,
  email: string,
  address: string,
): Promise<PanelClient> {
  const client = new PanelClient(connectorUrl);
  const headers = { 'x-forwarded-for': address };
  google.setAutoApprove(email);
  try {
    const start = await client.fetch('/auth/google', { headers });
    const consent = await client.fetch(start.headers.get('location') as string);
    const done = await client.fetch(consent.headers.get('location') as string, { headers });
    if (done.headers.get('location') !== '/')
      throw new Error(`sign-in of ${email} did not complete (${done.status})`);
    const session = (await client.json('/api/session')) as { csrfToken: string };
    client.csrf = session.csrfToken;
    return client;
  } finally {
    google.setAutoApprove('alice@example.com');
  }
}
