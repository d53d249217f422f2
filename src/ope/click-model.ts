/**
 * The position-based click model (PBM) the doubly robust estimator uses as its reward model:
 * P(reward | item a at position p) = theta_p x gamma_a, where theta_p is the probability that
 * position p is examined and gamma_a the item's attractiveness. Fitted by expectation-maximisation
 * on the logged impressions (Chuklin, Markov and de Rijke, "Click Models for Web Search", ch. 4),
 * with gamma shrunk towards the mean for items shown only a few times; items never shown get the mean.
 */

/** One logged impression: the item, its position and whether it was rewarded. */
export interface RewardObservation {
  itemId: string;
  position: number;
  reward: boolean;
}

/** A fitted PBM. */
export interface PositionBasedModel {
  /** Examination probability by position (0-based). */
  examination: number[];
  /** Attractiveness of an item (the prior mean for items not in the logs). */
  attractiveness(itemId: string): number;
  /** theta_p x gamma_a. */
  predict(itemId: string, position: number): number;
  /** Mean attractiveness (what an unseen item gets). */
  readonly prior: number;
}

/** Knobs of the fit. */
export interface PbmFitOptions {
  /** EM iterations (default 200). */
  iterations?: number;
  /** Pseudo-impressions at the prior mean added to every item's attractiveness (default 2). */
  priorStrength?: number;
}

const clamp = (x: number) => Math.min(1 - 1e-6, Math.max(1e-6, x));

/** Fits a PBM to the observations (see the module comment). */
export function fitPositionBasedModel(rows: readonly RewardObservation[], opts: PbmFitOptions = {}): PositionBasedModel {
  const iterations = opts.iterations ?? 200;
  const alpha = opts.priorStrength ?? 2;
  const positions = rows.reduce((m, r) => Math.max(m, r.position + 1), 1);
  const itemIndex = new Map<string, number>();
  const item = Int32Array.from(rows, (r) => {
    let i = itemIndex.get(r.itemId);
    if (i === undefined) {
      i = itemIndex.size;
      itemIndex.set(r.itemId, i);
    }
    return i;
  });
  const rate = rows.length ? rows.filter((r) => r.reward).length / rows.length : 0;
  const theta = new Float64Array(positions).fill(0.5);
  let prior = clamp(rate / 0.5);
  const gamma = new Float64Array(itemIndex.size).fill(prior);
  const pos = Int32Array.from(rows, (r) => r.position);
  const rew = Uint8Array.from(rows, (r) => (r.reward ? 1 : 0));
  const posN = new Float64Array(positions);
  const itemN = new Float64Array(itemIndex.size);
  for (let i = 0; i < rows.length; i++) {
    posN[pos[i]]++;
    itemN[item[i]]++;
  }
  const posE = new Float64Array(positions);
  const itemR = new Float64Array(itemIndex.size);
  for (let it = 0; it < iterations; it++) {
    posE.fill(0);
    itemR.fill(0);
    for (let i = 0; i < rows.length; i++) {
      const p = pos[i];
      const a = item[i];
      if (rew[i]) {
        posE[p] += 1;
        itemR[a] += 1;
      } else {
        const t = theta[p];
        const g = gamma[a];
        const miss = 1 - t * g;
        posE[p] += (t * (1 - g)) / miss;
        itemR[a] += (g * (1 - t)) / miss;
      }
    }
    for (let p = 0; p < positions; p++) if (posN[p]) theta[p] = clamp(posE[p] / posN[p]);
    let sum = 0;
    for (let a = 0; a < gamma.length; a++) {
      gamma[a] = clamp((itemR[a] + alpha * prior) / (itemN[a] + alpha));
      sum += gamma[a] * itemN[a];
    }
    prior = rows.length ? clamp(sum / rows.length) : prior;
  }
  const attractiveness = (itemId: string) => {
    const a = itemIndex.get(itemId);
    return a === undefined ? prior : gamma[a];
  };
  const examination = Array.from(theta);
  return {
    examination,
    prior,
    attractiveness,
    predict: (itemId, position) =>
      (position < examination.length ? examination[position] : (examination.at(-1) ?? 0)) * attractiveness(itemId),
  };
}
