/**
 * The Ranker conformance suite: what every model (baselines, the TF.js ranker, anything new)
 * promises the evaluation and the service. Run it from a model's test file:
 *
 *   describeRankerConformance('popularity', async () => ({ ranker, knownUser, knownItems }));
 *
 * The checks are plain functions (RANKER_CHECKS) that throw a ConformanceError, so the suite can be
 * tested against deliberately broken rankers; `describeRankerConformance` wraps them in vitest.
 * `describeKindConformance(kind)` runs them on a ranker of any registered model kind
 * (src/models/kinds.ts) built on a seeded shop: the test a new kind gets for free.
 * Import it from tests only (it imports vitest).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { errorMessage } from '../../errors.js';
import { DAY_MS } from '../../features/popularity.js';
import { buildFeatureStore, type TableFeatureStore } from '../../features/store.js';
import { randomShop } from '../../features/testing/shops.js';
import { initBackend, tf } from '../backend.js';
import { createScorerModel, kindParams, type ModelKind, scorerRanker } from '../kinds.js';
import { type BuiltGroups, buildTrainingGroups } from '../ltr/groups.js';
import { trainRanker } from '../ltr/train-ranker.js';
import type { Ranker, RankRequest } from '../ranker.js';

/** What a model's test hands the suite. */
export interface ConformanceSubject {
  ranker: Ranker;
  /** A user the model knows (has pre-cutoff events). */
  knownUser: string;
  /** Items the model knows (at least 2), used as candidates and as context items. */
  knownItems: string[];
  /** A user the model knows but who has no events; default: an id no model has seen. */
  userWithoutHistory?: string;
}

/** Builds a fresh subject; calling it twice must give rankers that score identically (same seed). */
export type MakeSubject = () => Promise<ConformanceSubject>;

/** A broken promise of the Ranker contract. */
export class ConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceError';
  }
}

/** One check of the suite. */
export interface RankerCheck {
  name: string;
  run(subject: ConformanceSubject, make: MakeSubject): Promise<void> | void;
}

const UNKNOWN_USER = 'conformance:unknown-user';
const UNKNOWN_ITEMS = ['conformance:unknown-item-1', 'conformance:unknown-item-2'];
/** Score calls in the tensor-leak check. */
export const LEAK_CHECK_CALLS = 1000;

function fail(message: string): never {
  throw new ConformanceError(message);
}

function describeRequest(req: RankRequest): string {
  const ctx = req.contextItemId === undefined ? '' : `, context ${req.contextItemId}`;
  return `user ${req.userId}, ${req.candidates.length} candidates${ctx}`;
}

/** Scores and checks shape and finiteness; returns the scores. */
function scoreChecked(ranker: Ranker, req: RankRequest): Float32Array {
  let scores: Float32Array;
  try {
    scores = ranker.score(req);
  } catch (e) {
    return fail(`${ranker.name}: score threw for ${describeRequest(req)}: ${errorMessage(e)}`);
  }
  if (!(scores instanceof Float32Array))
    fail(`${ranker.name}: score returned ${typeof scores}, not a Float32Array (${describeRequest(req)})`);
  if (scores.length !== req.candidates.length) {
    fail(`${ranker.name}: ${scores.length} scores for ${req.candidates.length} candidates (${describeRequest(req)})`);
  }
  const bad = scores.findIndex((s) => !Number.isFinite(s));
  if (bad >= 0) fail(`${ranker.name}: score of candidate ${req.candidates[bad]} is ${scores[bad]} (${describeRequest(req)})`);
  return scores;
}

function sameScores(a: Float32Array, b: Float32Array, what: string, tol = 0): void {
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(a[i])))) fail(`${what}: candidate ${i} scored ${a[i]} then ${b[i]}`);
  }
}

async function withSubject(make: MakeSubject, body: (s: ConformanceSubject) => void): Promise<void> {
  const s = await make();
  try {
    body(s);
  } finally {
    s.ranker.dispose();
  }
}

