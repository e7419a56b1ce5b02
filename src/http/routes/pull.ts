import { finished } from 'node:stream/promises';
import { type Response, Router } from 'express';
import { writeFileTo } from '../../adapters/growing-file.js';
import type { PrintService } from '../../domain/printing.js';
import type { PulledBody } from '../../domain/pull-documents.js';

/**
 * Headers of a pulled document: never cached anywhere, since the link is a capability. Without a size
 * (the document still downloads) the body goes chunked.
 */
function documentHeaders(res: Response, body: { size: number | null; contentType: string }): void {
  res.status(200).set({
    'Content-Type': body.contentType,
    ...(body.size !== null ? { 'Content-Length': String(body.size) } : {}),
    'Cache-Control': 'no-store',
    'Content-Disposition': 'inline; filename="document.pdf"',
  });
}

/**
 * A device fetches a document prepared for pull delivery, without a cookie: the unguessable link is the
 * only credential. The first GET uses it up; only a complete transfer completes the job.
 */
export function pullRoutes(deps: { printing: PrintService }): Router {
  const router = Router();

  // A device reads no pages: its errors (404 for a used or expired link) answer in the contract's JSON.
  router.use('/pull', (_req, res, next) => {
    res.locals.render = undefined;
    next();
  });

  /** HEAD: whether the link serves and how big the document is, without using it up. */
  router.head('/pull/:capability', async (req, res) => {
    documentHeaders(res, await deps.printing.peekPulled(req.params.capability));
    res.end();
  });

  /**
   * show: streams the document once; a transfer the device breaks off fails the job. The file goes out
   * through a few reused buffers (writeFileTo), nothing read ahead of what the connection takes. A
   * document still downloading is sent as it grows; should its download fail or start again, the
   * response is destroyed without its last chunk, so the device sees a broken transfer, never a short
   * document.
   */
  router.get('/pull/:capability', async (req, res) => {
    await deps.printing.fetchPulled(req.params.capability, async (body: PulledBody) => {
      documentHeaders(res, body);
      let sent = 0;
      const source = body.growth ? { growth: body.growth } : { size: body.size };
      let outcome: 'sent' | 'stopped';
      try {
        outcome = await writeFileTo(res, body.file, source, {
          onWritten: (bytes) => {
            sent += bytes;
          },
        });
        if (outcome === 'sent') await finished(res);
      } catch (err) {
        // A device that closes the connection as soon as it has the last byte can beat the response's
        // own 'finish'. Every byte was handed to the connection, which is all a server can know of any
        // transfer: it is complete.
        if (await body.complete(sent)) return;
        res.destroy();
        throw err;
      }
      if (outcome === 'stopped' && !(await body.complete(sent))) {
        throw new Error('The device stopped fetching the document before its end.');
      }
    });
  });

  return router;
}
