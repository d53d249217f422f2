/**
 * What a recommendation response serves and logs, per variant of the experiment file:
 * - exploration (src/experiments/exploration.ts): the model ranks a larger pool, the served list
 *   is drawn from it with a seed per request id, and every impression carries the propensity of
 *   its item at its position;
 * - feature logging (`logFeatures`, a sample rate): the impressions of sampled requests carry the
 *   feature vector the model scored the item with.
 * Every impression names its policy ("store@3", "store@3 + epsilon 0.2 in top 20"), the page item
 * of a product-page request, and whether the caller restricted the ranking (candidates, exclude),
 * which is what an off-policy replay needs to know. Kept out of
 * the route so the request path stays one call here.
 */
import type { InteractionEvent } from '../src/data/schema.js';
import type { Variant } from '../src/experiments/assignment.js';
import { describeExploration, exploreRanking, poolSize, requestRng } from '../src/experiments/exploration.js';
import type { RecommendQuery, ScoredItem, ServableModel } from '../src/serving/servable.js';
import { hashString } from '../src/util/random.js';
import type { PendingEvents } from './exposure.js';

/** The served list and what its impressions carry. */
export interface ServedList {
  items: ScoredItem[];
  /** Per shown item, when the variant explores. */
  propensities?: number[];
  /** Per shown item, when this request was sampled for feature logging. */
  features?: number[][];
  policy: string;
  /** The request's page item, logged so a replay ranks in the same context. */
  contextItemId?: string;
  /** The caller restricted the ranking (its lists are not logged: a replay cannot re-rank it). */
  restricted?: InteractionEvent['restricted'];
}

/** True when the request with this id is in the `rate` sample (stable per request id). */
export function sampled(requestId: string, rate: number): boolean {
  return rate > 0 && hashString(`features\u0000${requestId}`) / 4294967296 < rate;
}

/**
 * Ranks with `model` for `query` under `variant`'s exploration and feature logging. The model
 * owns exclusion and k; enforcing both here keeps a faulty model from breaking the contract.
 */
export function serveRanking(model: ServableModel, query: RecommendQuery, variant: Variant | undefined, requestId: string): ServedList {
  const exploration = variant?.exploration;
  let items = model.recommend(exploration ? { ...query, k: poolSize(exploration, query.k) } : query);
  if (query.exclude?.length) {
    const skip = new Set(query.exclude);
    items = items.filter((it) => !skip.has(it.itemId));
  }
  const policy = `${model.name}@${model.version}`;
  const out: ServedList = { items, policy };
  if (query.itemId !== undefined) out.contextItemId = query.itemId;
  const restricted = [query.candidates && 'candidates', query.exclude?.length && 'exclude'].filter(Boolean).join('+');
  if (restricted) out.restricted = restricted as ServedList['restricted'];
  if (exploration) {
    const drawn = exploreRanking(items, query.k, exploration, requestRng(requestId));
    out.items = drawn.items;
    out.propensities = drawn.propensities;
    out.policy = `${policy} + ${describeExploration(exploration)}`;
  } else if (items.length > query.k) out.items = items.slice(0, query.k);
  if (variant?.logFeatures && model.featureRows && out.items.length && sampled(requestId, variant.logFeatures)) {
    const rows = model.featureRows(
      query.userId,
      out.items.map((it) => it.itemId),
      query.itemId,
    );
    const dim = rows.names.length;
    out.features = out.items.map((_, i) => Array.from(rows.values.subarray(i * dim, (i + 1) * dim)));
  }
  return out;
}

/** Where and when a served list was shown: what each of its impressions carries besides the item. */
export interface ImpressionContext {
  userId: string;
  requestId: string;
  variant: string;
  ts: number;
}

/**
 * A served list's impressions as one compact record (the item ids and what every impression
 * shares), for the exposure buffer to hold until its flush expands them into events.
 */
export class ServedImpressions implements PendingEvents {
  readonly count: number;
  private readonly itemIds: string[];
  /** Everything of the served list but its scored items (which need not outlive the response). */
  private readonly shared: Omit<ServedList, 'items'>;

  constructor(
    served: ServedList,
    private readonly at: ImpressionContext,
  ) {
    const { items, ...shared } = served;
    this.itemIds = items.map((it) => it.itemId);
    this.count = this.itemIds.length;
    this.shared = shared;
  }

  expand(): InteractionEvent[] {
    const { at, shared } = this;
    return this.itemIds.map((itemId, position) => {
      const e: InteractionEvent = {
        userId: at.userId,
        itemId,
        ts: at.ts,
        type: 'impression',
        requestId: at.requestId,
        position,
        variant: at.variant,
        policy: shared.policy,
      };
      if (shared.propensities) e.propensity = shared.propensities[position];
      if (shared.features) e.features = shared.features[position];
      if (shared.contextItemId !== undefined) e.contextItemId = shared.contextItemId;
      if (shared.restricted) e.restricted = shared.restricted;
      return e;
    });
  }
}

/** The impression events of a served list. */
export function impressionEvents(served: ServedList, at: ImpressionContext): InteractionEvent[] {
  return new ServedImpressions(served, at).expand();
}
