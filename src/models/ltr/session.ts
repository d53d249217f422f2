/**
 * One optimisation step of the pairwise ranking loss, shared by multi-epoch and one-pass training.
 * A step stacks whole groups, scores all rows in ONE forward pass, reads the scores back once,
 * computes the weighted pair loss and dL/ds in TypeScript (pairs.ts), and lets TF.js
 * back-propagate sum(s * dL/ds) plus the elastic net through the network.
 */
import { tf } from '../backend.js';
import { installScatterAddKernels } from '../kernels/scatter-add.js';
import { BatchAssembler, type PreparedGroup } from './batches.js';
import { scorerInputDim, usesItemIndex } from './mlp.js';
import { LossScratch, pairwiseLoss } from './pairs.js';

/** The knobs a step needs. */
export interface StepOptions {
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  l1: number;
  l2: number;
  lambdaWeights: boolean;
}

/** What one step trained on and the loss it saw (before the update). */
export interface StepResult {
  /** Weighted mean pair loss of the batch. */
  loss: number;
  /** Sum of the batch's pair weights (to average losses over an epoch). */
  weight: number;
  pairs: number;
  rows: number;
  /** Indices of the groups in the batch, in order. */
  groupIndices: number[];
}

/** Optimiser state and reusable buffers of one training run; dispose() frees the optimiser. */
export class TrainingSession {
  readonly dim: number;
  readonly embed: boolean;
  private readonly assembler: BatchAssembler;
  private readonly scratch = new LossScratch();
  private readonly optimizer: tf.Optimizer;
  private readonly variables: tf.Variable[];
  private readonly penalised: tf.Variable[];

  constructor(
    private readonly model: tf.LayersModel,
    private readonly opts: StepOptions,
  ) {
    this.dim = scorerInputDim(model);
    this.embed = usesItemIndex(model);
    // An embedding's gradient is a scatter-add: never let it fall back to the stock kernel
    // (orders of magnitude slower on cpu, missing on wasm), however the model was made or loaded.
    if (model.layers.some((l) => l.getClassName() === 'Embedding')) installScatterAddKernels();
    this.assembler = new BatchAssembler(this.dim, this.embed);
    this.optimizer = opts.optimizer === 'sgd' ? tf.train.sgd(opts.learningRate) : tf.train.adam(opts.learningRate);
    // LayerVariable.read() hands back the tf.Variable the optimiser updates.
    this.variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.penalised = model.trainableWeights.filter((w) => !/bias$/.test(w.name)).map((w) => w.read() as tf.Variable);
  }

  /** One optimisation step on the stacked groups. */
  step(groups: readonly PreparedGroup[]): StepResult {
    const batch = this.assembler.assemble(groups);
    const { l1, l2, lambdaWeights } = this.opts;
    let seen = { loss: 0, weight: 0 };
    const x = tf.tensor2d(batch.features, [batch.rows, this.dim]);
    const ids = this.embed && batch.itemIndex ? tf.tensor2d(batch.itemIndex, [batch.rows, 1], 'int32') : undefined;
    try {
      this.optimizer.minimize(
        () => {
          const s = this.model.apply(ids ? [x, ids] : x, { training: true }) as tf.Tensor;
          seen = pairwiseLoss(s.dataSync(), batch, lambdaWeights, this.scratch);
          const grad = tf.tensor2d(this.scratch.grad.subarray(0, batch.rows), [batch.rows, 1]);
          let objective: tf.Tensor = tf.sum(tf.mul(s, grad));
          if (l1 > 0) objective = tf.add(objective, tf.mul(l1, tf.addN(this.penalised.map((v) => tf.sum(tf.abs(v))))));
          if (l2 > 0) objective = tf.add(objective, tf.mul(l2, tf.addN(this.penalised.map((v) => tf.sum(tf.square(v))))));
          return objective as tf.Scalar;
        },
        false,
        this.variables,
      );
    } finally {
      x.dispose();
      ids?.dispose();
    }
    return { ...seen, pairs: batch.pairs, rows: batch.rows, groupIndices: batch.groupIndices };
  }

  /** The elastic-net penalty l1 sum|W| + l2 sum W^2 of the current weights. */
  penalty(): number {
    const { l1, l2 } = this.opts;
    if (l1 === 0 && l2 === 0) return 0;
    return tf.tidy(() => {
      let p = 0;
      for (const v of this.penalised) p += l1 * tf.sum(tf.abs(v)).dataSync()[0] + l2 * tf.sum(tf.square(v)).dataSync()[0];
      return p;
    });
  }

  /** Frees the optimiser's state (Adam's moment estimates). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
