import { createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import multer, { type StorageEngine } from 'multer';
import { AppError, BadInputError, TooLargeError } from '../../domain/errors.js';
import type { TempFiles } from '../../domain/temp-files.js';

/**
 * multer storage that writes into TEMP_DIR under a random name with mode 0600 (multer's own disk
 * storage creates files 0644 and would accept a name from elsewhere). Never the client's name.
 */
class TempFileStorage implements StorageEngine {
  constructor(private readonly temp: TempFiles) {}

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ) {
    const path = this.temp.reservePath('scan');
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    let size = 0;
    file.stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    file.stream.pipe(out);
    const fail = (err: unknown) => {
      out.destroy();
      rm(path, { force: true }).finally(() => cb(err));
    };
    out.on('error', fail);
    file.stream.on('error', fail);
    out.on('finish', () => cb(null, { path, size, filename: path.slice(path.lastIndexOf('/') + 1) }));
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void) {
    rm(file.path, { force: true }).then(
      () => cb(null),
      (err: Error) => cb(err),
    );
  }
}

/** multer for one file field `file` and a few short text fields, every limit explicit. */
export function singleUpload(options: { temp: TempFiles; maxBytes: number }): RequestHandler {
  const upload = multer({
    storage: new TempFileStorage(options.temp),
    limits: {
      fileSize: options.maxBytes,
      files: 1,
      fields: 8,
      parts: 9,
      fieldNameSize: 64,
      fieldSize: 1024,
      headerPairs: 50,
      fieldNestingDepth: 0,
      fieldArrayIndexLimit: 0,
    } as multer.Options['limits'],
  }).single('file');
  const maxMb = Math.round(options.maxBytes / 1024 / 1024);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      next(
        new AppError(
          'unsupported_type',
          415,
          'Send the scan as multipart/form-data with a field named "file".',
        ),
      );
      return;
    }
    upload(req, res, (err: unknown) => {
      if (!err) {
        if (!req.file) {
          next(new BadInputError('No file was sent. Send it in a field named "file".', 'no_file'));
          return;
        }
        next();
        return;
      }
      next(translateMulterError(err, maxMb));
    });
  };
}

/**
 * Largest document a device may send as a plain text field `sendfile` (not a file part). busboy
 * holds a text field in memory until it ends, so such a document passes through memory once, capped
 * here; a file part streams to TEMP_DIR and is bounded by the scan limit alone.
 */
export const TEXT_DOCUMENT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * multer for a scan link: our own `file` field, or a device's HTTP filing form (`theOperation`,
 * `destDir`, `destName` and the document in `sendfile`, a file part or a plain text field), in any
 * order. The whole form is read before anything is decided, so an operation that comes after the
 * document still counts. Sets req.file to the document when there is one (a text-field document is
 * written to TEMP_DIR first); a form without a document is not an error here.
 */
export function filingUpload(options: { temp: TempFiles; maxBytes: number }): RequestHandler {
  const textMax = Math.min(options.maxBytes, TEXT_DOCUMENT_MAX_BYTES);
  const upload = multer({
    storage: new TempFileStorage(options.temp),
    // A document in a text field comes back byte for byte only when read as latin1 (utf8 would
    // replace invalid sequences); a part that names its own charset is decoded with that one.
    defCharset: 'latin1',
    limits: {
      fileSize: options.maxBytes,
      files: 1,
      // theOperation, destDir, destName, sendfile and one more; each may be as large as textMax.
      fields: 5,
      parts: 6,
      fieldNameSize: 64,
      fieldSize: textMax,
      headerPairs: 50,
      fieldNestingDepth: 0,
      fieldArrayIndexLimit: 0,
    } as multer.Options['limits'],
  } as multer.Options).fields([
    { name: 'file', maxCount: 1 },
    { name: 'sendfile', maxCount: 1 },
  ]);
  const maxMb = Math.round(options.maxBytes / 1024 / 1024);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      next(
        new AppError(
          'unsupported_type',
          415,
          'Send the scan as multipart/form-data with a field named "file" or "sendfile".',
        ),
      );
      return;
    }
    upload(req, res, (err: unknown) => {
      if (err) {
        next(translateMulterError(err, maxMb, Math.round(textMax / 1024 / 1024)));
        return;
      }
      const files = req.files as Record<string, Express.Multer.File[] | undefined> | undefined;
      req.file = files?.file?.[0] ?? files?.sendfile?.[0];
      const text: unknown = req.body?.sendfile;
      if (req.body) delete req.body.sendfile;
      if (text === undefined || text === '') {
        next();
        return;
      }
      if (typeof text !== 'string' || req.file) {
        // removeUploadOnError deletes the file part.
        next(new BadInputError('Send one document per request.', 'bad_upload'));
        return;
      }
      textDocument(options.temp, text).then((file) => {
        req.file = file;
        next();
      }, next);
    });
  };
}

/** Writes a document that came as a text field into TEMP_DIR (0600), as multer would a file part. */
async function textDocument(temp: TempFiles, text: string): Promise<Express.Multer.File> {
  const path = temp.reservePath('scan');
  const bytes = Buffer.from(text, 'latin1');
  try {
    await writeFile(path, bytes, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return {
    fieldname: 'sendfile',
    originalname: '',
    encoding: '7bit',
    mimetype: 'application/octet-stream',
    size: bytes.length,
    destination: temp.dir,
    filename: path.slice(path.lastIndexOf('/') + 1),
    path,
  } as Express.Multer.File;
}

function translateMulterError(err: unknown, maxMb: number, textMaxMb = maxMb): Error {
  const code = (err as { code?: string }).code;
  const field = (err as { field?: string }).field;
  if (code === 'LIMIT_FILE_SIZE')
    return new TooLargeError(`The scan is larger than ${maxMb} MB.`, 'scan_too_large');
  if (code === 'LIMIT_FIELD_VALUE' && field === 'sendfile')
    return new TooLargeError(
      `A scan sent as a text field may be at most ${textMaxMb} MB. Send it as a file.`,
      'scan_too_large',
    );
  if (code === 'LIMIT_UNEXPECTED_FILE')
    return new BadInputError('Send the scan in a field named "file", one file only.', 'bad_upload');
  if (typeof code === 'string' && code.startsWith('LIMIT_'))
    return new BadInputError('The upload has too many or too large fields.', 'bad_upload');
  if (err instanceof AppError) return err;
  // busboy: malformed multipart, or the client went away mid-body.
  return new BadInputError('The upload was incomplete or malformed. Try again.', 'bad_upload');
}

/** Deletes the upload's temporary file if a later step failed before the domain took it over. */
export const removeUploadOnError: ErrorRequestHandler = (err, req, _res, next) => {
  const file = req.file;
  if (file?.path) {
    rm(file.path, { force: true }).finally(() => next(err));
    return;
  }
  next(err);
};
