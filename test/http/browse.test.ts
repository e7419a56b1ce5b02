import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLDER_MIME } from '../../src/domain/document-formats.js';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

describe('GET /api/files', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({ id: 'f1', name: 'Reports', mimeType: FOLDER_MIME });
    t.drive.addFile({
      id: 'p1',
      name: 'Plan.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4 x'),
    });
  });
  afterEach(async () => t.close());

  it('needs a session', async () => {
    const res = await request(t.app).get('/api/files');
    expect(res.status).toBe(401);
  });

  it('lists a folder with the contract fields', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const res = await agent.get('/api/files?folderId=root');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.body.nextPageToken).toBeNull();
    expect(res.body.files).toEqual([
      {
        id: 'f1',
        name: 'Reports',
        mimeType: FOLDER_MIME,
        isFolder: true,
        size: null,
        modifiedTime: expect.any(String),
      },
      {
        id: 'p1',
        name: 'Plan.pdf',
        mimeType: 'application/pdf',
        isFolder: false,
        size: 10,
        modifiedTime: expect.any(String),
      },
    ]);
  });

  it.each([
    ['view=elsewhere', 'view'],
    ["folderId=root' or 1=1", 'folderId'],
    [`q=${'x'.repeat(201)}`, 'q'],
  ])('rejects bad input %s with 400', async (query, field) => {
    const { agent } = await t.signInAs('alice@example.com');
    const res = await agent.get(`/api/files?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_input');
    expect(res.body.error.message).toContain(field);
  });

  it('passes the view, search and page token to Drive', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    await agent.get("/api/files?view=shared&q=%20it's%20&pageToken=abc");
    expect(t.drive.listCalls.at(-1)).toEqual({ view: 'shared', search: "it's", pageToken: 'abc' });
  });

  it('answers 401 when Google says the token is no longer valid', async () => {
    const { agent, token } = await t.signInAs('alice@example.com');
    t.drive.revoked.add(token);
    const res = await agent.get('/api/files');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('signed_out');
  });

  it('never shows a stack trace for an unknown route', async () => {
    const res = await request(t.app).get('/api/nothing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('GET /healthz answers ok without a session', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('GET /api/printers lists each printer with its state', async () => {
    t.printer.descriptions.set('lobby', null);
    await t.services.deps.printers.refresh('lobby');
    const { agent } = await t.signInAs('alice@example.com');
    const res = await agent.get('/api/printers');
    expect(res.body).toEqual({
      printers: [
        { id: 'floor2', name: 'Floor 2 MFP', state: 'idle', stateReasons: [] },
        { id: 'lobby', name: 'Lobby printer', state: 'unreachable', stateReasons: [] },
      ],
    });
  });
});
