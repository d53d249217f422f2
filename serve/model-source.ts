/**
 * Where served models come from. The service polls `describe` (cheap) and calls `load` only for
 * versions it decided to serve, off the request path. The registry implementation lives in
 * serve/registry-source.ts; tests use serve/testing/memory-source.ts.
 */
import type { ServableModel } from '../src/serving/servable.js';

/** What a model has published: its versions and where its aliases point. */
export interface ModelDescription {
  /** Published version numbers (positive integers, any order). */
  versions: number[];
  /** Alias name -> version (e.g. `{ champion: 3, challenger: 4 }`). */
  aliases: Record<string, number>;
}

/** A source of model versions. */
export interface ModelSource {
  /**
   * Lists a model's versions and aliases. Cheap: called on every poll.
   * Rejects with a NotFoundError when the model does not exist.
   */
  describe(name: string): Promise<ModelDescription>;
  /**
   * Loads and verifies one version (hashes, format). The result is not yet warmed: the store runs
   * its warm-up requests before serving it. Rejects when the version is missing or broken.
   */
  load(name: string, version: number): Promise<ServableModel>;
}
