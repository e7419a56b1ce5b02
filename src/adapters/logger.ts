import pino, { type Logger } from 'pino';

/** Paths pino blanks in every log line, wherever they appear. */
export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'set-cookie',
  '*.authorization',
  '*.cookie',
  '*["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'code',
  '*.code_verifier',
  'state',
  '*.state',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'csrfToken',
  '*.csrfToken',
];

export function createLogger(options: { level: string; file?: string | null }): Logger {
  const streams: pino.StreamEntry[] = [{ stream: pino.destination(1) }];
  if (options.file)
    streams.push({ stream: pino.destination({ dest: options.file, mkdir: true, sync: false }) });
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'drive-print-connector' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
}
