/**
 * One-pass training (Freno et al., KDD 2015): groups arrive in time order and every pair is used
 * for exactly one update, so a model can follow a stream of fresh events with constant memory.
 * `trainStream` takes any (async) iterable of groups; `trainRanker({ mode: 'one-pass' })` sorts
 * an array by ts and goes through the same loop.
 */
import { DataError } from '../../errors.js';
import type { tf } from '../backend.js';
import { type PreparedGroup, prepareGroups, type TrainingGroup } from './batches.js';
import { scorerInputDim, usesItemIndex } from './mlp.js';
import { TrainingSession } from './session.js';
import {
  EpochMeter,
  type ResolvedTrainOptions,
  resolveTrainOptions,
  summarise,
  type TrainOptions,
  type TrainResult,
} from './train-options.js';

/**
 * The single pass: buffers groups until a batch holds `batchPairs` pairs, trains on it once, and
 * validates once at the end. Groups without pairs are skipped (the caller counts them).
 * @internal shared by trainRanker and trainStream.
 */
export async function onePass(
  model: tf.LayersModel,
  source: Iterable<PreparedGroup> | AsyncIterable<PreparedGroup>,
  o: ResolvedTrainOptions,
  groupsWithoutPairs: number | (() => number),
): Promise<TrainResult> {
  const session = new TrainingSession(model, o);
  const meter = new EpochMeter();
  let buffer: PreparedGroup[] = [];
  let buffered = 0;
  const flush = () => {
    const t0 = performance.now();
    const r = session.step(buffer);
    meter.add(r, performance.now() - t0);
    o.onBatch?.({ epoch: 1, groups: r.groupIndices, pairs: r.pairs, rows: r.rows, loss: r.loss });
    buffer = [];
    buffered = 0;
  };
  let stats: ReturnType<EpochMeter['stats']>;
  try {
    for await (const g of source) {
      if (g.pairs.w.length === 0) continue;
      buffer.push(g);
      buffered += g.pairs.w.length;
      if (buffered >= o.batchPairs) flush();
    }
    if (buffer.length > 0) flush();
    stats = meter.stats(1, session.penalty());
  } finally {
    session.dispose();
  }
  if (o.validate) stats.valid = await o.validate();
  o.onEpoch?.(stats);
  return summarise(o, [stats], {
    bestEpoch: 1,
    bestValid: stats.valid,
    stoppedEarly: false,
    groupsWithoutPairs: typeof groupsWithoutPairs === 'number' ? groupsWithoutPairs : groupsWithoutPairs(),
  });
}

/**
 * One-pass training on groups as they arrive (e.g. read from the event log in time order): each
 * group's pairs are used for exactly one update. Groups must come in non-decreasing `ts`.
 * @throws DataError when a group has no ts or is older than the one before it (naming both).
 */
export async function trainStream(
  model: tf.LayersModel,
  groups: Iterable<TrainingGroup> | AsyncIterable<TrainingGroup>,
  options: Omit<TrainOptions, 'mode' | 'epochs' | 'patience' | 'minDelta'> = {},
): Promise<TrainResult> {
  const o = resolveTrainOptions({ ...options, mode: 'one-pass' });
  const dim = scorerInputDim(model);
  const embed = usesItemIndex(model);
  let withoutPairs = 0;
  async function* prepared(): AsyncGenerator<PreparedGroup> {
    let index = 0;
    let lastTs = Number.NEGATIVE_INFINITY;
    for await (const group of groups) {
      const ts = group.ts;
      if (ts === undefined || !Number.isFinite(ts)) {
        throw new DataError(`streamed training group ${index} has no ts; one-pass training needs time order`, { field: 'ts' });
      }
      if (ts < lastTs) {
        throw new DataError(
          `streamed training group ${index} has ts ${ts}, before the previous group's ${lastTs}; groups must arrive in time order`,
          {
            field: 'ts',
          },
        );
      }
      lastTs = ts;
      const [g] = prepareGroups([group], dim, embed, index++);
      if (g.pairs.w.length === 0) withoutPairs++;
      yield g;
    }
  }
  return onePass(model, prepared(), o, () => withoutPairs);
}
