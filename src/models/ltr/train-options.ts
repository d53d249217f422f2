/**
 * The knobs, defaults and results of training (shared by `trainRanker` and `trainStream`).
 */
import { tf } from '../backend.js';

/** Knobs of `trainRanker`. */
export interface TrainOptions {
  /** `epochs` (default): multi-epoch mini-batches; `one-pass`: each pair once, in time order. */
  mode?: 'epochs' | 'one-pass';
  /** Maximum epochs in `epochs` mode. Default 30. */
  epochs?: number;
  /** Pairs per mini-batch (whole groups are packed until a batch reaches it). Default 8192. */
  batchPairs?: number;
  /** Learning rate. Default 0.003. */
  learningRate?: number;
  /** Update rule: `adam` (default) or plain `sgd` (cheapest update; the benchmark compares them). */
  optimizer?: 'adam' | 'sgd';
  /** L1 penalty on every non-bias weight. Default 0. */
  l1?: number;
  /** L2 penalty on every non-bias weight. Default 0. */
  l2?: number;
  /** Multiply pair weights by the rank-based |delta NDCG| factor (LambdaRank). Default false. */
  lambdaWeights?: boolean;
  /** Seed of the batch shuffling. Default 1. (Initial weights come from `createScorer`'s seed.) */
  seed?: number;
  /** Validation score after each epoch, higher is better (e.g. NDCG@10 on a validation window). */
  validate?: () => number | Promise<number>;
  /** Epochs without improvement of the validation score before stopping. Default 3. */
  patience?: number;
  /** Smallest improvement that counts. Default 0. */
  minDelta?: number;
  /** Called after every epoch (progress reporting). */
  onEpoch?: (stats: EpochStats) => void;
  /** Called after every optimisation step with the groups it trained on (observability, tests). */
  onBatch?: (batch: BatchInfo) => void;
}

/** One point of the learning curve. */
export interface EpochStats {
  /** 1-based epoch. */
  epoch: number;
  /** Weighted mean pairwise loss over the epoch's batches (data term only). */
  loss: number;
  /** Elastic-net penalty l1 sum|W| + l2 sum W^2 at the end of the epoch. */
  penalty: number;
  /** Validation score, when `validate` was given. */
  valid?: number;
  pairs: number;
  rows: number;
  /** Training time of the epoch (validation excluded), seconds. */
  seconds: number;
  pairsPerSec: number;
  rowsPerSec: number;
}

/** What one optimisation step trained on. */
export interface BatchInfo {
  epoch: number;
  /** Indices (into the `groups` argument) of the groups in this batch, in order. */
  groups: readonly number[];
  pairs: number;
  rows: number;
  loss: number;
}

/** Outcome of `trainRanker`. */
export interface TrainResult {
  mode: 'epochs' | 'one-pass';
  /** The knobs in effect (defaults filled in), for the manifest's lineage. */
  params: TrainParams;
  /** The learning curve, one entry per epoch run: plot `loss` and `valid` against `epoch`. */
  curve: EpochStats[];
  epochsRun: number;
  /** Epoch whose weights the model now holds (the best validation score, else the last). */
  bestEpoch: number;
  bestValid?: number;
  stoppedEarly: boolean;
  /** Pairs trained (over all epochs) and the groups that had none (no label differences). */
  pairs: number;
  rows: number;
  groupsWithoutPairs: number;
  /** Training time (validation excluded) and throughput over all epochs. */
  seconds: number;
  pairsPerSec: number;
  rowsPerSec: number;
  backend: string;
}

/** Defaults of the knobs, in one place (also recorded as lineage by callers). */
export const TRAIN_DEFAULTS = {
  mode: 'epochs',
  epochs: 30,
  batchPairs: 8192,
  learningRate: 0.003,
  optimizer: 'adam',
  l1: 0,
  l2: 0,
  lambdaWeights: false,
  seed: 1,
  patience: 3,
  minDelta: 0,
} as const satisfies TrainParams;

/** The plain (non-callback) knobs of a run, defaults filled in. */
export interface TrainParams {
  mode: 'epochs' | 'one-pass';
  epochs: number;
  batchPairs: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  l1: number;
  l2: number;
  lambdaWeights: boolean;
  seed: number;
  patience: number;
  minDelta: number;
}

