/**
 * The shared inner loop of evaluation and tuning: checking evaluation cases against the catalogue
 * (relevant ids -> catalogue indices, with every exclusion counted) and asking a ranker to score the
 * full catalogue for one user, turning any misbehaviour into an error that names the ranker.
 */
import { errorMessage, InvalidArgumentError, WorkbenchError } from '../errors.js';
import type { Ranker } from '../models/ranker.js';
import { assertFiniteScores } from './ranking.js';

/** One test user: who, what they went on to buy (the relevant set), and optionally a page context. */
export interface EvalCase {
  userId: string;
  /** Distinct relevant item ids. */
  relevant: readonly string[];
  /** The item on the page when the ranking is asked for in a product-page context. */
  contextItemId?: string;
  /**
   * Items taken out of this user's ranking and relevant set (`--mask-seen`: the user's training
   * items), so a model is not credited or blamed for what the user already has.
   */
  masked?: readonly string[];
}

/** Why cases or relevant items were left out of an evaluation (each counted, never silent). */
export interface Exclusions {
  /** Cases given with an empty relevant set. */
  emptyRelevant: number;
  /** Relevant items that are not in the catalogue (no ranker can rank them). */
  relevantNotInCatalogue: number;
  /** Cases left without any relevant item once those were removed. */
  noRelevantInCatalogue: number;
  /** Cases where every catalogue item is relevant (AUC undefined, nothing to rank). */
  wholeCatalogueRelevant: number;
  /** With masking: relevant items removed because they were masked (the user already had them). */
  relevantMasked?: number;
  /** With masking: cases left without any relevant item once masked ones were removed. */
  noRelevantAfterMask?: number;
}

/** Cases ready to score: each kept case with its relevant items as catalogue indices. */
export interface PreparedCases {
  cases: EvalCase[];
  relevantIdx: Int32Array[];
  /** Catalogue indices masked out of each kept case's ranking (empty when none). */
  maskedIdx: Int32Array[];
  excluded: Exclusions;
}

const NO_MASK = new Int32Array(0);

/**
 * Scores with the masked items pushed below every other item (-Infinity; rankers' own scores are
 * finite), and the length of the list that is really ranked. Without a mask, the scores as given.
 */
export function applyMask(scores: ArrayLike<number>, masked: Int32Array): { scores: ArrayLike<number>; listLength: number } {
  if (masked.length === 0) return { scores, listLength: scores.length };
  const out = Float64Array.from(scores);
  for (let i = 0; i < masked.length; i++) out[masked[i]] = Number.NEGATIVE_INFINITY;
  return { scores: out, listLength: scores.length - masked.length };
}

/**
 * Checks the catalogue (non-empty, unique ids) and maps each case's relevant and masked items to
 * catalogue indices. Relevant items outside the catalogue, or masked, are dropped and counted;
 * cases left with nothing to find are excluded and counted.
 * @throws WorkbenchError on an empty catalogue, a repeated catalogue id or a case without a user id.
 */
export function prepareCases(cases: readonly EvalCase[], catalogue: readonly string[]): PreparedCases {
  if (catalogue.length === 0) throw new InvalidArgumentError('the catalogue is empty: nothing to rank');
  const index = new Map<string, number>();
  catalogue.forEach((id, i) => {
    const prev = index.get(id);
    if (prev !== undefined) throw new InvalidArgumentError(`catalogue item "${id}" appears twice (positions ${prev} and ${i})`);
    index.set(id, i);
  });
  const excluded: Exclusions = { emptyRelevant: 0, relevantNotInCatalogue: 0, noRelevantInCatalogue: 0, wholeCatalogueRelevant: 0 };
  const kept: EvalCase[] = [];
  const relevantIdx: Int32Array[] = [];
  const maskedIdx: Int32Array[] = [];
  const masking = cases.some((c) => c.masked !== undefined);
  if (masking) {
    excluded.relevantMasked = 0;
    excluded.noRelevantAfterMask = 0;
  }
  cases.forEach((c, i) => {
    if (typeof c.userId !== 'string' || c.userId.length === 0) {
      throw new InvalidArgumentError(`evaluation case ${i} has no userId (got ${JSON.stringify(c.userId)})`);
    }
    const distinct = new Set(c.relevant);
    if (distinct.size === 0) {
      excluded.emptyRelevant++;
      return;
    }
    const mask = new Set<number>();
    for (const id of c.masked ?? []) {
      const at = index.get(id);
      if (at !== undefined) mask.add(at);
    }
    const idx: number[] = [];
    let inCatalogue = 0;
    for (const id of distinct) {
      const at = index.get(id);
      if (at === undefined) excluded.relevantNotInCatalogue++;
      else {
        inCatalogue++;
        if (mask.has(at)) excluded.relevantMasked = (excluded.relevantMasked ?? 0) + 1;
        else idx.push(at);
      }
    }
    if (inCatalogue === 0) excluded.noRelevantInCatalogue++;
    else if (idx.length === 0) excluded.noRelevantAfterMask = (excluded.noRelevantAfterMask ?? 0) + 1;
    else if (idx.length === catalogue.length - mask.size) excluded.wholeCatalogueRelevant++;
    else {
      kept.push(c);
      relevantIdx.push(Int32Array.from(idx));
      maskedIdx.push(mask.size ? Int32Array.from(mask).sort() : NO_MASK);
    }
  });
  return { cases: kept, relevantIdx, maskedIdx, excluded };
}

/**
 * Asks `ranker` to score the full catalogue for one case and checks the answer: the right length
 * and finite scores.
 * @throws WorkbenchError (code "ranker_failed" or "bad_scores") naming the ranker and the user.
 */
export function scoreCase(ranker: Ranker, c: EvalCase, catalogue: readonly string[]): ArrayLike<number> {
  const req =
    c.contextItemId === undefined
      ? { userId: c.userId, candidates: catalogue }
      : { userId: c.userId, candidates: catalogue, contextItemId: c.contextItemId };
  let scores: unknown;
  try {
    scores = ranker.score(req);
  } catch (err) {
    throw new WorkbenchError('ranker_failed', `ranker "${ranker.name}" failed on user "${c.userId}": ${errorMessage(err)}`, { cause: err });
  }
  const length = (scores as { length?: unknown } | null | undefined)?.length;
  if (typeof length !== 'number') {
    throw new WorkbenchError(
      'bad_scores',
      `ranker "${ranker.name}" returned ${scores === null ? 'null' : typeof scores} instead of scores (user "${c.userId}")`,
    );
  }
  if (length !== catalogue.length) {
    throw new WorkbenchError(
      'bad_scores',
      `ranker "${ranker.name}" returned ${length} scores for ${catalogue.length} candidates (user "${c.userId}")`,
    );
  }
  const checked = scores as ArrayLike<number>;
  assertFiniteScores(checked, catalogue, `ranker "${ranker.name}" (user "${c.userId}")`);
  return checked;
}
