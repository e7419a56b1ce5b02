import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PrinterConfig } from './domain/ports.js';
import { DEFAULT_SCAN_NAME_TEMPLATE, nameTemplateProblems } from './domain/scan-names.js';

/** The connector's whole configuration, validated once at boot and frozen. */
export interface Config {
  /** TCP port to listen on. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** External base URL without trailing slash; the OAuth redirect URI hangs off it. */
  publicUrl: string;
  /** Whether the public URL is https (cookies get Secure and the __Host- prefix). */
  secure: boolean;
  google: {
    /** OAuth web client id. */
    clientId: string;
    /** OAuth web client secret. */
    clientSecret: string;
    /** Base URL of a Google test double, or null for the real Google endpoints. */
    baseUrl: string | null;
    /** PUBLIC_URL + /auth/google/callback. */
    redirectUri: string;
  };
  session: {
    /** Secret for the session cookie signature and the token encryption key. */
    secret: string;
    /** Where sessions live. */
    store: 'memory' | 'redis';
    /** Redis connection URL when store is redis. */
    redisUrl: string | null;
    /** Inactivity after which a session ends. */
    idleSeconds: number;
    /** Longest a session may last after sign-in. */
    maxSeconds: number;
    /** After a print or scan ends, the panel signs out by itself after this long; 0 turns it off. */
    signOutAfterJobSeconds: number;
  };
  /** Printers from the PRINTERS file. */
  printers: PrinterConfig[];
  /** Where temporary downloads and scans live while a job runs. */
  tempDir: string;
  audit: {
    /** Path of the JSON-lines audit log. */
    logPath: string;
    /** Days after which rotated audit files are deleted. */
    retentionDays: number;
    /** Key of the HMAC that pseudonymises user ids. */
    userKey: string;
  };
  /** Lower-cased accounts allowed into /admin. */
  adminEmails: string[];
  scan: {
    /** Lifetime of a device scan ticket. */
    ticketSeconds: number;
    /** Largest accepted scan, in bytes. */
    maxBytes: number;
    /** Default scan names: {scan} {date} {time} {printer}. */
    nameTemplate: string;
    /** OCR of one scan is stopped after this long. */
    ocrTimeoutSeconds: number;
    /** OCR processes at once on this instance (each takes a core). */
    ocrAtOnce: number;
  };
  /** How long a document prepared for pull delivery waits for its device (then it is deleted). */
  pullSeconds: number;
  /** On SIGTERM, how long running jobs may go on before they are failed and the process exits. */
  shutdownGraceSeconds: number;
  /** With Redis: how long an instance counts as alive after its last lease renewal. */
  instanceLeaseSeconds: number;
  log: {
    /** pino level. */
    level: string;
    /** Optional log file (in addition to stdout), scanned by the credential audit. */
    file: string | null;
  };
  /** Express `trust proxy` setting (hop count, true, or addresses), for TLS terminated at a proxy. */
  trustProxy: string | number | boolean | null;
  /** True only for `npm run demo`: enables the built-in test double wiring. */
  demo: boolean;
}

const printerSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'id must be 1-64 letters, digits, - or _'),
    name: z.string().min(1).max(100),
    uri: z
      .string()
      .regex(/^(ipps?|https?):\/\/[^\s]+$/, 'uri must be an ipp://, ipps://, http:// or https:// URI'),
    escl: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'escl must be an http:// or https:// URL such as http://host/eSCL')
      .optional(),
    panel: z.string().min(1).max(100).optional(),
  })
  .strict();

const intInRange = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const required = (what: string) =>
  z.string({ error: `is required (${what})` }).min(1, `is required (${what})`);

