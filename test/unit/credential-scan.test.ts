import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesGcmTokenSealer } from '../../src/adapters/token-sealer.js';
import { type CredentialKind, findCredentials, maskCredentials } from '../../src/domain/credential-scan.js';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');
const jwt = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${b64(120)}.${b64(256)}`;

const SECRETS: Array<[CredentialKind, string]> = [
  ['google_access_token', `ya29.a0AfB_${b64(150)}`],
  ['google_refresh_token', `1//0g${b64(90)}`],
  ['google_client_secret', 'GOCSPX-Ab3dEf6hIj9kLm2nOp5qRs8tUv'],
  ['authorization_code', `4/0AeaYSH${b64(60)}`],
  ['jwt', jwt],
  ['bearer', `Bearer ${b64(40)}`],
  ['bearer', `authorization: bearer   ${b64(30)}==`],
  ['private_key', '-----BEGIN RSA PRIVATE KEY-----'],
  ['private_key', '-----BEGIN PRIVATE KEY-----'],
  ['configured_secret', 'the-session-secret-of-this-deployment-1234'],
];

describe('findCredentials', () => {
  it.each(SECRETS)('finds a %s inside ordinary text', (kind, secret) => {
    const text = `{"level":30,"msg":"request done","note":"${secret}","ms":12}`;
    const findings = findCredentials(text, { extraSecrets: ['the-session-secret-of-this-deployment-1234'] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind,
      offset: text.indexOf(secret.startsWith('authorization') ? 'bearer' : secret),
    });
  });

  it.each(SECRETS.filter(([kind]) => kind !== 'private_key'))('masks a %s in its preview', (kind, secret) => {
    const [finding] = findCredentials(secret, {
      extraSecrets: ['the-session-secret-of-this-deployment-1234'],
    });
    expect(finding?.kind).toBe(kind);
    const preview = finding?.preview ?? '';
    expect(preview.endsWith('…')).toBe(true);
    expect(preview.length).toBeLessThanOrEqual(12);
    expect(secret).not.toContain(preview);
    expect(secret.startsWith(preview.slice(0, -1)) || kind === 'bearer').toBe(true);
  });

  it('reports the specific kind once when a bearer header carries a Google token or a JWT', () => {
    const token = `ya29.${b64(100)}`;
    expect(findCredentials(`Authorization: Bearer ${token}`).map((f) => f.kind)).toEqual([
      'google_access_token',
    ]);
    expect(findCredentials(`Authorization: Bearer ${jwt}`).map((f) => f.kind)).toEqual(['jwt']);
  });

  it('finds every occurrence, in order', () => {
    const a = `ya29.${b64(60)}`;
    const text = `first ${a} then GOCSPX-${b64(24)} and ${a} again`;
    expect(findCredentials(text).map((f) => [f.kind, f.offset])).toEqual([
      ['google_access_token', 6],
      ['google_client_secret', text.indexOf('GOCSPX-')],
      ['google_access_token', text.lastIndexOf('ya29.')],
    ]);
  });

  const ORDINARY: Array<[string, string]> = [
    [
      'a log line',
      '{"level":30,"time":"2026-11-22T09:00:00.000Z","msg":"print job ended","state":"completed"}',
    ],
    [
      'an audit record',
      `{"time":"2026-11-22T09:00:00.000Z","event":"signin","userId":"${b64(16)}","prev":"${'0'.repeat(64)}"}`,
    ],
    ['a UUID', randomUUID()],
    ['a sha256', createHash('sha256').update('x').digest('hex')],
    ['a Drive file id', '1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms'],
    ['a short ya29 mention', 'tokens start with ya29. as a rule'],
    ['a Bearer scheme without a token', 'WWW-Authenticate: Bearer realm="drive"'],
    ['a public key', '-----BEGIN PUBLIC KEY-----'],
    ['a path', '/var/lib/drive-print-connector/tmp/print-0b9c8f6e-1c1e-4a0e-9b9e-2f1d3c4b5a69.tmp'],
  ];

  it.each(ORDINARY)('finds nothing in %s', (_name, text) => {
    expect(findCredentials(text, { extraSecrets: ['a-configured-secret-value'] })).toEqual([]);
  });

  it('never mistakes a sealed token for a credential', () => {
    const sealer = new AesGcmTokenSealer('s'.repeat(40));
    for (let i = 0; i < 200; i++) {
      const sealed = sealer.seal(`ya29.${b64(120)}`);
      expect(findCredentials(`{"token":"${sealed}"}`)).toEqual([]);
    }
  });

  it('ignores configured secrets too short to mean anything', () => {
    expect(findCredentials('the word secret', { extraSecrets: ['secret', ''] })).toEqual([]);
  });
});

describe('maskCredentials', () => {
  it('replaces each credential by its preview and keeps the rest', () => {
    const token = `ya29.${b64(80)}`;
    const masked = maskCredentials(`dpc:sess:${token}:x`);
    expect(masked).toBe(`dpc:sess:${token.slice(0, 6)}…:x`);
    expect(maskCredentials('nothing here')).toBe('nothing here');
  });
});
