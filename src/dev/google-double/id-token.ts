// OpenID Connect id_token, returned when the scope includes openid. Signed RS256 with a key made at
// first use; its public half is served as a JWKS so a client can verify it like Google's.

import { createSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import type { DoubleUser } from './types.js';

export class IdTokenSigner {
  private keys?: { privateKey: KeyObject; publicKey: KeyObject; kid: string };

  constructor(private readonly issuer: () => string) {}

  sign(user: DoubleUser, clientId: string, ttlSeconds: number, nonce?: string): string {
    const { privateKey, kid } = this.keyPair();
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', kid, typ: 'JWT' };
    const payload = {
      iss: this.issuer(),
      azp: clientId,
      aud: clientId,
      sub: user.id,
      email: user.email,
      email_verified: true,
      name: user.name,
      at_hash: randomBytes(16).toString('base64url'),
      iat: now,
      exp: now + ttlSeconds,
      ...(nonce ? { nonce } : {}),
    };
    const unsigned = `${b64(header)}.${b64(payload)}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
    return `${unsigned}.${signature}`;
  }

  jwks(): { keys: object[] } {
    const { publicKey, kid } = this.keyPair();
    return { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
  }

  private keyPair(): { privateKey: KeyObject; publicKey: KeyObject; kid: string } {
    // Generated lazily: most test runs never ask for openid and RSA key generation costs ~100 ms.
    if (!this.keys) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.keys = { ...pair, kid: randomBytes(20).toString('hex') };
    }
    return this.keys;
  }
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