/** Every check, in the order the suite runs them. */
export const RANKER_CHECKS: readonly RankerCheck[] = [
  {
    name: 'returns one finite score per candidate',
    run({ ranker, knownUser, knownItems }) {
      if (knownItems.length < 2) fail(`the subject needs at least 2 known items, got ${knownItems.length}`);
      scoreChecked(ranker, { userId: knownUser, candidates: knownItems });
      scoreChecked(ranker, { userId: knownUser, candidates: knownItems.slice(0, 1) });
      scoreChecked(ranker, { userId: knownUser, candidates: knownItems.slice(0, Math.ceil(knownItems.length / 2)) });
    },
  },
  {
    name: 'gives the same scores to the same request twice',
    run({ ranker, knownUser, knownItems }) {
      const req = { userId: knownUser, candidates: knownItems, contextItemId: knownItems[0] };
      sameScores(scoreChecked(ranker, req), scoreChecked(ranker, req), `${ranker.name}: same request twice`);
    },
  },
  {
    name: 'two rankers made the same way (same seed) give the same scores',
    async run({ knownUser, knownItems }, make) {
      const req = { userId: knownUser, candidates: knownItems };
      const a = await make();
      const b = await make();
      try {
        sameScores(scoreChecked(a.ranker, req), scoreChecked(b.ranker, req), `${a.ranker.name}: two rankers made with the same seed`);
      } finally {
        a.ranker.dispose();
        b.ranker.dispose();
      }
    },
  },
  {
    name: 'scores an item the same wherever it appears in the candidate list',
    run({ ranker, knownUser, knownItems }) {
      const forward = scoreChecked(ranker, { userId: knownUser, candidates: knownItems });
      const backward = scoreChecked(ranker, { userId: knownUser, candidates: [...knownItems].reverse() }).reverse();
      sameScores(forward, backward, `${ranker.name}: candidates reversed`, 1e-5);
    },
  },
  {
    name: 'gives finite scores to an unknown user',
    run({ ranker, knownItems }) {
      scoreChecked(ranker, { userId: UNKNOWN_USER, candidates: knownItems });
      scoreChecked(ranker, { userId: UNKNOWN_USER, candidates: knownItems, contextItemId: knownItems[0] });
    },
  },
  {
    name: 'gives finite scores to unknown items',
    run({ ranker, knownUser, knownItems }) {
      scoreChecked(ranker, { userId: knownUser, candidates: [...knownItems, ...UNKNOWN_ITEMS] });
      scoreChecked(ranker, { userId: knownUser, candidates: UNKNOWN_ITEMS });
      scoreChecked(ranker, { userId: UNKNOWN_USER, candidates: UNKNOWN_ITEMS, contextItemId: UNKNOWN_ITEMS[0] });
    },
  },
  {
    name: 'returns an empty array for an empty candidate list',
    run({ ranker, knownUser }) {
      scoreChecked(ranker, { userId: knownUser, candidates: [] });
      scoreChecked(ranker, { userId: UNKNOWN_USER, candidates: [], contextItemId: 'x' });
    },
  },
  {
    name: 'scores for a user with an empty history',
    run({ ranker, knownItems, userWithoutHistory }) {
      const userId = userWithoutHistory ?? 'conformance:user-without-events';
      const a = scoreChecked(ranker, { userId, candidates: knownItems });
      sameScores(a, scoreChecked(ranker, { userId, candidates: knownItems }), `${ranker.name}: empty-history user twice`);
    },
  },
  {
    name: 'scores with and without a context item (known or unknown)',
    run({ ranker, knownUser, knownItems }) {
      const base = { userId: knownUser, candidates: knownItems };
      scoreChecked(ranker, base);
      const withContext = { ...base, contextItemId: knownItems[knownItems.length - 1] };
      sameScores(scoreChecked(ranker, withContext), scoreChecked(ranker, withContext), `${ranker.name}: with a context item twice`);
      scoreChecked(ranker, { ...base, contextItemId: UNKNOWN_ITEMS[0] });
    },
  },
  {
    name: `keeps tf.memory().numTensors flat over ${LEAK_CHECK_CALLS} score calls`,
    async run({ ranker, knownUser, knownItems }) {
      await initBackend();
      const requests: RankRequest[] = [
        { userId: knownUser, candidates: knownItems },
        { userId: knownUser, candidates: knownItems, contextItemId: knownItems[0] },
        { userId: UNKNOWN_USER, candidates: [...knownItems, ...UNKNOWN_ITEMS] },
        { userId: knownUser, candidates: [] },
      ];
      for (const req of requests) scoreChecked(ranker, req); // lazy allocations happen here
      const before = tf.memory().numTensors;
      for (let i = 0; i < LEAK_CHECK_CALLS; i++) ranker.score(requests[i % requests.length]);
      const after = tf.memory().numTensors;
      if (after !== before)
        fail(`${ranker.name}: tf.memory().numTensors went from ${before} to ${after} over ${LEAK_CHECK_CALLS} score calls`);
    },
  },
  {
    name: 'dispose() frees every tensor the ranker holds',
    async run(_subject, make) {
      await initBackend();
      await withSubject(make, () => {}); // first use may allocate process-wide tensors
      const before = tf.memory().numTensors;
      await withSubject(make, (s) => {
        scoreChecked(s.ranker, { userId: s.knownUser, candidates: s.knownItems });
      });
      const after = tf.memory().numTensors;
      if (after !== before) fail(`tf.memory().numTensors was ${before} before make() and ${after} after dispose()`);
    },
  },
];

