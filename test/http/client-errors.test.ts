import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors, clientErrorAnswer } from '../../src/http/client-errors.js';
import { httpApp } from '../support/http-app.js';

/** Sends raw bytes and returns everything the server answered before closing. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
  });
}

function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) };
}

// Requests Node rejects before Express sees them still get the contract's error shape.
describe('client errors below Express', () => {
  let t: Awaited<ReturnType<typeof httpApp>>;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    t = await httpApp();
    server = createServer(t.app);
    answerClientErrors(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  it('an oversized header gets 431 with the error shape, not an empty body', async () => {
    const answer = parse(
      await raw(port, `GET /browse HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`),
    );
    expect(answer.status).toBe(431);
    expect(answer.head).toMatch(/content-type: application\/json/i);
    expect(answer.body).toEqual({ error: { code: 'headers_too_large', message: expect.any(String) } });
  });

  it('a malformed request line gets 400 with the error shape', async () => {
    const answer = parse(await raw(port, 'BREW /pot\x00 HTCPCP/1.0\r\n\r\n'));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
  });

  it('a bad chunked body gets 400 with the error shape', async () => {
    const answer = parse(
      await raw(
        port,
        'POST /api/print HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      ),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('bad_request');
  });

  it('the server keeps answering other requests afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });

  it('timeouts get 408; every answer closes the connection', () => {
    const err = Object.assign(new Error('t'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    expect(clientErrorAnswer(err)).toMatch(/^HTTP\/1\.1 408 .*Connection: close/s);
  });
});
