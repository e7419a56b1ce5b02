// A local stand-in for Google's OAuth 2.0 endpoints and the Drive v3 REST API, speaking their real
// wire shapes so the connector can use the real googleapis / google-auth-library clients against it.
//
//   authorization  GET  {base}/o/oauth2/v2/auth        token     POST {base}/token
//   revocation     POST {base}/revoke                  Drive     {base}/drive/v3/...
//   uploads        {base}/upload/drive/v3/...          OpenID    {base}/oauth2/v3/certs, /oauth2/v3/userinfo
//   thumbnails     GET  {base}/thumbnails/<id>          (the thumbnailLink of images and PDFs)

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SAMPLE_USERS, seedSampleData } from '../sample-data.js';
import type { DoubleContext } from './context.js';
import { driveAboutRouter } from './drive-about.js';
import { driveFilesRouter } from './drive-files.js';
import { driveThumbnailsRouter } from './drive-thumbnails.js';
import { driveUploadsRouter } from './drive-uploads.js';
import { DriveError, errorMiddleware } from './errors.js';
import { Faults } from './faults.js';
import { queryOf } from './http-utils.js';
import { IdTokenSigner } from './id-token.js';
import { authorizeRouter } from './oauth-authorize.js';
import { tokenRouter } from './oauth-token.js';
import { UploadSessions } from './resumable.js';
import { DriveStore } from './store.js';
import { TokenRegistry } from './tokens.js';
import type { GoogleDouble, GoogleDoubleOptions, LoggedRequest } from './types.js';

export { rootIdOf } from './store.js';
export type {
  DoubleClient,
  DoubleFaults,
  DoubleUser,
  GoogleDouble,
  GoogleDoubleOptions,
  IssuedToken,
  LoggedRequest,
  NewFile,
  StoredDrive,
  StoredFile,
} from './types.js';
export { EDITOR_MIMES, FOLDER_MIME } from './types.js';

export async function startGoogleDouble(options: GoogleDoubleOptions): Promise<GoogleDouble> {
  const store = new DriveStore(options.users ?? SAMPLE_USERS);
  if (options.seed ?? true) seedSampleData(store);
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const tokens = new TokenRegistry(ttl);
  const faults = new Faults();
  const sessions = new UploadSessions();
  const requests: LoggedRequest[] = [];
  const checkUser = (email: string | false): string | false => {
    if (email !== false && !store.userByEmail(email)) throw new Error(`autoApprove: unknown user ${email}`);
    return email;
  };
  let autoApprove = checkUser(options.autoApprove ?? false);
  let baseUrl = '';

  const ctx: DoubleContext = {
    store,
    tokens,
    faults,
    idTokens: new IdTokenSigner(() => baseUrl),
    clients: new Map(options.clients.map((c) => [c.clientId, c])),
    accessTokenTtlSeconds: ttl,
    pageSecret: randomBytes(32),
    baseUrl: () => baseUrl,
    autoApprove: () => autoApprove,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, _res, next) => {
    const authorization = req.headers.authorization;
    const contentRange = req.headers['content-range'];
    requests.push({
      method: req.method,
      path: new URL(req.originalUrl, 'http://double.invalid').pathname,
      at: Date.now(),
      query: queryOf(req),
      ...(authorization !== undefined ? { authorization } : {}),
      ...(contentRange !== undefined ? { contentRange } : {}),
    });
    next();
  });
  app.use(authorizeRouter(ctx));
  app.use(tokenRouter(ctx));
  app.use(driveAboutRouter(ctx));
  app.use(driveFilesRouter(ctx));
  app.use(driveThumbnailsRouter(ctx));
  app.use(driveUploadsRouter(ctx, sessions));
  app.use((_req, _res, next) => {
    next(new DriveError(404, { reason: 'notFound', message: 'Not Found' }));
  });
  app.use(errorMiddleware);

  const server = createServer(app);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    baseUrl,
    close: () =>
      new Promise<void>((resolve, reject) => {
        sessions.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would hold close() open for seconds.
        server.closeAllConnections();
      }),
    setAutoApprove: (email) => {
      autoApprove = checkUser(email);
    },
    addClient: (client) => {
      const known = ctx.clients.get(client.clientId);
      if (known) {
        // Several connector instances share one client (and secret), each with its own redirect URI.
        known.redirectUris = [...new Set([...known.redirectUris, ...client.redirectUris])];
      } else {
        ctx.clients.set(client.clientId, { ...client, redirectUris: [...client.redirectUris] });
      }
    },
    issuedTokens: tokens.issued,
    revokedTokens: tokens.revokedLog,
    requests,
    isTokenValid: (token) => tokens.validate(token) !== undefined,
    expireToken: (token) => tokens.expire(token),
    addFile: (file) => store.addFile(file),
    getFile: (id) => store.get(id),
    findFilesByName: (name) => store.findByName(name),
    fileContent: (id) => store.get(id)?.content,
    faults,
    openUploadSessions: () => sessions.open(),
    canceledUploadSessions: sessions.canceled,
  };
}
