import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpApp } from '../support/http-app.js';

type App = Awaited<ReturnType<typeof httpApp>>;

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const LINK = 'https://lh3.googleusercontent.com/secret-thumbnail-link=s220';

describe('GET /thumbnails/:fileId and the print page preview', () => {
  let t: App;
  beforeEach(async () => {
    t = await httpApp();
    t.drive.addFile({
      id: 'p1',
      name: 'Plan.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4 x'),
      thumbnailLink: LINK,
      thumbnail: { bytes: PNG, contentType: 'image/png' },
    });
    t.drive.addFile({
      id: 'p2',
      name: 'Bare.pdf',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.4 y'),
    });
  });
  afterEach(async () => t.close());

  it('needs a session', async () => {
    const res = await request(t.app).get('/thumbnails/p1');
    expect(res.status).toBe(401);
  });

  it('passes the thumbnail through from our origin, never cached', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const res = await agent.get('/thumbnails/p1').buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(Buffer.from(res.body)).toEqual(PNG);
  });

  it('answers 404 for a file without a thumbnail and 400 for a bad id', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    expect((await agent.get('/thumbnails/p2')).status).toBe(404);
    expect((await agent.get('/thumbnails/nope')).status).toBe(404);
    expect((await agent.get('/thumbnails/bad%20id')).status).toBe(400);
  });

  it('the print page shows the preview from /thumbnails and never the Drive link', async () => {
    const { agent } = await t.signInAs('alice@example.com');
    const withThumb = await agent.get('/print/p1');
    expect(withThumb.text).toContain('src="/thumbnails/p1"');
    expect(withThumb.text).not.toContain('googleusercontent');
    const without = await agent.get('/print/p2');
    expect(without.text).not.toContain('/thumbnails/');
    expect(without.text).toContain('class="icon i-pdf"');
  });
});