/**
 * Runs one check on a fresh subject (disposed afterwards).
 * @throws ConformanceError when the ranker breaks the contract.
 */
export async function runRankerCheck(check: RankerCheck, make: MakeSubject): Promise<void> {
  const subject = await make();
  try {
    await check.run(subject, make);
  } finally {
    subject.ranker.dispose();
  }
}

/**
 * A vitest `describe` block that runs every check of RANKER_CHECKS on the rankers `make` builds.
 * One subject is shared by the checks that only score; checks that need fresh rankers call `make`.
 */
export function describeRankerConformance(name: string, make: MakeSubject): void {
  describe(`Ranker conformance: ${name}`, () => {
    let subject: ConformanceSubject | undefined;
    beforeAll(async () => {
      await initBackend();
      subject = await make();
    });
    afterAll(() => subject?.ranker.dispose());
    for (const check of RANKER_CHECKS) {
      it(check.name, async () => {
        if (!subject) throw new ConformanceError(`${name}: make() failed`);
        await check.run(subject, make);
      });
    }
  });
}

/** The seeded shop kind subjects are built on: a store at day 50 of 60, training groups from the last 10 days. */
interface KindFixture {
  store: TableFeatureStore;
  groups: BuiltGroups;
}

let kindFixture: Promise<KindFixture> | undefined;

function sharedKindFixture(): Promise<KindFixture> {
  kindFixture ??= (async () => {
    const shop = randomShop(5);
    const cutoff = shop.start + 50 * DAY_MS;
    const store = await buildFeatureStore(shop.events, shop.items, { cutoff, threads: 1 });
    const labels = shop.events.filter((e) => e.ts >= cutoff);
    const groups = buildTrainingGroups(store, labels, { negativesHard: 10, negativesRandom: 10, seed: 1 });
    return { store, groups };
  })();
  return kindFixture;
}

/**
 * Builds subjects of a model kind on a seeded shop: a heuristic kind with its defaults; a scorer
 * kind built with its defaults (seed 1) and trained for 2 epochs on the shop's groups with its own
 * training knobs, served as its LtrRanker. Each call builds (and trains) a fresh ranker.
 */
export function kindSubject(kind: ModelKind): MakeSubject {
  return async () => {
    await initBackend();
    const { store, groups } = await sharedKindFixture();
    const known = { knownUser: store.userIds[0], knownItems: store.itemIds.slice(0, 20) };
    if (kind.family === 'heuristic') return { ranker: kind.create(store, kindParams(kind)), ...known };
    const model = createScorerModel(kind, { inputDim: groups.contract.names.length, seed: 1, params: kindParams(kind) });
    try {
      await trainRanker(model, groups.groups, { batchPairs: 512, ...kind.training, epochs: 2, seed: 1 });
    } catch (err) {
      model.dispose();
      throw err;
    }
    return { ranker: scorerRanker(kind, { store, contract: groups.contract, model }), ...known };
  };
}

/** `describeRankerConformance` on rankers of `kind` (see kindSubject). */
export function describeKindConformance(kind: ModelKind): void {
  describeRankerConformance(`${kind.family} kind ${kind.name}`, kindSubject(kind));
}
