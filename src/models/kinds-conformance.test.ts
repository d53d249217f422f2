/**
 * The Ranker conformance suite for EVERY registered model kind: the built-in ones (ltr-mlp and the
 * baselines) and the kinds registered below, as a data scientist would register theirs.
 */
import { tf } from './backend.js';
import { modelKinds, registerModelKind } from './kinds.js';
import { describeKindConformance } from './testing/conformance.js';

// A TF.js scorer kind: one tanh hidden layer, LambdaRank pair weights, a stronger L2.
registerModelKind<{ units: number }>({
  family: 'scorer',
  name: 'test-tanh-mlp',
  description: 'D-8-1 tanh MLP (test)',
  defaults: { units: 8 },
  training: { lambdaWeights: true, l2: 1e-4 },
  createModel: ({ inputDim, seed, params }) => {
    const input = tf.input({ shape: [inputDim] });
    const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 100 + i });
    const hidden = tf.layers.dense({ units: params.units, activation: 'tanh', kernelInitializer: init(0) }).apply(input);
    const score = tf.layers.dense({ units: 1, kernelInitializer: init(1) }).apply(hidden) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: score });
  },
});

// A heuristic kind: the store's recent popularity, square-rooted.
registerModelKind<{ power: number }>({
  family: 'heuristic',
  name: 'test-sqrt-popularity',
  description: 'recent popularity ^ power (test)',
  defaults: { power: 0.5 },
  grid: [{ power: 0.5 }, { power: 1 }],
  create: (store, { power }) => ({
    name: 'test-sqrt-popularity',
    score: (req) => Float32Array.from(req.candidates, (id) => store.popularity(id).recent ** power),
    dispose() {},
  }),
});

const names = modelKinds().map((k) => k.name);
if (!names.includes('test-tanh-mlp') || !names.includes('ltr-mlp') || !names.includes('popularity')) {
  throw new Error(`the registry lacks kinds this test relies on: ${names.join(', ')}`);
}
for (const kind of modelKinds()) describeKindConformance(kind);
