/**
 * The service's error taxonomy: every failure becomes `{"error": {"code", "message", "field"?}}`
 * with a status that says whose fault it was. Bad input is always a 4xx naming what was wrong;
 * only a bug (or a model that broke its contract) is a 500.
 */
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { DataError, WorkbenchError, type WorkbenchErrorCode } from '../src/errors.js';

/** One problem with a request, as reported in `error.issues`. */
export interface Issue {
  /** Dotted/indexed path into the body, e.g. `candidates[3]` or `events[2].userId`. */
  field: string;
  message: string;
}

/** The JSON error body every route returns. */
export interface ErrorBody {
  error: { code: WorkbenchErrorCode; message: string; field?: string; issues?: Issue[] };
}

/** An error with an HTTP status, a stable code and (for validation) the offending field. */
export class ApiError extends WorkbenchError {
  readonly status: ContentfulStatusCode;
  readonly field?: string;
  readonly issues?: Issue[];
  readonly headers?: Record<string, string>;
  constructor(
    status: ContentfulStatusCode,
    code: WorkbenchErrorCode,
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

/**
 * The HTTP status of every error code (src/errors.ts): exhaustive, so a new code does not compile
 * until it has one. 4xx is the caller's fault, 503 a dependency that may come back, 500 a bug or a
 * model that broke its contract (a library code that reaches a response means a route let bad input
 * through, so library codes other than usage/data/lookup ones are 500). `ApiError` may still choose
 * another status where the route knows better.
 */
export const STATUS_BY_CODE: Record<WorkbenchErrorCode, ContentfulStatusCode> = {
  usage: 400,
  bad_data: 400,
  invalid_argument: 500,
  not_found: 404,
  locked: 409,
  disposed: 500,
  invalid_kind: 500,
  kind_module: 500,
  plugin_failed: 500,
  missing_feature: 500,
  contract_mismatch: 500,
  no_normalisation: 500,
  bad_normalisation: 500,
  unsupported_store: 500,
  no_users: 500,
  bad_scores: 500,
  ranker_failed: 500,
  tuning_failed: 500,
  no_impressions: 500,
  no_features: 500,
  no_candidate: 500,
  pipeline_failed: 500,
  onnx_unsupported: 500,
  redis_unavailable: 503,
  service_unreachable: 500,
  jupyter_missing: 500,
  biome_missing: 500,
  corrupt_model: 500,
  unsupported_model: 500,
  unservable: 500,
  invalid_input: 400,
  registry_busy: 503,
  storage_error: 503,
  unbalanced_report: 500,
  missing_item_state: 500,
  kind_exists: 500,
  unknown_kind: 500,
  onnx_output: 500,
  onnx_mismatch: 500,
  not_generated: 500,
  no_propensities: 500,
  not_replayable: 500,
  feature_mismatch: 500,
  served_features_differ: 500,
  model_unavailable: 503,
  invalid_json: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  admin_disabled: 404,
  alias_refused: 409,
  model_not_found: 404,
  method_not_allowed: 405,
  body_timeout: 408,
  body_too_large: 413,
  body_too_fragmented: 413,
  unsupported_media_type: 415,
  not_implemented: 501,
  events_disabled: 503,
  event_log_unavailable: 503,
  port_in_use: 500,
  timeout: 504,
  http_error: 500,
  internal: 500,
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
    const code: WorkbenchErrorCode =
      status === 504 ? 'timeout' : status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'http_error';
    return { status, body: { error: { code, message: err.message || `HTTP ${status}` } } };
  }
  if (err instanceof WorkbenchError) {
    const status = STATUS_BY_CODE[err.code];
    const field = err instanceof DataError ? err.field : undefined;
    return { status, body: { error: { code: err.code, message: err.message, field } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error; see the service log for this request id' } } };
}
