/**
 * The baselines as model kinds (src/models/kinds.ts registers them): each one's factory and the
 * knobs it is tuned over on the validation window, exactly as the ranker's early stopping is, so
 * the comparison is fair. Grid values are JSON-safe (they go into manifests).
 */
import type { HeuristicKind } from '../kinds.js';
import { AttributeRanker, type AttributeRankerOptions } from './attributes.js';
import { type BprOptions, BprRanker } from './bpr.js';
import { CooccurrenceRanker, type CooccurrenceRankerOptions } from './cooccurrence.js';
import { type ItemKnnOptions, ItemKnnRanker } from './item-knn.js';
import { type PopularityOptions, PopularityRanker } from './popularity.js';
import { type RepeatOptions, RepeatRanker } from './repeat.js';

/** Global popularity with recency decay. */
export const POPULARITY: HeuristicKind<PopularityOptions> = {
  family: 'heuristic',
  name: 'popularity',
  description: 'global popularity with recency decay (the non-personal floor)',
  defaults: {},
  grid: [{ halfLifeDays: 7 }, { halfLifeDays: 30 }, { halfLifeDays: 120 }, { halfLifeDays: 365 }],
  create: (store, params) => new PopularityRanker(store, params),
};

/** The user's own items again: strongest and most recent first. */
export const REPEAT: HeuristicKind<RepeatOptions> = {
  family: 'heuristic',
  name: 'repeat',
  description: "the user's own past items (strongest and most recent first), then popular items",
  defaults: {},
  grid: [{ recencyHalfLifeDays: 7 }, { recencyHalfLifeDays: 30 }, { recencyHalfLifeDays: 365 }],
  create: (store, params) => new RepeatRanker(store, params),
};

/** Item-to-item co-occurrence with the user's history and the item on the page. */
export const COOCCURRENCE: HeuristicKind<CooccurrenceRankerOptions> = {
  family: 'heuristic',
  name: 'cooccurrence',
  description: "co-occurrence neighbours of the user's history and the context item",
  defaults: {},
  grid: [
    { recencyHalfLifeDays: 30, popularityWeight: 0 },
    { recencyHalfLifeDays: 365, popularityWeight: 0 },
    { recencyHalfLifeDays: 30, popularityWeight: 0.1 },
  ],
  create: (store, params) => new CooccurrenceRanker(store, params),
};

/** Attribute similarity to the user's weighted history and the item on the page. */
export const ATTRIBUTES: HeuristicKind<AttributeRankerOptions> = {
  family: 'heuristic',
  name: 'attributes',
  description: "the user's affinity to each item's brand, colour, category and price band",
  defaults: {},
  grid: [{ popularityWeight: 0 }, { popularityWeight: 0.3 }],
  create: (store, params) => new AttributeRanker(store, params),
  // Without any attribute every affinity is 0 and the ranking is popularity's tie-break.
  unavailable: (store) =>
    store.itemIds.some((id) => {
      const it = store.item(id);
      return it?.brand !== undefined || it?.colour !== undefined || it?.category !== undefined || it?.price !== undefined;
    })
      ? undefined
      : 'no item has a brand, colour, category or price (it would only re-rank by popularity)',
};

/** Item-based collaborative filtering: cosine over the users of each item, the neighbourhood size tuned. */
export const ITEM_KNN: HeuristicKind<ItemKnnOptions> = {
  family: 'heuristic',
  name: 'item-knn',
  description: "items whose users overlap with those of the user's history items (cosine, top-N neighbours)",
  defaults: {},
  grid: [{ neighbours: 5 }, { neighbours: 10 }, { neighbours: 25 }, { neighbours: 50 }, { neighbours: 100 }, { neighbours: 200 }],
  create: (store, params) => new ItemKnnRanker(store, params),
};

/** Matrix factorisation by BPR: item factors fitted per store, the user folded in from the history. */
export const BPR: HeuristicKind<BprOptions> = {
  family: 'heuristic',
  name: 'bpr',
  description: 'BPR matrix factorisation (item factors fitted before the cutoff, the user folded in from the history)',
  defaults: {},
  // The first setting is the mf_score feature's (features/mf-feature.ts): one fit serves both. More
  // epochs with a stronger L2 never won on either dataset and cost the most: not tried.
  grid: [{}, { factors: 64 }],
  create: (store, params) => new BprRanker(store, params),
};

/** Every baseline kind, in report order. */
export const BASELINE_MODEL_KINDS = [POPULARITY, REPEAT, COOCCURRENCE, ATTRIBUTES, ITEM_KNN, BPR] as const;
