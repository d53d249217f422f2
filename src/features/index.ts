/**
 * Ranking features: feature definitions (the interface custom features implement), feature sets,
 * per-user state updated by events (offline replay and online alike) behind a UserStateStore, the
 * item tables a model version ships (popularity, co-occurrence, attributes, fitted item states such
 * as MF factors), candidates, and the
 * feature contract, joined by one FeatureStore.
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
export { BPR_DEFAULTS, BPR_FACTORS, type BprFit, type BprModel, type BprParams, bprParams, bprScore, foldInUser, trainBpr } from './bpr.js';
export { BUILTIN_FEATURES } from './builtin.js';
export { DEFAULT_CANDIDATES } from './candidates.js';
export {
  assertSameFeatures,
  defaultContract,
  FEATURE_DOCS,
  FEATURE_INDEX,
  FEATURE_NAMES,
  type FeatureContract,
  featureContractSchema,
  fitGroupsNormalisation,
  fitNormalisation,
  normalise,
} from './contract.js';
export { type CooccurrenceReport, DEFAULT_MAX_BASKET_SIZE, DEFAULT_NEIGHBOURS } from './cooccurrence.js';
export { defineFeature, type FeatureDefinition, type FeatureScope, type FeatureSpec } from './definition.js';
export type { DType, EncodedArray } from './encoding.js';
export {
  CATALOGUE_FEATURE_SET,
  contractOf,
  DEFAULT_FEATURE_SET,
  type FeatureSet,
  featureSet,
  featureSetByName,
  featureSetId,
  featureSets,
  registeredFeatures,
  registeredUserStates,
  registerFeature,
  registerFeatureSet,
  resolveContract,
} from './feature-set.js';
export {
  FittedItemStates,
  type FittedStateEntry,
  type InteractionMatrix,
  type ItemStateDefinition,
  type ItemStateUse,
  interactionMatrix,
  itemStateUse,
} from './item-state.js';
export { MF_FEATURE_SET, MF_SCORE, MF_SCORE_STATE } from './mf-feature.js';
export { DAY_MS, DEFAULT_HALF_LIFE_DAYS, DEFAULT_RECENCY_HALF_LIFE_DAYS, decay, POPULARITY_HALF_LIVES_DAYS } from './popularity.js';
export type { HistoryEntry, UserProfile } from './profiles.js';
export type { FeatureRequest, ItemRuntime, ItemTables, Scratch, UserView } from './request.js';
export {
  type BuildFeatureStoreOptions,
  buildFeatureStore,
  type FeatureBuildReport,
  type FeatureStore,
  type FromTablesOptions,
  featureStoreFromTables,
  featureStoreToTables,
  fittedItemState,
  TableFeatureStore,
  type TableFeatureStoreParts,
  withNormalisation,
} from './store.js';
export { FEATURE_TABLES_FORMAT, type FeatureTables, type StoreParams } from './tables.js';
export { DEFAULT_SESSION_GAP_MINUTES, type WindowReport } from './training-window.js';
export {
  applyEvent,
  type EventStep,
  emptyUserState,
  eventStrength,
  type HistoryItemState,
  type UserHistory,
  type UserState,
  type UserStateDefinition,
} from './user-state.js';
export { type MemoryUserStateOptions, MemoryUserStateStore, replayUntil, type UserStateStore } from './user-state-store.js';