/** Every knob, defaults filled in and checked. */
export type ResolvedTrainOptions = TrainParams & Pick<TrainOptions, 'validate' | 'onEpoch' | 'onBatch'>;

function checkKnob(name: string, value: number | string, ok: boolean): void {
  if (!ok) throw new RangeError(`training option ${name} is invalid: ${value}`);
}

/** Fills in defaults and rejects invalid knobs (RangeError naming the knob and its value). */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
  // An explicit `undefined` (an unset CLI flag, say) means "the default", not "no value".
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TrainOptions;
  const o: ResolvedTrainOptions = { ...TRAIN_DEFAULTS, ...given };
  checkKnob('mode', o.mode, o.mode === 'epochs' || o.mode === 'one-pass');
  checkKnob('optimizer', o.optimizer, o.optimizer === 'adam' || o.optimizer === 'sgd');
  checkKnob('epochs', o.epochs, Number.isInteger(o.epochs) && o.epochs >= 1);
  checkKnob('batchPairs', o.batchPairs, Number.isInteger(o.batchPairs) && o.batchPairs >= 1);
  checkKnob('learningRate', o.learningRate, o.learningRate > 0);
  checkKnob('l1', o.l1, o.l1 >= 0);
  checkKnob('l2', o.l2, o.l2 >= 0);
  checkKnob('patience', o.patience, Number.isInteger(o.patience) && o.patience >= 1);
  checkKnob('minDelta', o.minDelta, o.minDelta >= 0);
  return o;
}

/** The plain knobs of a resolved option set (no callbacks), for the result's lineage. */
export function paramsOf(o: ResolvedTrainOptions): TrainParams {
  return {
    mode: o.mode,
    epochs: o.epochs,
    batchPairs: o.batchPairs,
    learningRate: o.learningRate,
    optimizer: o.optimizer,
    l1: o.l1,
    l2: o.l2,
    lambdaWeights: o.lambdaWeights,
    seed: o.seed,
    patience: o.patience,
    minDelta: o.minDelta,
  };
}

/** Running totals of one epoch (or of the single pass). */
export class EpochMeter {
  private lossSum = 0;
  private weightSum = 0;
  pairs = 0;
  rows = 0;
  /** Training time only: callers start/stop around steps so validation and I/O are excluded. */
  private ms = 0;

  /** Adds one step's figures and the milliseconds it took. */
  add(step: { loss: number; weight: number; pairs: number; rows: number }, ms: number): void {
    this.lossSum += step.loss * step.weight;
    this.weightSum += step.weight;
    this.pairs += step.pairs;
    this.rows += step.rows;
    this.ms += ms;
  }

  /** The epoch's learning-curve point (without validation). */
  stats(epoch: number, penalty: number): EpochStats {
    const seconds = this.ms / 1000;
    return {
      epoch,
      loss: this.weightSum > 0 ? this.lossSum / this.weightSum : 0,
      penalty,
      pairs: this.pairs,
      rows: this.rows,
      seconds,
      pairsPerSec: seconds > 0 ? this.pairs / seconds : 0,
      rowsPerSec: seconds > 0 ? this.rows / seconds : 0,
    };
  }
}

/** Sums a learning curve into a result. */
export function summarise(
  o: ResolvedTrainOptions,
  curve: EpochStats[],
  extra: { bestEpoch: number; bestValid?: number; stoppedEarly: boolean; groupsWithoutPairs: number },
): TrainResult {
  const seconds = curve.reduce((s, c) => s + c.seconds, 0);
  const pairs = curve.reduce((s, c) => s + c.pairs, 0);
  const rows = curve.reduce((s, c) => s + c.rows, 0);
  return {
    mode: o.mode,
    params: paramsOf(o),
    curve,
    epochsRun: curve.length,
    ...extra,
    pairs,
    rows,
    seconds,
    pairsPerSec: seconds > 0 ? pairs / seconds : 0,
    rowsPerSec: seconds > 0 ? rows / seconds : 0,
    backend: tf.getBackend(),
  };
}
