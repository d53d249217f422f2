/**
 * Training on served features needs them to be the features the feature code computes: this check
 * takes the impressions that carry a logged feature vector, recomputes the vector with the version
 * that served them (its own feature definitions and tables) on the user state the service had at
 * that request (replay.ts), and compares them value by value (the live-log form of the feature
 * layer's offline/online consistency test).
 */
import type { InteractionEvent } from '../data/schema.js';
import { WorkbenchError } from '../errors.js';
import { loggedRequests } from './logged-requests.js';
import { type ReplaySource, replayRequests } from './replay.js';

/** One differing value. */
export interface FeatureMismatch {
  requestId: string;
  itemId: string;
  feature: string;
  logged: number;
  recomputed: number;
}

/** What the check found. */
export interface ServedFeatureCheck {
  version: number;
  /** The feature names of the vectors (the version's contract), in order. */
  names: string[];
  requests: number;
  vectors: number;
  /** Vectors with at least one value off by more than the tolerance. */
  mismatched: number;
  maxAbsDiff: number;
  examples: FeatureMismatch[];
  notes: string[];
}

/**
 * Recomputes and compares every logged vector of `source.version`'s requests (policy "name@version...").
 * @param tolerance - absolute difference allowed (default 1e-5: vectors are float32).
 * @throws WorkbenchError `no_features` when no impression of that version carries a feature vector.
 */
export async function checkServedFeatures(
  source: ReplaySource & { version: number },
  events: readonly InteractionEvent[],
  tolerance = 1e-5,
): Promise<ServedFeatureCheck> {
  const prefix = `${source.name}@${source.version}`;
  const { all } = loggedRequests(events);
  const requests = all.filter((r) => (r.policy === prefix || r.policy?.startsWith(`${prefix} `)) && r.slots.every((s) => s.features));
  if (requests.length === 0) {
    throw new WorkbenchError('no_features', `no impression of ${prefix} carries a feature vector: turn on "logFeatures" for its variant`);
  }
  let vectors = 0;
  let mismatched = 0;
  let maxAbsDiff = 0;
  const examples: FeatureMismatch[] = [];
  let names: string[] = [];
  const done = await replayRequests(source, events, requests, (model, r) => {
    if (!model.featureRows) throw new WorkbenchError('no_features', `${prefix} (${model.kind}) computes no feature vectors`);
    const rows = model.featureRows(
      r.userId,
      r.slots.map((s) => s.itemId),
      r.contextItemId,
    );
    const dim = rows.names.length;
    names = [...rows.names];
    r.slots.forEach((s, i) => {
      vectors++;
      const logged = s.features as number[];
      let bad = logged.length !== dim;
      for (let j = 0; j < dim; j++) {
        const diff = Math.abs((logged[j] ?? Number.NaN) - rows.values[i * dim + j]);
        if (!(diff <= tolerance)) {
          bad = true;
          if (examples.length < 5)
            examples.push({
              requestId: r.requestId,
              itemId: s.itemId,
              feature: rows.names[j],
              logged: logged[j],
              recomputed: rows.values[i * dim + j],
            });
        }
        if (diff > maxAbsDiff) maxAbsDiff = diff;
      }
      if (bad) mismatched++;
    });
  });
  return { version: done.version, names, requests: requests.length, vectors, mismatched, maxAbsDiff, examples, notes: done.notes };
}
