/**
 * The service's error taxonomy: every failure becomes `{"error": {"code", "message", "field"?}}`
 * with a status that says whose fault it was. Bad input is always a 4xx naming what was wrong;
 * only a bug (or a model that broke its contract) is a 500.
 */
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { DataError, WorkbenchError } from '../src/errors.js';

/** One problem with a request, as reported in `error.issues`. */
export interface Issue {
  /** Dotted/indexed path into the body, e.g. `candidates[3]` or `events[2].userId`. */
  field: string;
  message: string;
}

/** The JSON error body every route returns. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; issues?: Issue[] };
}

/** An error with an HTTP status, a stable code and (for validation) the offending field. */
export class ApiError extends WorkbenchError {
  readonly status: ContentfulStatusCode;
  readonly field?: string;
  readonly issues?: Issue[];
  readonly headers?: Record<string, string>;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    extra: { field?: string; issues?: Issue[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(code, message, { cause: extra.cause });
    this.name = 'ApiError';
    this.status = status;
    this.field = extra.field;
    this.issues = extra.issues;
    this.headers = extra.headers;
  }
}

/** Status for the library's WorkbenchError codes (src/errors.ts) and the service's own. */
const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  usage: 400,
  bad_data: 400,
  invalid_request: 400,
  not_found: 404,
  model_not_found: 404,
  conflict: 409,
  unavailable: 503,
  model_unavailable: 503,
};

// An absolute path of two or more segments (not part of a URL or a relative path).
const ABSOLUTE_PATH = /(?<![\w.:/~-])\/(?:[^\s'"`:,;()[\]{}<>/]+\/)+[^\s'"`:,;()[\]{}<>/]*/g;

/**
 * Replaces absolute server paths in a message by `.../<last two segments>` (`/srv/models/m/3/weights.bin`
 * -> `.../3/weights.bin`): what went wrong stays readable, the server's layout stays in the logs.
 */
export function redactPaths(message: string): string {
  return message.replace(ABSOLUTE_PATH, (p) => `.../${p.split('/').filter(Boolean).slice(-2).join('/')}`);
}

/** Formats a zod path as `a.b[3].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** A short, safe rendering of a received value for error messages (never the whole body). */
export function echo(value: unknown, max = 40): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > max ? value.slice(0, max) : value);
    return value.length > max ? `${text.slice(0, -1)}..." (${value.length} characters)` : text;
  }
  return String(value);
}

function issueOf(issue: z.core.$ZodIssue, root: PropertyKey[]): Issue {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: formatPath([...root, ...issue.path, key]), message: `unknown field "${key}"` };
  }
  const field = formatPath([...root, ...issue.path]) || '(body)';
  const got = 'input' in issue && issue.code !== 'invalid_union' ? ` (got ${echo(issue.input)})` : '';
  return { field, message: `${issue.message}${got}` };
}

/**
 * Turns a failed zod parse into a 400 that names the first bad field (and lists up to 10).
 * @param field - name of the validated value itself (a path parameter), prefixed to issue paths.
 */
export function validationError(error: z.ZodError, where = 'request body', field?: string): ApiError {
  const root = field ? [field] : [];
  const issues = error.issues.slice(0, 10).map((issue) => issueOf(issue, root));
  const first = issues[0] ?? { field: '(body)', message: 'invalid' };
  return new ApiError(400, 'invalid_request', `${where}: ${first.field}: ${first.message}`, { field: first.field, issues });
}

/** Maps anything thrown to a status and an error body. */
export function toErrorResponse(err: unknown): { status: ContentfulStatusCode; body: ErrorBody; headers?: Record<string, string> } {
  if (err instanceof ApiError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message, field: err.field, issues: err.issues } },
      headers: err.headers,
    };
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 504 ? 'timeout' : status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'http_error';
    return { status, body: { error: { code, message: err.message || `HTTP ${status}` } } };
  }
  if (err instanceof WorkbenchError) {
    const status = (Object.hasOwn(STATUS_BY_CODE, err.code) ? STATUS_BY_CODE[err.code] : undefined) ?? 500;
    const field = err instanceof DataError ? err.field : undefined;
    return { status, body: { error: { code: err.code, message: err.message, field } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error; see the service log for this request id' } } };
}