const envSchema = z.object({
  PORT: intInRange(0, 65535, 3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: required('the external base URL, e.g. https://print.example.com').pipe(
    z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  ),
  GOOGLE_CLIENT_ID: required('the OAuth web client id'),
  GOOGLE_CLIENT_SECRET: required('the OAuth web client secret'),
  GOOGLE_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SESSION_SECRET: required('a random secret of at least 32 characters').min(
    32,
    'must be at least 32 characters',
  ),
  SESSION_STORE: z.enum(['memory', 'redis'], { error: 'must be memory or redis' }).default('memory'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  SESSION_IDLE_SECONDS: intInRange(30, 86_400, 300),
  SESSION_MAX_SECONDS: intInRange(60, 7 * 86_400, 3600),
  SIGN_OUT_AFTER_JOB_SECONDS: intInRange(0, 3600, 30),
  PRINTERS: required('path to the printers JSON file'),
  TEMP_DIR: required('a directory for temporary files'),
  AUDIT_LOG: required('path of the audit log'),
  AUDIT_RETENTION_DAYS: intInRange(1, 3650, 90),
  AUDIT_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ADMIN_EMAILS: z.string().default(''),
  SCAN_TICKET_SECONDS: intInRange(30, 86_400, 600),
  SCAN_MAX_MB: intInRange(1, 4096, 500),
  OCR_TIMEOUT_SECONDS: intInRange(1, 3600, 600),
  OCR_AT_ONCE: intInRange(1, 16, 2),
  SCAN_NAME_TEMPLATE: z
    .string()
    .min(1)
    .max(120, 'must be at most 120 characters')
    .default(DEFAULT_SCAN_NAME_TEMPLATE),
  PULL_SECONDS: intInRange(10, 86_400, 300),
  SHUTDOWN_GRACE_SECONDS: intInRange(0, 3600, 25),
  INSTANCE_LEASE_SECONDS: intInRange(1, 600, 15),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FILE: z.string().min(1).optional(),
  TRUST_PROXY: z.string().min(1).optional(),
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is incomplete or invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function readPrinters(file: string, problems: string[]): PrinterConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'not readable JSON';
    problems.push(`PRINTERS: ${file}: ${reason}`);
    return [];
  }
  const parsed = z.array(printerSchema).min(1, 'must list at least one printer').safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`PRINTERS: ${file}: ${issue.path.join('.') || '(top level)'} ${issue.message}`);
    }
    return [];
  }
  const ids = new Set<string>();
  for (const p of parsed.data) {
    if (ids.has(p.id)) problems.push(`PRINTERS: ${file}: printer id "${p.id}" is listed twice`);
    ids.add(p.id);
  }
  return parsed.data;
}

/** Builds the Config from an environment, or throws ConfigError listing every problem at once. */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: { demo?: boolean } = {},
): Config {
  const problems: string[] = [];
  // An empty value (VAR= in an env file, as .env.example has for optional settings) means unset.
  env = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      const message =
        env[name] === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
      problems.push(`${name} ${message}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  if (e.SESSION_STORE === 'redis' && !e.REDIS_URL)
    problems.push('REDIS_URL is required when SESSION_STORE=redis');
  if (e.SESSION_IDLE_SECONDS > e.SESSION_MAX_SECONDS) {
    problems.push('SESSION_IDLE_SECONDS must not be larger than SESSION_MAX_SECONDS');
  }
  for (const p of nameTemplateProblems(e.SCAN_NAME_TEMPLATE)) problems.push(`SCAN_NAME_TEMPLATE ${p}`);
  const printers = readPrinters(path.resolve(e.PRINTERS), problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = e.PUBLIC_URL.replace(/\/+$/, '');
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    secure: publicUrl.startsWith('https://'),
    google: {
      clientId: e.GOOGLE_CLIENT_ID,
      clientSecret: e.GOOGLE_CLIENT_SECRET,
      baseUrl: e.GOOGLE_BASE_URL ? e.GOOGLE_BASE_URL.replace(/\/+$/, '') : null,
      redirectUri: `${publicUrl}/auth/google/callback`,
    },
    session: {
      secret: e.SESSION_SECRET,
      store: e.SESSION_STORE,
      redisUrl: e.REDIS_URL ?? null,
      idleSeconds: e.SESSION_IDLE_SECONDS,
      maxSeconds: e.SESSION_MAX_SECONDS,
      signOutAfterJobSeconds: e.SIGN_OUT_AFTER_JOB_SECONDS,
    },
    printers,
    tempDir: path.resolve(e.TEMP_DIR),
    audit: {
      logPath: path.resolve(e.AUDIT_LOG),
      retentionDays: e.AUDIT_RETENTION_DAYS,
      userKey: e.AUDIT_KEY ?? e.SESSION_SECRET,
    },
    adminEmails: e.ADMIN_EMAILS.split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    scan: {
      ticketSeconds: e.SCAN_TICKET_SECONDS,
      maxBytes: e.SCAN_MAX_MB * 1024 * 1024,
      nameTemplate: e.SCAN_NAME_TEMPLATE,
      ocrTimeoutSeconds: e.OCR_TIMEOUT_SECONDS,
      ocrAtOnce: e.OCR_AT_ONCE,
    },
    pullSeconds: e.PULL_SECONDS,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    instanceLeaseSeconds: e.INSTANCE_LEASE_SECONDS,
    log: { level: e.LOG_LEVEL, file: e.LOG_FILE ? path.resolve(e.LOG_FILE) : null },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    demo: options.demo ?? false,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** "1" is a hop count and "true" a flag for Express; anything else is a list of addresses or subnets. */
function parseTrustProxy(value: string | undefined): string | number | boolean | null {
  if (value === undefined || value === '' || value === 'false') return null;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
