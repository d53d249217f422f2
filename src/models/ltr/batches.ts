/**
 * Training groups and how they are packed into mini-batches: whole groups (a user's positives and
 * sampled negatives) are stacked until the batch holds about `batchPairs` pairs, copied into
 * buffers that are allocated once and reused for every step.
 */
import { DataError } from '../../errors.js';
import { idealDcg } from '../../eval/ndcg.js';
import { type GroupPairs, groupPairs, type PairBatch } from './pairs.js';

/** One training example group: a user's rows (positives and negatives) as the scorer sees them. */
export interface TrainingGroup {
  /** n x D normalised features, row-major. */
  features: Float32Array;
  /** Strength per row (EVENT_STRENGTH of the strongest label-window event); 0 = negative. */
  labels: Float32Array;
  /** When the group's first positive happened (epoch ms): one-pass mode trains in this order. */
  ts?: number;
  /** Whose group this is (reports, debugging). */
  userId?: string;
  /**
   * Per-row sampling weight (default 1 each): a negative drawn with probability p stands for 1/p
   * items of the catalogue, so the pairwise loss estimates the full-catalogue one. A pair's weight
   * is (label_i - label_j) x weight_i x weight_j.
   */
  weights?: Float32Array;
  /** Per-row item index (1-based into the store's itemIds, 0 = unknown): item-embedding models only. */
  itemIndex?: Int32Array;
}

/** A group checked against the scorer's shape, with its pairs enumerated once. */
export interface PreparedGroup {
  index: number;
  group: TrainingGroup;
  rows: number;
  pairs: GroupPairs;
  idcg: number;
}

/**
 * Checks every group (shape, finite features, non-negative labels, item indices when needed) and
 * enumerates its pairs. Throws a DataError naming the group, row and feature of the first problem.
 * @param firstIndex - index of groups[0] in the caller's numbering (streams prepare one at a time).
 */
export function prepareGroups(groups: readonly TrainingGroup[], dim: number, needsItemIndex: boolean, firstIndex = 0): PreparedGroup[] {
  return groups.map((group, i) => {
    const index = firstIndex + i;
    const where = `training group ${index}${group.userId ? ` (user ${group.userId})` : ''}`;
    const rows = group.labels.length;
    if (group.features.length !== rows * dim) {
      throw new DataError(`${where}: features has ${group.features.length} values, expected ${rows} rows x ${dim} features`);
    }
    for (let v = 0; v < group.features.length; v++) {
      const x = group.features[v];
      if (!Number.isFinite(x)) {
        throw new DataError(`${where}: row ${Math.floor(v / dim)}, feature ${v % dim} is ${x}; features must be finite`);
      }
    }
    for (let r = 0; r < rows; r++) {
      const l = group.labels[r];
      if (!(l >= 0) || !Number.isFinite(l)) throw new DataError(`${where}: row ${r} has label ${l}; labels must be finite and >= 0`);
    }
    if (group.weights) {
      if (group.weights.length !== rows) throw new DataError(`${where}: weights has ${group.weights.length} values for ${rows} rows`);
      for (let r = 0; r < rows; r++) {
        const w = group.weights[r];
        if (!(w > 0) || !Number.isFinite(w)) throw new DataError(`${where}: row ${r} has weight ${w}; weights must be finite and > 0`);
      }
    }
    if (needsItemIndex && group.itemIndex?.length !== rows) {
      throw new DataError(`${where}: the scorer has an item embedding, so every row needs an itemIndex (${rows} rows)`);
    }
    return { index, group, rows, pairs: groupPairs(group.labels, group.weights), idcg: idealDcg(group.labels) };
  });
}

/** Splits an ordered list of groups into consecutive batches of about `batchPairs` pairs. */
export function packBatches(order: readonly PreparedGroup[], batchPairs: number): PreparedGroup[][] {
  const batches: PreparedGroup[][] = [];
  let current: PreparedGroup[] = [];
  let pairs = 0;
  for (const g of order) {
    if (g.pairs.w.length === 0) continue;
    current.push(g);
    pairs += g.pairs.w.length;
    if (pairs >= batchPairs) {
      batches.push(current);
      current = [];
      pairs = 0;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A packed batch: the pair structure plus the stacked rows to feed the scorer. */
export interface AssembledBatch extends PairBatch {
  /** rows x D features (a view into a reused buffer; valid until the next `assemble`). */
  features: Float32Array;
  /** rows item indices (item-embedding models), a view into a reused buffer. */
  itemIndex?: Int32Array;
  /** Indices of the groups in the batch, in order. */
  groupIndices: number[];
}

/** Copies groups into reusable buffers (grown on demand, never shrunk). */
export class BatchAssembler {
  private features = new Float32Array(0);
  private itemIndex = new Int32Array(0);
  private labels = new Float32Array(0);
  private pairI = new Int32Array(0);
  private pairJ = new Int32Array(0);
  private pairW = new Float32Array(0);
  private groupStart = new Int32Array(0);
  private idcg = new Float32Array(0);

  constructor(
    private readonly dim: number,
    private readonly withItemIndex: boolean,
  ) {}

  /** Stacks `groups` into one batch. */
  assemble(groups: readonly PreparedGroup[]): AssembledBatch {
    let rows = 0;
    let pairs = 0;
    for (const g of groups) {
      rows += g.rows;
      pairs += g.pairs.w.length;
    }
    this.reserve(rows, pairs, groups.length);
    let row = 0;
    let k = 0;
    groups.forEach((g, gi) => {
      this.groupStart[gi] = row;
      this.idcg[gi] = g.idcg;
      this.features.set(g.group.features, row * this.dim);
      this.labels.set(g.group.labels, row);
      if (this.withItemIndex && g.group.itemIndex) this.itemIndex.set(g.group.itemIndex, row);
      const p = g.pairs;
      for (let q = 0; q < p.w.length; q++, k++) {
        this.pairI[k] = p.i[q] + row;
        this.pairJ[k] = p.j[q] + row;
        this.pairW[k] = p.w[q];
      }
      row += g.rows;
    });
    this.groupStart[groups.length] = row;
    return {
      rows,
      pairs,
      pairI: this.pairI,
      pairJ: this.pairJ,
      pairW: this.pairW,
      labels: this.labels,
      groups: groups.length,
      groupStart: this.groupStart,
      idcg: this.idcg,
      features: this.features.subarray(0, rows * this.dim),
      itemIndex: this.withItemIndex ? this.itemIndex.subarray(0, rows) : undefined,
      groupIndices: groups.map((g) => g.index),
    };
  }

  private reserve(rows: number, pairs: number, groups: number): void {
    if (this.labels.length < rows) {
      const cap = Math.max(rows, this.labels.length * 2);
      this.features = new Float32Array(cap * this.dim);
      this.labels = new Float32Array(cap);
      if (this.withItemIndex) this.itemIndex = new Int32Array(cap);
    }
    if (this.pairW.length < pairs) {
      const cap = Math.max(pairs, this.pairW.length * 2);
      this.pairI = new Int32Array(cap);
      this.pairJ = new Int32Array(cap);
      this.pairW = new Float32Array(cap);
    }
    if (this.groupStart.length < groups + 1) {
      const cap = Math.max(groups + 1, this.groupStart.length * 2);
      this.groupStart = new Int32Array(cap);
      this.idcg = new Float32Array(cap);
    }
  }
}
