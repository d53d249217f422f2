/**
 * Off-policy estimates of a candidate ranking's CTR and purchase rate (per impression, as the A/B
 * report counts them) from requests logged under an exploring policy. The candidate's ranking of
 * each logged request is given; under the position-based click model a slot's reward depends on
 * the item and the position only, so each logged (request, position, item) is one row of the
 * estimators in estimators.ts, with target 1 when the candidate shows that item at that position.
 * DR's reward model is a PBM fitted on the same logs (click-model.ts).
 */
import type { BootstrapOptions } from '../eval/bootstrap.js';
import { fitPositionBasedModel, type PositionBasedModel } from './click-model.js';
import { type LoggedImpression, type OffPolicyEstimate, offPolicyEstimate } from './estimators.js';
import type { LoggedRequest } from './logged-requests.js';

/** The estimates for one reward. */
export interface RewardEstimate extends OffPolicyEstimate {
  /** The reward model's examination probabilities by position. */
  examination: number[];
}

/** The estimates of a candidate ranking. */
export interface CandidateEstimate {
  ctr: RewardEstimate;
  purchaseRate: RewardEstimate;
  /** Logged slots where the candidate shows the logged item at the logged position (the rows IPS learns from). */
  matchedSlots: number;
  /** Logged slots in all. */
  slots: number;
}

type Reward = 'clicked' | 'purchased';

function rowsFor(
  requests: readonly LoggedRequest[],
  rankings: ReadonlyMap<string, readonly string[]>,
  reward: Reward,
  model: PositionBasedModel,
): LoggedImpression[] {
  const rows: LoggedImpression[] = [];
  for (const r of requests) {
    const ranked = rankings.get(r.requestId) ?? [];
    for (const s of r.slots) {
      const shows = ranked[s.position];
      rows.push({
        requestId: r.requestId,
        propensity: s.propensity as number,
        target: shows === s.itemId ? 1 : 0,
        reward: s[reward] ? 1 : 0,
        predicted: model.predict(s.itemId, s.position),
        targetExpected: shows === undefined ? 0 : model.predict(shows, s.position),
      });
    }
  }
  return rows;
}

function estimate(
  requests: readonly LoggedRequest[],
  rankings: ReadonlyMap<string, readonly string[]>,
  reward: Reward,
  opts: BootstrapOptions,
) {
  const model = fitPositionBasedModel(
    requests.flatMap((r) => r.slots.map((s) => ({ itemId: s.itemId, position: s.position, reward: s[reward] }))),
  );
  const rows = rowsFor(requests, rankings, reward, model);
  return { ...offPolicyEstimate(rows, opts), examination: model.examination };
}

/**
 * IPS, SNIPS and DR estimates of the candidate's CTR and purchase rate, with request-level
 * bootstrap intervals and the effective sample size.
 * @param requests - logged requests whose every slot carries a propensity.
 * @param rankings - the candidate's ranking of each request, by request id.
 */
export function estimateCandidate(
  requests: readonly LoggedRequest[],
  rankings: ReadonlyMap<string, readonly string[]>,
  opts: BootstrapOptions = {},
): CandidateEstimate {
  let matched = 0;
  let slots = 0;
  for (const r of requests) {
    const ranked = rankings.get(r.requestId) ?? [];
    for (const s of r.slots) {
      slots++;
      if (ranked[s.position] === s.itemId) matched++;
    }
  }
  return {
    ctr: estimate(requests, rankings, 'clicked', opts),
    purchaseRate: estimate(requests, rankings, 'purchased', opts),
    matchedSlots: matched,
    slots,
  };
}
