/**
 * Reading and validating request input, in the order a client can act on: wrong content type
 * (415), body too large (413, checked before reading and while streaming a body without a length),
 * not UTF-8 or not JSON (400), not the schema (400 naming the field).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, validationError } from './errors.js';

/** Default request body limit: 1000 ids of 256 characters fit with room to spare. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(max: number): ApiError {
  return new ApiError(413, 'body_too_large', `request body exceeds ${max} bytes`);
}

async function readLimited(req: Request, max: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null) {
    const n = Number(declared);
    if (!Number.isFinite(n) || n < 0) throw new ApiError(400, 'invalid_request', `bad Content-Length header ${JSON.stringify(declared)}`);
    if (n > max) throw tooLarge(max);
    return new Uint8Array(await req.arrayBuffer());
  }
  // No length (chunked): count while streaming and stop reading at the limit.
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Reads the JSON body of a request (415, 413 and 400 as above) without validating its shape.
 * `__proto__` keys stay plain own properties (JSON.parse never touches prototypes) and strict
 * schemas reject them as unknown fields.
 */
export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
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
  const bytes = await readLimited(c.req.raw, maxBytes);
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
    throw new ApiError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message.slice(0, 120)}`);
  }
}

/** Reads the JSON body and validates it against `schema` (400 naming the first bad field). */
export async function readBody<S extends z.ZodType>(c: Context, schema: S, maxBytes: number): Promise<z.output<S>> {
  const value = await readJson(c, maxBytes);
  return parseOr400(schema, value, 'request body');
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
