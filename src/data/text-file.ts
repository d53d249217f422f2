/**
 * Streams a text file (plain or gzip, detected by its magic bytes, not its name) as decoded UTF-8
 * chunks while hashing the file's bytes, so loaders read large files once, in constant memory,
 * and still record the sha256 of exactly what they read.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataError, errorMessage } from '../errors.js';

/** What was read: the hash and size of the file's bytes (compressed bytes for a .gz). */
export interface FileDigest {
  sha256: string;
  bytes: number;
  gzip: boolean;
}

/**
 * Checks that `file` exists and is a non-empty regular file.
 * @throws DataError "file not found: <path>", "not a file", or "empty file".
 */
export async function assertReadableFile(file: string): Promise<number> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new DataError(`not a file: ${file}`);
    size = s.size;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`file not found: ${file}`);
  }
  if (size === 0) throw new DataError(`empty file: ${file}`);
  return size;
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Reads `file` as UTF-8 text in chunks (a leading BOM is dropped; invalid bytes become U+FFFD).
 * @param onText - called with each decoded chunk, in order.
 * @returns the sha256 and size of the file's bytes.
 * @throws DataError for a missing or empty file, or a corrupt gzip stream.
 */
export async function readTextFile(file: string, onText: (text: string) => void): Promise<FileDigest> {
  await assertReadableFile(file);
  const gzip = await isGzip(file);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const decoder = new TextDecoder('utf-8');
  // An error thrown by onText (e.g. a DataError for a bad header) must reach the caller as is, not
  // as the AbortError the pipeline reports while tearing the other streams down.
  let callbackError: unknown;
  const deliver = (text: string): void => {
    try {
      onText(text);
    } catch (err) {
      callbackError = err;
      throw err;
    }
  };
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) deliver(text);
    }
    const rest = decoder.decode();
    if (rest) deliver(rest);
  };
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    if (gzip) await pipeline(raw, tap, createGunzip(), sink);
    else await pipeline(raw, tap, sink);
  } catch (err) {
    if (callbackError !== undefined) throw callbackError;
    if (err instanceof DataError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('Z_')) throw new DataError(`not a valid gzip file (${errorMessage(err)})`, { file }, { cause: err });
    throw err;
  }
  return { sha256: hash.digest('hex'), bytes, gzip };
}
