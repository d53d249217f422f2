/**
 * Knob tuning on a validation window: build each candidate setting, score it by mean NDCG@10 over
 * the validation users (full catalogue, same rules as the evaluation), keep the best and dispose
 * the rest as soon as they lose, so only two models are ever alive at once.
 */
import { errorMessage, InvalidArgumentError, WorkbenchError } from '../errors.js';
import type { Ranker } from '../models/ranker.js';
import { relevantRanks } from './ranking.js';
import { ndcgFromPositions } from './ranking-metrics.js';
import { applyMask, type EvalCase, type PreparedCases, prepareCases, scoreCase } from './scoring.js';

/** One knob setting to try. */
export interface TuneCandidate<P> {
  /** Label of this setting, e.g. "popularity halfLife=7d". */
  name: string;
  params: P;
  /** Builds (and, for learnt models, trains) the ranker for this setting. */
  make: () => Ranker | Promise<Ranker>;
}

/** One tried setting and its validation score. */
export interface TuneTrial<P> {
  name: string;
  params: P;
  /** Mean NDCG@10 over the validation users. */
  ndcg10: number;
}

/** The outcome of {@link tuneOnValidation}: the winner (still alive) and every trial in order. */
export interface TuneResult<P> {
  best: TuneTrial<P> & { ranker: Ranker };
  trials: TuneTrial<P>[];
  /** Validation users scored. */
  users: number;
}

function meanNdcg10(ranker: Ranker, prepared: PreparedCases, catalogue: readonly string[]): number {
  const { cases, relevantIdx, maskedIdx } = prepared;
  let sum = 0;
  for (let u = 0; u < cases.length; u++) {
    const { scores, listLength } = applyMask(scoreCase(ranker, cases[u], catalogue), maskedIdx[u]);
    const rel = relevantIdx[u];
    sum += ndcgFromPositions({ ranks: relevantRanks(scores, rel), relevantCount: rel.length, listLength }, 10);
  }
  return sum / cases.length;
}

/**
 * Picks the setting with the highest mean NDCG@10 on the validation cases (ties: the earlier
 * candidate). Losers are disposed; the winner is returned alive and is the caller's to dispose.
 * @throws WorkbenchError naming the candidate when one fails to build or score (every ranker built
 * so far is disposed first), when there are no candidates, or no evaluable validation users.
 */
export async function tuneOnValidation<P>(
  candidates: readonly TuneCandidate<P>[],
  cases: readonly EvalCase[],
  catalogue: readonly string[],
): Promise<TuneResult<P>> {
  if (candidates.length === 0) throw new InvalidArgumentError('tuneOnValidation: no candidates given');
  const prepared = prepareCases(cases, catalogue);
  if (prepared.cases.length === 0) {
    throw new WorkbenchError('no_users', `tuneOnValidation: no evaluable validation users among ${cases.length} cases`);
  }
  const trials: TuneTrial<P>[] = [];
  let best: (TuneTrial<P> & { ranker: Ranker }) | undefined;
  for (const c of candidates) {
    let ranker: Ranker | undefined;
    let ndcg10: number;
    try {
      ranker = await c.make();
      ndcg10 = meanNdcg10(ranker, prepared, catalogue);
    } catch (err) {
      ranker?.dispose();
      best?.ranker.dispose();
      throw new WorkbenchError('tuning_failed', `tuning candidate "${c.name}": ${errorMessage(err)}`, { cause: err });
    }
    trials.push({ name: c.name, params: c.params, ndcg10 });
    if (!best || ndcg10 > best.ndcg10) {
      best?.ranker.dispose();
      best = { name: c.name, params: c.params, ndcg10, ranker };
    } else ranker.dispose();
  }
  // candidates is non-empty, so best is set.
  return { best: best!, trials, users: prepared.cases.length };
}
