/**
 * `LtrRanker`: the trained scorer behind the `Ranker` contract. A request's candidates become raw
 * features (the FeatureStore), normalised with the model's feature contract, scored in one batched
 * call of its `Scorer` (TF.js, or onnxruntime-node over the ONNX export). Unknown users and items
 * get whatever finite features the store gives them.
 */
import { DataError, WorkbenchError } from '../../errors.js';
import { assertSameFeatures, type FeatureContract, normalise } from '../../features/contract.js';
import type { tf } from '../backend.js';
import type { Ranker, RankRequest, RawFeatureScorer } from '../ranker.js';
import { type Scorer, type ScorerReport, tfjsScorer } from '../scoring/scorer.js';
import { LTR_KIND, scorerInputDim, usesItemIndex } from './mlp.js';

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

/** A contract's normalisation as typed arrays (mean and 1 / std per column), checked once. */
interface ColumnScale {
  dim: number;
  mean: Float64Array;
  inv: Float64Array;
}

function columnScale(contract: FeatureContract): ColumnScale {
  // normalise() checks the statistics against the names (and throws as it always has).
  normalise(new Float32Array(0), contract);
  const norm = contract.normalisation as { mean: number[]; std: number[] };
  return { dim: contract.names.length, mean: Float64Array.from(norm.mean), inv: Float64Array.from(norm.std, (s) => 1 / s) };
}

/**
 * `raw` normalised into `out` (which may be `raw` itself) in one pass: the values `normalise`
 * gives, each rounded to float32 as it stores them, and a non-finite one set to 0.
 */
function scaleInto(raw: Float32Array, { dim, mean, inv }: ColumnScale, out: Float32Array): Float32Array {
  if (raw.length % dim !== 0) throw new DataError(`rows.length ${raw.length} is not a multiple of ${dim} features`, { field: 'rows' });
  for (let i = 0; i < raw.length; i += dim) {
    for (let c = 0; c < dim; c++) {
      const v = Math.fround((raw[i + c] - mean[c]) * inv[c]);
      out[i + c] = Number.isFinite(v) ? v : 0;
    }
  }
  return out;
}

/**
 * Raw feature rows as a scorer takes them: normalised with the contract, and a non-finite feature
 * (a store bug, a division by zero) set to the training mean (0), not left to make a NaN score.
 */
export function scorerInput(raw: Float32Array, contract: FeatureContract): Float32Array {
  return scaleInto(raw, columnScale(contract), new Float32Array(raw.length));
}

/** Same feature names and versions in the same order. */
function sameFeatures(a: FeatureContract, b: FeatureContract): boolean {
  return (
    a.names.length === b.names.length &&
    a.names.every((name, i) => name === b.names[i] && (a.versions?.[i] ?? 1) === (b.versions?.[i] ?? 1))
  );
}

const TFJS_DEFAULT: ScorerReport = { backend: 'tfjs', reason: 'TF.js (no other scorer was chosen)' };

/** The TF.js learning-to-rank model as a Ranker. */
export class LtrRanker implements Ranker {
  readonly name: string;
  readonly contract: FeatureContract;
  private readonly store: RankerFeatureSource;
  private model: tf.LayersModel | undefined;
  private readonly vocab: Map<string, number> | undefined;
  private rowScorer: Scorer;
  private report: ScorerReport = TFJS_DEFAULT;
  private readonly scale: ColumnScale;

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
    this.rowScorer = tfjsScorer(model);
    this.scale = columnScale(contract);
  }

  /** Scores the candidates in request order: features -> normalise -> one batched scorer call. */
  score(req: RankRequest): Float32Array {
    if (!this.model) throw new WorkbenchError('disposed', `ranker ${this.name} was disposed`);
    const n = req.candidates.length;
    if (n === 0) return new Float32Array(0);
    // The store's rows are this call's own: normalised where they are, no second matrix.
    const raw = this.store.features(req.userId, req.candidates, req.contextItemId);
    return this.scoreInput(scaleInto(raw, this.scale, raw), req.candidates);
  }

  rawFeatureScorer(contract: FeatureContract): RawFeatureScorer | undefined {
    if (!sameFeatures(contract, this.contract)) return undefined;
    return (raw, candidates) => {
      if (!this.model) throw new WorkbenchError('disposed', `ranker ${this.name} was disposed`);
      return candidates.length === 0 ? new Float32Array(0) : this.scoreInput(scaleInto(raw, this.scale, raw), candidates);
    };
  }

  /** Scores normalised rows of `candidates` in one scorer call. */
  private scoreInput(x: Float32Array, candidates: readonly string[]): Float32Array {
    const vocab = this.vocab;
    const ids = vocab ? Int32Array.from(candidates, (id) => vocab.get(id) ?? 0) : undefined;
    return this.rowScorer.score(x, candidates.length, ids);
  }

  /** The normalised feature rows of a request (n x D, row-major), as the scorer receives them. */
  featureRows(req: RankRequest): Float32Array {
    const raw = this.store.features(req.userId, req.candidates, req.contextItemId);
    return scaleInto(raw, this.scale, raw);
  }

  /** Scores prepared rows (featureRows) with the chosen scorer: what a profile times on its own. */
  scoreRows(rows: Float32Array, n: number): Float32Array {
    if (!this.model) throw new WorkbenchError('disposed', `ranker ${this.name} was disposed`);
    return this.rowScorer.score(rows, n);
  }

  /** Which scorer scores, and why. */
  get scoring(): ScorerReport {
    return this.report;
  }

  /**
   * Scores with `scorer` from now on (e.g. onnxruntime over the version's ONNX export; see
   * src/models/scoring/select.ts); the ranker owns it and disposes it with the model.
   */
  useScorer(scorer: Scorer, report: ScorerReport): void {
    if (!this.model) throw new WorkbenchError('disposed', `ranker ${this.name} was disposed`);
    if (scorer !== this.rowScorer) this.rowScorer.dispose();
    this.rowScorer = scorer;
    this.report = report;
  }

  /** The scorer (e.g. to publish it); throws after dispose. */
  get scorer(): tf.LayersModel {
    if (!this.model) throw new WorkbenchError('disposed', `ranker ${this.name} was disposed`);
    return this.model;
  }

  /** Frees the model's tensors; further score() calls throw. */
  dispose(): void {
    this.rowScorer.dispose();
    this.model?.dispose();
    this.model = undefined;
  }
}
