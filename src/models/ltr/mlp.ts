/**
 * The learning-to-rank scorer: an MLP over the D normalised features of one (user, candidate)
 * pair, D-64-32-1 with relu by default, built as a tf.LayersModel so the registry can save it as
 * model.json + weights and load it back with tf.loadLayersModel. An optional item-id embedding is
 * concatenated to the features (off by default: see `ScorerOptions.itemEmbedding`).
 */
import { tf } from '../backend.js';
import { installScatterAddKernels } from '../kernels/scatter-add.js';

/** The manifest `kind` of models built here. */
export const LTR_KIND = 'ltr-mlp';

/** Shape of the scorer. */
export interface ScorerOptions {
  /** Number of features D (the feature contract's names.length). */
  inputDim: number;
  /** Hidden layer widths (relu). Default [64, 32]. */
  hidden?: readonly number[];
  /** Seed of the initialisers: same seed, same initial weights. Default 1. */
  seed?: number;
  /**
   * Optional item-id embedding: `vocabSize` known items (index 1..vocabSize; 0 = unknown item)
   * mapped to `dim` trainable values concatenated to the features. Its gradient needs the
   * scatter-add kernel, which this function installs. Off by default: it costs ~half the training
   * throughput and, measured over the full catalogue (`bench/train-throughput.ts
   * --embedding-quality`), it lowered NDCG@10 on both the synthetic store and Online Retail: it
   * memorises the items of the one label window instead of generalising.
   */
  itemEmbedding?: { vocabSize: number; dim: number };
}

/** Default hidden widths. */
export const DEFAULT_HIDDEN: readonly number[] = [64, 32];

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Builds an untrained scorer. Initial weights depend only on `seed` (seeded Glorot-uniform kernels,
 * zero biases, seeded uniform embeddings).
 * @returns a tf.LayersModel mapping [n, D] features (and [n, 1] int32 item indices when embeddings
 * are on) to [n, 1] scores; the caller owns it and must `dispose()` it.
 */
export function createScorer(opts: ScorerOptions): tf.LayersModel {
  const inputDim = positiveInt(opts.inputDim, 'inputDim');
  const hidden = (opts.hidden ?? DEFAULT_HIDDEN).map((h, i) => positiveInt(h, `hidden[${i}]`));
  const seed = opts.seed ?? 1;
  // Each layer gets its own seed so layers of equal shape do not start identical.
  const kernel = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  const denseStack = (x: tf.SymbolicTensor): tf.SymbolicTensor => {
    let h = x;
    hidden.forEach((units, i) => {
      h = tf.layers
        .dense({ units, activation: 'relu', kernelInitializer: kernel(i), name: `hidden_${i + 1}` })
        .apply(h) as tf.SymbolicTensor;
    });
    return tf.layers.dense({ units: 1, kernelInitializer: kernel(hidden.length), name: 'score' }).apply(h) as tf.SymbolicTensor;
  };
  const features = tf.input({ shape: [inputDim], name: 'features' });
  if (!opts.itemEmbedding) return tf.model({ inputs: features, outputs: denseStack(features), name: LTR_KIND });

  const vocabSize = positiveInt(opts.itemEmbedding.vocabSize, 'itemEmbedding.vocabSize');
  const dim = positiveInt(opts.itemEmbedding.dim, 'itemEmbedding.dim');
  installScatterAddKernels();
  const item = tf.input({ shape: [1], dtype: 'int32', name: 'item' });
  const embedded = tf.layers
    .embedding({
      inputDim: vocabSize + 1,
      outputDim: dim,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed * 1000 + 999 }),
      name: 'item_embedding',
    })
    .apply(item) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(embedded) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([features, flat]) as tf.SymbolicTensor;
  return tf.model({ inputs: [features, item], outputs: denseStack(joined), name: LTR_KIND });
}

/** Number of features the scorer expects. */
export function scorerInputDim(model: tf.LayersModel): number {
  const dim = model.inputs[0].shape[1];
  if (typeof dim !== 'number') throw new Error('scorer input has no fixed feature dimension');
  return dim;
}

/** Whether the scorer takes item indices (an item-embedding model). */
export function usesItemIndex(model: tf.LayersModel): boolean {
  return model.inputs.length > 1;
}

/**
 * Scores n rows in one batched forward pass (built in tf.tidy, read back once; nothing leaks).
 * @param rows - n x D normalised features, row-major.
 * @param itemIndex - per-row item index (1-based vocabulary index, 0 = unknown); required by
 * item-embedding models, ignored otherwise.
 * @returns n scores.
 */
export function scoreRows(model: tf.LayersModel, rows: Float32Array, n: number, itemIndex?: Int32Array): Float32Array {
  if (n === 0) return new Float32Array(0);
  const dim = scorerInputDim(model);
  if (rows.length !== n * dim) throw new RangeError(`rows has ${rows.length} values, expected ${n} x ${dim} = ${n * dim}`);
  const embed = usesItemIndex(model);
  if (embed && (!itemIndex || itemIndex.length !== n)) throw new RangeError(`this scorer needs one item index per row (${n})`);
  const out = tf.tidy(() => {
    const x = tf.tensor2d(rows, [n, dim]);
    const input = embed && itemIndex ? [x, tf.tensor2d(itemIndex, [n, 1], 'int32')] : x;
    return model.apply(input) as tf.Tensor;
  });
  // Read outside tidy: tidy walks every element of a typed array it returns, looking for tensors.
  try {
    // dataSync may hand back the backend's own buffer; copy so callers own the result.
    return new Float32Array(out.dataSync());
  } finally {
    out.dispose();
  }
}

/** A copy of every weight of the model (biases included), in `model.weights` order. */
export function snapshotWeights(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync()));
}

/** Writes a snapshot from `snapshotWeights` back into the model. */
export function restoreWeights(model: tf.LayersModel, snapshot: readonly Float32Array[]): void {
  tf.tidy(() => {
    model.setWeights(model.weights.map((w, i) => tf.tensor(snapshot[i], w.shape as number[], w.dtype)));
  });
}
