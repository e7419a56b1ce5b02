// Recognises things that look like credentials in text, for the admin scan (promise 6). A finding
// never carries the credential: only its kind, where it starts and a masked preview.

export type CredentialKind =
  | 'google_access_token'
  | 'google_refresh_token'
  | 'google_client_secret'
  | 'authorization_code'
  | 'jwt'
  | 'bearer'
  | 'private_key'
  | 'configured_secret';

export interface Finding {
  kind: CredentialKind;
  /** Offset of the first character in the scanned text. */
  offset: number;
  /** The first few characters and an ellipsis; never the whole credential. */
  preview: string;
}

export interface FindCredentialsOptions {
  /** Secrets of this deployment (client secret, SESSION_SECRET) matched literally. */
  extraSecrets?: readonly string[];
}

const PATTERNS: ReadonlyArray<{ kind: CredentialKind; re: RegExp }> = [
  { kind: 'google_access_token', re: /ya29\.[0-9A-Za-z_-]{20,}/g },
  { kind: 'google_refresh_token', re: /1\/\/0[0-9A-Za-z_-]{20,}/g },
  { kind: 'google_client_secret', re: /GOCSPX-[0-9A-Za-z_-]{20,}/g },
  { kind: 'authorization_code', re: /4\/0[0-9A-Za-z_-]{20,}/g },
  { kind: 'jwt', re: /eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}/g },
  { kind: 'bearer', re: /Bearer\s+[0-9A-Za-z._~+/-]{20,}=*/gi },
  { kind: 'private_key', re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/g },
];

// Where two findings overlap ("Bearer ya29..."), the more specific kind is the one reported.
const PRIORITY: Record<CredentialKind, number> = {
  private_key: 0,
  google_access_token: 1,
  google_refresh_token: 1,
  google_client_secret: 1,
  authorization_code: 1,
  jwt: 2,
  configured_secret: 3,
  bearer: 4,
};

/** Extra secrets shorter than this would match ordinary words; they are not looked for. */
export const MIN_EXTRA_SECRET_LENGTH = 8;

/** The longest stretch of text one finding can span, so chunked readers know how much to overlap. */
export function longestMatchHint(options: FindCredentialsOptions = {}): number {
  const longestSecret = Math.max(0, ...(options.extraSecrets ?? []).map((s) => s.length));
  // Access tokens are ~250 characters and JWTs a few kilobytes; 8 KiB covers both with room.
  return Math.max(8192, longestSecret);
}

/** Shows only as much of a credential as a person needs to find it, and never more than a quarter. */
export function maskCredential(kind: CredentialKind, match: string): string {
  // The header names the key type and is not secret.
  if (kind === 'private_key') return match;
  const visible = kind === 'configured_secret' ? 2 : Math.min(6, Math.floor(match.length / 4));
  const bearerPrefix = kind === 'bearer' ? /^Bearer\s+/i.exec(match)?.[0] : undefined;
  if (bearerPrefix)
    return `${bearerPrefix.trim()} ${match.slice(bearerPrefix.length, bearerPrefix.length + 4)}…`;
  return `${match.slice(0, visible)}…`;
}

interface Hit extends Finding {
  end: number;
}

/** Every credential-like string in `text`, ordered by offset. */
export function findCredentials(text: string, options: FindCredentialsOptions = {}): Finding[] {
  return scan(text, options).map(({ kind, offset, preview }) => ({ kind, offset, preview }));
}

/** `text` with every credential replaced by its masked preview (for names shown in a report). */
export function maskCredentials(text: string, options: FindCredentialsOptions = {}): string {
  let out = '';
  let from = 0;
  for (const hit of scan(text, options)) {
    if (hit.offset < from) continue;
    out += text.slice(from, hit.offset) + hit.preview;
    from = hit.end;
  }
  return out + text.slice(from);
}

function scan(text: string, options: FindCredentialsOptions): Hit[] {
  const hits: Hit[] = [];
  for (const { kind, re } of PATTERNS) {
    for (const m of text.matchAll(re)) {
      hits.push({ kind, offset: m.index, end: m.index + m[0].length, preview: maskCredential(kind, m[0]) });
    }
  }
  for (const secret of options.extraSecrets ?? []) {
    if (secret.length < MIN_EXTRA_SECRET_LENGTH) continue;
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + secret.length)) {
      hits.push({
        kind: 'configured_secret',
        offset: at,
        end: at + secret.length,
        preview: maskCredential('configured_secret', secret),
      });
    }
  }
  const outranked = (h: Hit) =>
    hits.some(
      (o) =>
        o !== h &&
        o.offset < h.end &&
        h.offset < o.end &&
        (PRIORITY[o.kind] < PRIORITY[h.kind] || (o.kind === h.kind && o.offset < h.offset)),
    );
  return hits.filter((h) => !outranked(h)).sort((a, b) => a.offset - b.offset);
}
