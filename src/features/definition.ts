/**
 * The interface data scientists hook their features into. A feature says what it is (name, doc,
 * scope, version), which per-user state it keeps and how an event updates it (a
 * `UserStateDefinition`, optional), and how its value is read for a request's candidates. The 23
 * built-in features (builtin.ts) are written against exactly this interface.
 *
 * A feature reads, through the `FeatureRequest`:
 * - item-side state, built from the training window and versioned with the model (`req.items`:
 *   popularity, co-occurrence neighbours, attributes);
 * - the user's live state (`req.user`: the history, resolved to item indices; `req.state(def)`:
 *   its own custom state), read at `req.now`;
 * - the context item (`req.context`), and per-request aggregates every feature shares
 *   (`req.scratch`: co-occurrence with the history, the user's own items, attribute affinities).
 */
import type { ItemStateUse } from './item-state.js';
import type { FeatureRequest } from './request.js';
import type { UserStateDefinition } from './user-state.js';

/** What a feature's value depends on. */
export type FeatureScope = 'item' | 'user' | 'user_item' | 'context';

/** One feature (see the module comment). */
export interface FeatureDefinition {
  /** Column name in the model's contract; unique among registered features. */
  readonly name: string;
  /** One line: what the value is (and, ideally, why it helps ranking). */
  readonly doc: string;
  readonly scope: FeatureScope;
  /** Bump when the value's meaning changes: a model trained on another version refuses to load. */
  readonly version: number;
  /** Per-user state this feature keeps (updated by every event, offline and online). */
  readonly userState?: UserStateDefinition;
  /**
   * Item state this feature reads that is LEARNT from the training window (e.g. MF item factors,
   * item-state.ts): fitted when a store with this feature is built, written into the version's
   * tables, read with `req.items.fitted.get(use)`.
   */
  readonly itemState?: ItemStateUse;
  /**
   * Writes the feature for every candidate: row r's value goes to `out[r * stride + col]`.
   * Unknown candidates have index -1, unknown users `req.user === undefined`; values must be finite.
   */
  fill(req: FeatureRequest, out: Float32Array, col: number, stride: number): void;
}

/** A feature written as a function of one candidate (the simple form; see `defineFeature`). */
export interface FeatureSpec {
  name: string;
  doc: string;
  scope: FeatureScope;
  /** Default 1. */
  version?: number;
  userState?: UserStateDefinition;
  /**
   * The value for candidate item index `c` (-1 for an item the model does not know).
   * Called once per candidate; keep it cheap (per-request work belongs in a user state or scratch).
   */
  value(req: FeatureRequest, c: number): number;
}

/** Turns a per-candidate function into a FeatureDefinition. */
export function defineFeature(spec: FeatureSpec): FeatureDefinition {
  const { value } = spec;
  return {
    name: spec.name,
    doc: spec.doc,
    scope: spec.scope,
    version: spec.version ?? 1,
    userState: spec.userState,
    fill(req, out, col, stride) {
      const cands = req.candidates;
      for (let r = 0; r < cands.length; r++) out[r * stride + col] = value(req, cands[r]);
    },
  };
}
