// The state every route of one double shares.

import type { Faults } from './faults.js';
import type { IdTokenSigner } from './id-token.js';
import type { DriveStore } from './store.js';
import type { TokenRegistry } from './tokens.js';
import type { DoubleClient, DoubleUser } from './types.js';

export interface DoubleContext {
  readonly store: DriveStore;
  readonly tokens: TokenRegistry;
  readonly faults: Faults;
  readonly idTokens: IdTokenSigner;
  readonly clients: Map<string, DoubleClient>;
  readonly accessTokenTtlSeconds: number;
  /** Secret that makes page tokens opaque and tamper-evident. */
  readonly pageSecret: Buffer;
  baseUrl(): string;
  autoApprove(): string | false;
}

/** The signed-in user a Drive route acts for, set by the bearer middleware. */
export interface Viewer {
  user: DoubleUser;
  email: string;
  scope: string;
}
