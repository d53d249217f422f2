/**
 * The zod schemas of every request and response. Handlers validate with them and GET /openapi.json
 * is generated from the same objects, so the documentation cannot drift from what is enforced.
 * Request objects are strict: an unknown field (a typo such as "candidate") is a 400 naming it,
 * not silently ignored.
 */
import { z } from '@hono/zod-openapi';

/** Most items a request may name (candidates, exclude, itemIds, predict instances). */
export const MAX_IDS = 1000;
/** Most events per POST /v1/events. */
export const MAX_EVENTS = 500;
/** Latest accepted event time (2100-01-01): keeps partition dates sane. */
export const MAX_TS = Date.UTC(2100, 0, 1);

/** Longest id (UTF-16 code units, as zod counts). */
export const MAX_ID_LENGTH = 256;

/** A lone UTF-16 surrogate: JSON.parse accepts `"\ud800"`, but it is not Unicode and DuckDB refuses the log line. */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `s` is well-formed Unicode (no lone surrogates), so it survives the event log. */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** A string that is well-formed Unicode (no lone surrogates), so it survives the event log. */
const text = () => z.string().refine(isWellFormedText, 'contains a lone UTF-16 surrogate (not valid Unicode)');

const id = (what: string) => text().min(1).max(MAX_ID_LENGTH).openapi({ description: what });

/** POST /v1/recommendations. */
export const recommendRequestSchema = z
  .strictObject({
    userId: id('the shopper; unknown users get a non-personal ranking').openapi({ example: 'u42' }),
    itemId: id('the item on the page (product-page recommendations)').optional(),
    k: z.number().int().min(1).max(100).default(10).openapi({ description: 'how many items to return' }),
    candidates: z.array(id('item id')).max(MAX_IDS).optional().openapi({ description: 'rank only these ids (duplicates removed)' }),
    exclude: z.array(id('item id')).max(MAX_IDS).optional().openapi({ description: 'ids never to return' }),
  })
  .openapi('RecommendRequest');
/** A validated recommendation request. */
export type RecommendRequest = z.infer<typeof recommendRequestSchema>;

/** One ranked item. */
export const scoredItemSchema = z.object({ itemId: z.string(), score: z.number() }).openapi('ScoredItem');

/** Response of /v1/recommendations and /v1/rank. */
export const recommendResponseSchema = z
  .object({
    requestId: z.string().openapi({ description: 'uuid; impression and click events refer to it', format: 'uuid' }),
    userId: z.string(),
    model: z.object({ name: z.string(), version: z.number().int() }),
    variant: z.string().openapi({ description: 'A/B variant that served this response' }),
    fallbackFrom: z
      .string()
      .optional()
      .openapi({ description: 'present when the assigned variant had no model and the control variant served instead' }),
    degraded: z
      .array(z.literal('user_state'))
      .optional()
      .openapi({ description: 'present when the shared user state (Redis) could not be read: ranked with model-only features' }),
    items: z.array(scoredItemSchema),
  })
  .openapi('RecommendResponse');
/** A recommendation (or rank) response. */
export type RecommendResponse = z.infer<typeof recommendResponseSchema>;

/** POST /v1/rank. */
export const rankRequestSchema = z
  .strictObject({
    userId: id('the shopper'),
    itemIds: z.array(id('item id')).max(MAX_IDS).openapi({ description: 'items to re-rank (duplicates removed)' }),
  })
  .openapi('RankRequest');
/** A validated /v1/rank request body. */
export type RankRequestBody = z.infer<typeof rankRequestSchema>;

const instanceSchema = z
  .strictObject({ userId: id('user'), itemId: id('item to score'), contextItemId: id('item on the page').optional() })
  .openapi('PredictInstance');

const columnsSchema = z.strictObject({
  userId: z.array(id('user')).min(1).max(MAX_IDS),
  itemId: z.array(id('item')).min(1).max(MAX_IDS),
  contextItemId: z.array(id('item on the page')).max(MAX_IDS).optional(),
});

/** TF Serving's REST predict body: row format `instances` or columnar `inputs` (exactly one). */
export const predictRequestSchema = z
  .strictObject({
    signature_name: z.literal('serving_default').optional(),
    instances: z.array(instanceSchema).min(1).max(MAX_IDS).optional(),
    inputs: columnsSchema.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.instances === undefined) === (body.inputs === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['instances'], message: 'give exactly one of "instances" (rows) or "inputs" (columns)' });
      return;
    }
    const cols = body.inputs;
    if (!cols) return;
    const n = cols.userId.length;
    if (cols.itemId.length !== n)
      ctx.addIssue({ code: 'custom', path: ['inputs', 'itemId'], message: `has ${cols.itemId.length} values, userId has ${n}` });
    if (cols.contextItemId && cols.contextItemId.length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: ['inputs', 'contextItemId'],
        message: `has ${cols.contextItemId.length} values, userId has ${n}`,
      });
    }
  })
  .openapi('PredictRequest');
/** A validated predict request. */
export type PredictRequest = z.infer<typeof predictRequestSchema>;

