/**
 * The shared inner loop of evaluation and tuning: checking evaluation cases against the catalogue
 * (relevant ids -> catalogue indices, with every exclusion counted) and asking a ranker to score the
 * full catalogue for one user, turning any misbehaviour into an error that names the ranker.
 */
import { errorMessage, WorkbenchError } from '../errors.js';
import type { Ranker } from '../models/ranker.js';
import { assertFiniteScores } from './ranking.js';

/** One test user: who, what they went on to buy (the relevant set), and optionally a page context. */
export interface EvalCase {
  userId: string;
  /** Distinct relevant item ids. */
  relevant: readonly string[];
  /** The item on the page when the ranking is asked for in a product-page context. */
  contextItemId?: string;
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
}

/** Cases ready to score: each kept case with its relevant items as catalogue indices. */
export interface PreparedCases {
  cases: EvalCase[];
  relevantIdx: Int32Array[];
  excluded: Exclusions;
}

/**
 * Checks the catalogue (non-empty, unique ids) and maps each case's relevant items to catalogue
 * indices. Relevant items outside the catalogue are dropped and counted; cases left with nothing
 * to find are excluded and counted.
 * @throws WorkbenchError on an empty catalogue, a repeated catalogue id or a case without a user id.
 */
export function prepareCases(cases: readonly EvalCase[], catalogue: readonly string[]): PreparedCases {
  if (catalogue.length === 0) throw new WorkbenchError('invalid_argument', 'the catalogue is empty: nothing to rank');
  const index = new Map<string, number>();
  catalogue.forEach((id, i) => {
    const prev = index.get(id);
    if (prev !== undefined)
      throw new WorkbenchError('invalid_argument', `catalogue item "${id}" appears twice (positions ${prev} and ${i})`);
    index.set(id, i);
  });
  const excluded: Exclusions = { emptyRelevant: 0, relevantNotInCatalogue: 0, noRelevantInCatalogue: 0, wholeCatalogueRelevant: 0 };
  const kept: EvalCase[] = [];
  const relevantIdx: Int32Array[] = [];
  cases.forEach((c, i) => {
    if (typeof c.userId !== 'string' || c.userId.length === 0) {
      throw new WorkbenchError('invalid_argument', `evaluation case ${i} has no userId (got ${JSON.stringify(c.userId)})`);
    }
    const distinct = new Set(c.relevant);
    if (distinct.size === 0) {
      excluded.emptyRelevant++;
      return;
    }
    const idx: number[] = [];
    for (const id of distinct) {
      const at = index.get(id);
      if (at === undefined) excluded.relevantNotInCatalogue++;
      else idx.push(at);
    }
    if (idx.length === 0) excluded.noRelevantInCatalogue++;
    else if (idx.length === catalogue.length) excluded.wholeCatalogueRelevant++;
    else {
      kept.push(c);
      relevantIdx.push(Int32Array.from(idx));
    }
  });
  return { cases: kept, relevantIdx, excluded };
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
