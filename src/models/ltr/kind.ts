/** The `ltr-mlp` model kind: the MLP scorer of scorer.ts, as registered in src/models/kinds.ts. */
import type { ScorerKind } from '../kinds.js';
import { createScorer, DEFAULT_HIDDEN, LTR_KIND } from './mlp.js';

/** Hyper-parameters of `ltr-mlp`. */
export interface LtrMlpParams {
  /** Hidden layer widths (relu). Default [64, 32]. */
  hidden: readonly number[];
}

/** The TF.js MLP ranker D-64-32-1 (relu), trained with the run's pairwise loss and elastic net. */
export const LTR_MLP: ScorerKind<LtrMlpParams> = {
  family: 'scorer',
  name: LTR_KIND,
  description: 'TF.js MLP over the feature vector (D-64-32-1, relu), pairwise logistic loss',
  defaults: { hidden: DEFAULT_HIDDEN },
  createModel: ({ inputDim, seed, params }) => createScorer({ inputDim, seed, hidden: params.hidden }),
};
