/**
 * The small error taxonomy shared by the library, the CLI and the service. Each error says what
 * was wrong in one line; the CLI prints `message` (and the stack only with `--debug`), the service
 * maps `code` to an HTTP status.
 */

/**
 * Every code a WorkbenchError can carry, with what it means: the one list the CLI, the service's
 * status map (serve/http-errors.ts, exhaustive over it) and CONTRIBUTING.md's table follow.
 */
export const ERROR_CODES = {
  usage: 'Bad command-line usage: an unknown flag or command, a missing or malformed value (CLI exit 2).',
  bad_data: 'Input data that cannot be used: names the file, line and field.',
  invalid_argument: 'A library function was called with a value it cannot use (names the parameter and value).',
  not_found: 'A requested model, version, alias, experiment or file does not exist.',
  locked: 'Another run holds the lock (names its pid, host and start).',
  disposed: 'A ranker or scorer was used after `dispose()`.',
  invalid_kind: 'A model kind registration or lookup that cannot work (unknown kind, bad definition).',
  kind_module: 'A WORKBENCH_MODEL_KINDS module failed to load.',
  plugin_failed: 'A plugin module (features, kinds) failed to load.',
  missing_feature: 'A model needs a feature (name and version) this code does not define.',
  contract_mismatch: "Feature definitions and a model's feature contract disagree.",
  no_normalisation: 'A feature contract is used for scoring before its normalisation was fitted.',
  bad_normalisation: 'A normalisation that does not fit its feature contract.',
  unsupported_store: 'A FeatureStore not made by this library was handed to it.',
  no_users: 'No user can be evaluated (empty test window or no user with history).',
  bad_scores: 'A ranker returned the wrong number of scores or a non-finite score.',
  ranker_failed: 'A ranker threw while scoring during evaluation.',
  tuning_failed: 'No setting of a tuning grid could be evaluated.',
  no_impressions: 'No logged impression to evaluate from (off-policy evaluation, the OPE gate).',
  no_features: 'Logged impressions carry no feature vectors (turn on logFeatures).',
  no_candidate: 'A pipeline run produced no candidate model to gate.',
  pipeline_failed: 'A pipeline run failed for a reason that carries no code of its own.',
  onnx_unsupported: 'A model that cannot be exported to ONNX (a layer the exporter does not know).',
  redis_unavailable: 'Redis could not be reached in time.',
  service_unreachable: 'The simulator could not reach the service it drives.',
  jupyter_missing: 'Jupyter is not installed, so notebooks cannot run.',
  biome_missing: 'Biome is not installed, so promoted modules cannot be formatted.',
  corrupt_model: "A model version's files do not match its manifest, or a file is missing or malformed.",
  unsupported_model: 'A format version or model kind this code cannot read or serve.',
  unservable: 'A version that verifies but fails to open or warm up as the service would.',
  invalid_input: 'Bad input to publish, alias or prune (a name, a file name, a manifest field).',
  registry_busy: "A model's lock stayed held by another live process past the timeout.",
  storage_error: 'Object storage could not be used: missing bucket, refused credentials, unreachable endpoint.',
  unbalanced_report: 'A load report whose rows do not balance (read != kept + rejected): a loader bug.',
  missing_item_state: 'A model needs fitted item state that its feature tables do not hold.',
  kind_exists: 'A model kind of that name is already registered (pass { replace: true }).',
  unknown_kind: 'No model kind of that name is registered.',
  onnx_output: 'The ONNX scorer returned the wrong number of values.',
  onnx_mismatch: 'The ONNX export scores the warm-up requests further from TF.js than the tolerance.',
  not_generated: 'workbench promote refuses to overwrite a module it did not generate.',
  no_propensities: 'Logged impressions carry no propensity (off-policy evaluation needs exploration on).',
  not_replayable: 'Logged requests cannot be replayed (every one restricted its ranking).',
  feature_mismatch: 'Versions in the logs served different feature sets.',
  served_features_differ: 'Logged feature vectors differ from what the feature code recomputes.',
  model_unavailable: 'No servable version of the requested model is loaded (yet).',
  // The service's own (serve/): HTTP-level refusals, each with its status in serve/http-errors.ts.
  invalid_json: 'A request body that is not UTF-8 JSON.',
  invalid_request: 'A request that fails its schema; names the first bad field.',
  unauthorized: 'A missing or wrong admin token.',
  forbidden: 'A cross-site or otherwise refused request.',
  admin_disabled: 'Admin routes are off (no admin token configured).',
  alias_refused: 'The registry refused an alias change (the version is corrupt, unservable or missing).',
  model_not_found: 'No model of that name (or no published version of it).',
  method_not_allowed: 'A route called with a method it does not accept.',
  body_timeout: 'A request body that arrived too slowly.',
  body_too_large: 'A request body over the size limit (declared, streamed or decoded).',
  body_too_fragmented: 'A request body in too many chunks.',
  unsupported_media_type: 'A request body of a type, charset or encoding the route does not accept.',
  not_implemented: 'An operation the configured backend does not support.',
  events_disabled: 'The event log is off in this service.',
  event_log_unavailable: 'The event log cannot take events now (e.g. Redis down): nothing was accepted.',
  port_in_use: 'The port to listen on is taken.',
  timeout: 'A request that ran past the service timeout.',
  http_error: 'Another HTTP-level refusal.',
  internal: 'A bug: the service log has the details for the request id.',
} as const;

/** A machine-readable error code of the library (see ERROR_CODES for each one's meaning). */
export type WorkbenchErrorCode = keyof typeof ERROR_CODES;

/** Base class: a failure a user can act on, with a stable machine-readable code. */
export class WorkbenchError extends Error {
  readonly code: WorkbenchErrorCode;
  constructor(code: WorkbenchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkbenchError';
    this.code = code;
  }
}

/** Bad command-line usage (exit code 2). */
export class UsageError extends WorkbenchError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

/** Input data that cannot be used: names the file, and where known the line and field. */
export class DataError extends WorkbenchError {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  constructor(message: string, where: { file?: string; line?: number; field?: string } = {}, options?: { cause?: unknown }) {
    const at = [where.file, where.line !== undefined ? `line ${where.line}` : undefined, where.field ? `field "${where.field}"` : undefined]
      .filter(Boolean)
      .join(', ');
    super('bad_data', at ? `${at}: ${message}` : message, options);
    this.name = 'DataError';
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

/** A requested thing (model, version, alias, file) does not exist. */
export class NotFoundError extends WorkbenchError {
  constructor(message: string) {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

/** A library function called with a value it cannot use; the message names the parameter and value. */
export class InvalidArgumentError extends WorkbenchError {
  constructor(message: string) {
    super('invalid_argument', message);
    this.name = 'InvalidArgumentError';
  }
}

/** Normalises anything thrown into a one-line message. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
