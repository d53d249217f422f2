/**
 * Reading and validating request input, in the order a client can act on: wrong content type or
 * content encoding (415), body too large (413, checked before reading and while streaming, and
 * again after decompression), too many chunks (413) or too slow (408), not UTF-8 or not JSON
 * (400), not the schema (400 naming the field). A client that goes away mid-body is a
 * ClientClosedError (status 499, counted apart), not a 500.
 */
import { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { Context } from 'hono';
import type { z } from 'zod';
import { errorMessage } from '../src/errors.js';
import { ApiError, validationError } from './http-errors.js';

/** Default request body limit: 1000 ids of 256 characters fit with room to spare. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Default bound on the chunks a body may arrive in: each costs a stream read, so a 1 MB body sent
 * one byte at a time cost seconds of CPU. Real clients send kilobytes per chunk.
 */
export const DEFAULT_MAX_BODY_CHUNKS = 4096;
/** Default time to receive a whole body (ms). */
export const DEFAULT_BODY_READ_TIMEOUT_MS = 10_000;

/** Limits on reading a request body. */
export interface BodyLimits {
  /** Most bytes, as sent and after decompression. */
  maxBytes: number;
  /** Most chunks the body may arrive in (default 4096). */
  maxChunks?: number;
  /** Most time to read the body (ms, default 10 s): 408 after that. */
  readTimeoutMs?: number;
}

/** The client closed the connection before its request body was read: nobody is waiting for an answer. */
export class ClientClosedError extends Error {
  constructor(cause?: unknown) {
    super('client closed the request before its body was read', { cause });
    this.name = 'ClientClosedError';
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(max: number): ApiError {
  return new ApiError(413, 'body_too_large', `request body exceeds ${max} bytes`);
}

function isDisconnect(req: Request, err: unknown): boolean {
  if (req.signal.aborted) return true;
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.message === 'aborted';
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function checkDeclaredLength(declared: string | null | undefined, max: number): void {
  if (declared === null || declared === undefined) return;
  const n = Number(declared);
  if (!Number.isFinite(n) || n < 0) throw new ApiError(400, 'invalid_request', `bad Content-Length header ${JSON.stringify(declared)}`);
  if (n > max) throw tooLarge(max);
}

function tooFragmented(maxChunks: number): ApiError {
  return new ApiError(413, 'body_too_fragmented', `request body arrived in more than ${maxChunks} chunks; send it in larger writes`);
}

function tooSlow(ms: number): ApiError {
  return new ApiError(408, 'body_timeout', `request body took longer than ${ms} ms to arrive`);
}

/**
 * The body straight from Node's request stream, with the same limits and errors as `readLimited`:
 * on @hono/node-server, reading `Request.body` first builds a whole WHATWG Request and stream over
 * the socket (about a tenth of a recommendation's CPU). Past a limit the rest is discarded unread.
 */
function readIncoming(incoming: IncomingMessage, limits: Required<BodyLimits>): Promise<Uint8Array> {
  const max = limits.maxBytes;
  checkDeclaredLength(incoming.headers['content-length'], max);
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: unknown, body?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      if (err === undefined) resolve(body ?? new Uint8Array(0));
      else {
        incoming.resume(); // what is still arriving is dropped, not buffered
        reject(err);
      }
    };
    const timer = setTimeout(() => finish(tooSlow(limits.readTimeoutMs)), limits.readTimeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > max) finish(tooLarge(max));
      else if (chunks.length >= limits.maxChunks) finish(tooFragmented(limits.maxChunks));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, concat(chunks, size));
    const onError = (err: Error) => {
      const code = (err as { code?: string }).code;
      finish(
        code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || err.message === 'aborted' ? new ClientClosedError(err) : err,
      );
    };
    const onClose = () => {
      if (!incoming.readableEnded) finish(new ClientClosedError());
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
    if (incoming.readableEnded) onEnd();
  });
}

/** Node's request stream behind a @hono/node-server request, while nothing has read from it yet. */
function unreadIncoming(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage && !incoming.readableDidRead && !incoming.destroyed ? incoming : undefined;
}

async function readLimited(req: Request, limits: Required<BodyLimits>): Promise<Uint8Array> {
  const max = limits.maxBytes;
  checkDeclaredLength(req.headers.get('content-length'), max);
  if (!req.body) return new Uint8Array(0);
  // Streamed in both cases (declared or chunked), so size, chunk count and time are all bounded.
  const reader = req.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel().catch(() => {});
  }, limits.readTimeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (err) {
        if (isDisconnect(req, err)) throw new ClientClosedError(err);
        throw err;
      }
      if (timedOut) throw tooSlow(limits.readTimeoutMs);
      if (step.done) break;
      size += step.value.byteLength;
      if (size > max) throw tooLarge(max);
      if (chunks.length >= limits.maxChunks) throw tooFragmented(limits.maxChunks);
      chunks.push(step.value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return concat(chunks, size);
}

const DECODERS: Record<string, (bytes: Uint8Array, maxOutputLength: number) => Uint8Array> = {
  gzip: (b, maxOutputLength) => gunzipSync(b, { maxOutputLength }),
  'x-gzip': (b, maxOutputLength) => gunzipSync(b, { maxOutputLength }),
  // HTTP "deflate" is zlib-wrapped; some clients send raw deflate.
  deflate: (b, maxOutputLength) => {
    try {
      return inflateSync(b, { maxOutputLength });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
      return inflateRawSync(b, { maxOutputLength });
    }
  },
  br: (b, maxOutputLength) => brotliDecompressSync(b, { maxOutputLength }),
};

/** The Content-Encoding codings in the order they were applied (`identity` dropped); 415 for unknown ones. */
function encodings(header: string | undefined): string[] {
  const codings = (header ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t && t !== 'identity');
  for (const t of codings) {
    if (!Object.hasOwn(DECODERS, t)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Content-Encoding ${JSON.stringify(t.slice(0, 40))} is not supported; use gzip, deflate, br or none`,
      );
    }
  }
  return codings;
}

/** Undoes the body's content codings (last applied first), never producing more than `max` bytes. */
function decode(bytes: Uint8Array, codings: readonly string[], max: number): Uint8Array {
  let out = bytes;
  for (const coding of [...codings].reverse()) {
    try {
      out = DECODERS[coding](out, max);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new ApiError(413, 'body_too_large', `request body exceeds ${max} bytes once decoded (${coding})`);
      }
      throw new ApiError(400, 'invalid_json', `request body is not valid ${coding} data`);
    }
  }
  return out;
}

function resolveLimits(limits: number | BodyLimits): Required<BodyLimits> {
  const l = typeof limits === 'number' ? { maxBytes: limits } : limits;
  return {
    maxBytes: l.maxBytes,
    maxChunks: l.maxChunks ?? DEFAULT_MAX_BODY_CHUNKS,
    readTimeoutMs: l.readTimeoutMs ?? DEFAULT_BODY_READ_TIMEOUT_MS,
  };
}

/**
 * Reads the JSON body of a request (415, 413, 408 and 400 as above) without validating its shape.
 * `__proto__` keys stay plain own properties (JSON.parse never touches prototypes) and strict
 * schemas reject them as unknown fields.
 * @param limits - the byte limit, or every body limit.
 */
export async function readJson(c: Context, limits: number | BodyLimits): Promise<unknown> {
  const type = c.req.header('content-type');
  if (!type || !JSON_TYPE.test(type)) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Content-Type must be application/json (got ${type ? JSON.stringify(type.slice(0, 80)) : 'none'})`,
    );
  }
  const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError(415, 'unsupported_media_type', `charset must be utf-8 (got ${JSON.stringify(charset.slice(0, 40))})`);
  }
  const l = resolveLimits(limits);
  const codings = encodings(c.req.header('content-encoding'));
  const incoming = unreadIncoming(c);
  const bytes = decode(await (incoming ? readIncoming(incoming, l) : readLimited(c.req.raw, l)), codings, l.maxBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
  if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'request body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `request body is not valid JSON: ${errorMessage(err).slice(0, 120)}`);
  }
}

/**
 * Reads the JSON body and validates it against `schema` (400 naming the first bad field).
 * @param accept - a faster check of the same rules (serve/request-check.ts): what it returns is
 * used as is; when it returns undefined the schema decides.
 */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  limits: number | BodyLimits,
  accept?: (value: unknown) => z.output<S> | undefined,
): Promise<z.output<S>> {
  const value = await readJson(c, limits);
  return accept?.(value) ?? parseOr400(schema, value, 'request body');
}

/**
 * Validates a value against `schema`, or throws a 400 naming the field.
 * @param field - the value's own name (e.g. a path parameter), reported as the field.
 */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: string, field?: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw validationError(result.error, where, field);
  return result.data;
}
