/**
 * Ranking features: popularity, co-occurrence, attributes, user profiles, candidates, and the
 * feature contract, behind one FeatureStore built from a training window.
 */
export {
  ATTRIBUTE_KINDS,
  type AttributeKind,
  attributeSimilarity,
  DEFAULT_PRICE_BANDS,
  type ItemRecord,
  priceBandOf,
  priceEdges,
} from './attributes.js';
export { DEFAULT_CANDIDATES } from './candidates.js';
export {
  assertSameFeatures,
  defaultContract,
  FEATURE_DOCS,
  FEATURE_INDEX,
  FEATURE_NAMES,
  type FeatureContract,
  featureContractSchema,
  fitNormalisation,
  normalise,
} from './contract.js';
export { type CooccurrenceReport, DEFAULT_MAX_BASKET_SIZE, DEFAULT_NEIGHBOURS } from './cooccurrence.js';
export type { DType, EncodedArray } from './encoding.js';
export { DAY_MS, DEFAULT_HALF_LIFE_DAYS, DEFAULT_RECENCY_HALF_LIFE_DAYS, decay, POPULARITY_HALF_LIVES_DAYS } from './popularity.js';
export type { HistoryEntry, UserProfile } from './profiles.js';
export {
  type BuildFeatureStoreOptions,
  buildFeatureStore,
  type FeatureBuildReport,
  type FeatureStore,
  featureStoreFromTables,
  featureStoreToTables,
  TableFeatureStore,
  withNormalisation,
} from './store.js';
export { FEATURE_TABLES_FORMAT, type FeatureTables, type StoreParams } from './tables.js';
export { DEFAULT_SESSION_GAP_MINUTES, type WindowReport } from './window.js';