/** TF Serving answers `instances` with `predictions` and columnar `inputs` with `outputs`. */
export const predictResponseSchema = z
  .object({
    predictions: z.array(z.number()).optional(),
    outputs: z.array(z.number()).optional(),
    model: z.object({ name: z.string(), version: z.number().int() }),
  })
  .openapi('PredictResponse');

/** Event types the storefront may post. */
export const POSTED_EVENT_TYPES = ['impression', 'click', 'cart', 'purchase'] as const;

/** One posted event. */
export const postedEventSchema = z
  .strictObject({
    type: z.enum(POSTED_EVENT_TYPES),
    userId: id('user'),
    itemId: id('item'),
    requestId: id('the recommendation response this event refers to').optional(),
    position: z.number().int().min(0).max(10_000).optional().openapi({ description: '0-based position in that response' }),
    ts: z.number().int().min(0).max(MAX_TS).optional().openapi({ description: 'epoch ms, UTC; default: now' }),
    variant: text().min(1).max(64).optional(),
  })
  .openapi('Event');
/** A validated posted event. */
export type PostedEvent = z.infer<typeof postedEventSchema>;

/** POST /v1/events. */
export const eventsRequestSchema = z.strictObject({ events: z.array(postedEventSchema).min(1).max(MAX_EVENTS) }).openapi('EventsRequest');
/** 202 answer of POST /v1/events. */
export const eventsResponseSchema = z.object({ accepted: z.number().int() }).openapi('EventsResponse');

/** A model name path parameter. */
export const modelNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a model name is letters, digits, ".", "_" or "-" (at most 128)')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'demo' });
/** A version path parameter (a positive integer, as text). */
export const versionParamSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'a version is a positive integer')
  .transform(Number)
  .openapi({ param: { name: 'version', in: 'path' }, example: '3', type: 'integer' });
/** An alias path parameter. */
export const aliasParamSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/, 'an alias starts with a letter: letters, digits, ".", "_" or "-" (at most 64)')
  .openapi({ param: { name: 'alias', in: 'path' }, example: 'champion' });

/** Path parameters of /v1/models/{name}... */
export const modelParamsSchema = z.object({ name: modelNameSchema });
/** Path parameters of .../versions/{version}... */
export const versionParamsSchema = z.object({ name: modelNameSchema, version: versionParamSchema });
/** Path parameters of .../labels/{alias}... and the admin alias route. */
export const aliasParamsSchema = z.object({ name: modelNameSchema, alias: aliasParamSchema });

/** PUT /admin/models/{name}/aliases/{alias}. */
export const setAliasRequestSchema = z.strictObject({ version: z.number().int().min(1) }).openapi('SetAliasRequest');

/** Every error. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string(),
      field: z.string().optional().openapi({ example: 'candidates[3]' }),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');

const versionStatusSchema = z.object({
  version: z.number().int(),
  state: z.enum(['LOADING', 'AVAILABLE', 'UNLOADING', 'FAILED', 'NOT_LOADED']),
  aliases: z.array(z.string()),
  error: z.string().optional(),
  loadedAt: z.string().optional(),
  warmupMs: z.number().optional(),
  inFlight: z.number().int().optional(),
});

/** GET /v1/models/{name}. */
export const modelStatusSchema = z
  .object({
    name: z.string(),
    aliases: z.record(z.string(), z.number().int()),
    model_version_status: z.array(versionStatusSchema),
    lastReloadAt: z.string().optional(),
    lastError: z.string().optional(),
  })
  .openapi('ModelStatus');

/** GET /v1/models/{name}/metadata. */
export const modelMetadataSchema = z
  .object({
    model: z.object({ name: z.string(), version: z.number().int(), kind: z.string() }),
    featureContract: z.unknown().openapi({ description: "the manifest's feature contract" }),
    manifest: z.record(z.string(), z.unknown()),
    scoring: z
      .object({
        backend: z.enum(['onnxruntime', 'tfjs']),
        reason: z.string(),
        parity: z.object({ maxAbsDiff: z.number(), requests: z.number().int(), rows: z.number().int() }).optional(),
      })
      .nullable()
      .openapi({ description: 'which engine scores this version and why (null for heuristic kinds)' }),
  })
  .openapi('ModelMetadata');

/** GET /readyz. */
export const readinessSchema = z
  .object({
    ready: z.boolean(),
    draining: z.boolean(),
    models: z.record(z.string(), z.object({ ready: z.boolean(), version: z.number().int().optional(), reason: z.string().optional() })),
    userState: z
      .object({ backend: z.literal('redis'), available: z.boolean(), reason: z.string().optional() })
      .optional()
      .openapi({ description: 'the shared user state; while unavailable the service stays ready, serving model-only features' }),
    degraded: z.array(z.literal('user_state')).optional(),
  })
  .openapi('Readiness');

/** POST /admin/reload. */
export const reloadResponseSchema = z
  .object({
    models: z.array(
      z.object({
        name: z.string(),
        changed: z.boolean(),
        loaded: z.array(z.number().int()),
        refused: z.array(z.object({ version: z.number().int(), stage: z.string(), error: z.string() })),
        retired: z.array(z.number().int()),
        aliases: z.record(z.string(), z.number().int()),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi('ReloadResponse');
