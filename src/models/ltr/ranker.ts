/**
 * `LtrRanker`: the trained scorer behind the `Ranker` contract. A request's candidates become raw
 * features (the FeatureStore), normalised with the model's feature contract, scored in one batched
 * forward pass. Unknown users and items get whatever finite features the store gives them.
 */
import { WorkbenchError } from '../../errors.js';
import { assertSameFeatures, type FeatureContract, normalise } from '../../features/contract.js';
import type { tf } from '../backend.js';
import type { Ranker, RankRequest } from '../ranker.js';
import { LTR_KIND, scoreRows, scorerInputDim, usesItemIndex } from './scorer.js';

/** What scoring needs from a FeatureStore (src/features); the store satisfies it as is. */
export interface RankerFeatureSource {
  readonly itemIds: readonly string[];
  readonly contract: FeatureContract;
  /** Raw features, row-major, candidates.length x contract.names.length. */
  features(userId: string, candidates: readonly string[], contextItemId?: string): Float32Array;
}

/** Parts of an LtrRanker. */
export interface LtrRankerOptions {
  store: RankerFeatureSource;
  /** The contract the model was trained with: names in order and the fitted normalisation. */
  contract: FeatureContract;
  /** The scorer; the ranker owns it from now on (dispose() frees it). */
  model: tf.LayersModel;
  /** Ranker name. Default "ltr-mlp". */
  name?: string;
}

/** The TF.js learning-to-rank model as a Ranker. */
export class LtrRanker implements Ranker {
  readonly name: string;
  readonly contract: FeatureContract;
  private readonly store: RankerFeatureSource;
  private model: tf.LayersModel | undefined;
  private readonly vocab: Map<string, number> | undefined;

  /**
   * @throws WorkbenchError when the contract has no normalisation, its features differ from the
   * store's (names or order), or the model expects another number of features.
   */
  constructor(opts: LtrRankerOptions) {
    const { store, contract, model } = opts;
    if (!contract.normalisation) throw new WorkbenchError('no_normalisation', 'the LTR model contract has no normalisation');
    assertSameFeatures(contract, store.contract);
    const dim = scorerInputDim(model);
    if (dim !== contract.names.length) {
      throw new WorkbenchError('contract_mismatch', `the model takes ${dim} features but its contract names ${contract.names.length}`);
    }
    this.name = opts.name ?? LTR_KIND;
    this.contract = contract;
    this.store = store;
    this.model = model;
    this.vocab = usesItemIndex(model) ? new Map(store.itemIds.map((id, i) => [id, i + 1])) : undefined;
  }

  /** Scores the candidates in request order: features -> normalise -> one forward pass. */
  score(req: RankRequest): Float32Array {
    const model = this.model;
    if (!model) throw new WorkbenchError('disposed', `ranker ${this.name} was disposed`);
    const n = req.candidates.length;
    if (n === 0) return new Float32Array(0);
    const x = normalise(this.store.features(req.userId, req.candidates, req.contextItemId), this.contract);
    // A non-finite feature (a store bug, a division by zero) becomes the training mean, not a NaN score.
    for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) x[i] = 0;
    const vocab = this.vocab;
    const ids = vocab ? Int32Array.from(req.candidates, (id) => vocab.get(id) ?? 0) : undefined;
    return scoreRows(model, x, n, ids);
  }

  /** The scorer (e.g. to publish it); throws after dispose. */
  get scorer(): tf.LayersModel {
    if (!this.model) throw new WorkbenchError('disposed', `ranker ${this.name} was disposed`);
    return this.model;
  }

  /** Frees the model's tensors; further score() calls throw. */
  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}
