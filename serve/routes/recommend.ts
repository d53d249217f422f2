/**
 * POST /v1/recommendations and POST /v1/rank: the storefront's routes. Each response names the
 * model version and A/B variant and carries a request id (also the log line's id) that impression
 * and click events refer to. Recommendations log their impressions through the exposure buffer
 * (off the response path); /v1/rank does not, since the caller decides how many of the re-ranked
 * items are shown: it posts those impressions to /v1/events itself. What a variant serves and its
 * impressions carry (exploration, propensities, feature vectors) is decided in serve/served-list.ts.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ScoredItem } from '../../src/serving/servable.js';
import { readBody } from '../body.js';
import { ApiError } from '../http-errors.js';
import { acceptRankRequest, acceptRecommendRequest } from '../request-check.js';
import { rankRequestSchema, recommendRequestSchema, recommendResponseSchema } from '../schemas.js';
import { ServedImpressions, type ServedList, serveRanking } from '../served-list.js';
import { prefetchUsers } from '../user-state-access.js';
import type { Routed } from '../variants.js';
import { type App, type AppEnv, dedupe, errorResponses, jsonBody, jsonResponse, mount, type Resolved } from './shared.js';

const recommendRoute = createRoute({
  method: 'post',
  path: '/v1/recommendations',
  summary: 'Top-k recommendations for a user (optionally on an item page, optionally within given candidates)',
  request: { body: jsonBody(recommendRequestSchema) },
  responses: {
    200: jsonResponse(recommendResponseSchema, 'ranked items, the model version and the variant'),
    ...errorResponses(400, 413, 415, 503, 504),
  },
});

const rankRoute = createRoute({
  method: 'post',
  path: '/v1/rank',
  summary: "Re-rank the caller's items for a user",
  request: { body: jsonBody(rankRequestSchema) },
  responses: {
    200: jsonResponse(recommendResponseSchema, 'all given items (duplicates removed), best first'),
    ...errorResponses(400, 413, 415, 503, 504),
  },
});

function unavailable(d: Resolved): ApiError {
  const name = d.router.modelName;
  return new ApiError(
    503,
    'model_unavailable',
    `model "${name}" has no servable version yet (loading or refused; see GET /v1/models/${name})`,
    {
      headers: { 'Retry-After': '2' },
    },
  );
}

function route(c: Context<AppEnv>, d: Resolved, userId: string): Routed {
  const routed = d.router.route(userId);
  if (!routed) throw unavailable(d);
  const log = c.get('log');
  log.variant = routed.variant;
  log.model = routed.lease.model.name;
  log.version = routed.lease.model.version;
  if (routed.fallbackFrom) log.fallbackFrom = routed.fallbackFrom;
  return routed;
}

function respond(c: Context<AppEnv>, d: Resolved, userId: string, routed: Routed, items: ScoredItem[], degraded: string[]) {
  const { name, version } = routed.lease.model;
  d.metrics.recommendations.inc({ model: name, variant: routed.variant, version: String(version) });
  c.get('log').items = items.length;
  return c.json(
    {
      requestId: c.get('requestId'),
      userId,
      model: { name, version },
      variant: routed.variant,
      ...(routed.fallbackFrom ? { fallbackFrom: routed.fallbackFrom } : {}),
      ...(degraded.length ? { degraded } : {}),
      items,
    },
    200,
  );
}

/** Mounts the recommendation routes. */
export function mountRecommendRoutes(app: App, d: Resolved): void {
  mount(app, recommendRoute, async (c) => {
    const body = await readBody(c, recommendRequestSchema, d.body, acceptRecommendRequest);
    const degraded = await prefetchUsers(c, d.userState, [body.userId]);
    const routed = route(c, d, body.userId);
    const requestId = c.get('requestId');
    const variant = d.router.experiment.variants.find((v) => v.name === routed.variant);
    let served: ServedList;
    try {
      const query = {
        userId: body.userId,
        itemId: body.itemId,
        k: body.k,
        candidates: body.candidates && dedupe(body.candidates),
        exclude: body.exclude,
      };
      served = serveRanking(routed.lease.model, query, variant, requestId);
    } finally {
      routed.lease.release();
    }
    if (d.logExposures && d.exposures && served.items.length) {
      d.exposures.log(new ServedImpressions(served, { userId: body.userId, requestId, variant: routed.variant, ts: Date.now() }));
    }
    return respond(c, d, body.userId, routed, served.items, degraded);
  });

  mount(app, rankRoute, async (c) => {
    const body = await readBody(c, rankRequestSchema, d.body, acceptRankRequest);
    const degraded = await prefetchUsers(c, d.userState, [body.userId]);
    const routed = route(c, d, body.userId);
    let items: ScoredItem[];
    try {
      items = routed.lease.model.rank(body.userId, dedupe(body.itemIds));
    } finally {
      routed.lease.release();
    }
    return respond(c, d, body.userId, routed, items, degraded);
  });
}
