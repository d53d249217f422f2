/**
 * Attribute similarity: an item scores how much of the user's weighted history shares its brand,
 * colour, category and price band (the user's affinities), plus its attribute similarity to the item
 * on the page. Content-based: it reaches items nobody bought together yet (cold items).
 */
import { ATTRIBUTE_KINDS, type AttributeKind, attributeSimilarity, type ItemRecord } from '../../features/attributes.js';
import type { FeatureStore } from '../../features/store.js';
import type { RankRequest } from '../ranker.js';
import { BaselineRanker, knob } from './common.js';

/** Knobs of the attribute baseline. */
export interface AttributeRankerOptions {
  /** Weight per attribute (default 1 each). */
  weights?: Partial<Record<AttributeKind, number>>;
  /** Weight of attribute similarity to the context item (default 1). */
  contextWeight?: number;
  /** Weight of normalised popularity added to every item (default 0: popularity only breaks ties). */
  popularityWeight?: number;
}

function attributeKey(rec: ItemRecord, kind: AttributeKind): string | undefined {
  const v = rec[kind];
  return v === undefined ? undefined : String(v);
}

/** score(c) = sum_kind w_kind affinity_u[kind][c's value] + contextWeight attrSim(ctx, c) + popularity + tie-break. */
export class AttributeRanker extends BaselineRanker {
  readonly name = 'attributes';
  readonly params: Readonly<Record<string, number>>;
  private readonly weights: Record<AttributeKind, number>;
  private readonly contextWeight: number;
  private readonly records: ItemRecord[];
  private readonly base: Float32Array;

  constructor(store: FeatureStore, opts: AttributeRankerOptions = {}) {
    super(store);
    this.weights = Object.fromEntries(ATTRIBUTE_KINDS.map((k) => [k, knob(this.name, `weights.${k}`, opts.weights?.[k] ?? 1)])) as Record<
      AttributeKind,
      number
    >;
    this.contextWeight = knob(this.name, 'contextWeight', opts.contextWeight ?? 1);
    const popWeight = knob(this.name, 'popularityWeight', opts.popularityWeight ?? 0);
    this.params = { ...this.weights, contextWeight: this.contextWeight, popularityWeight: popWeight };
    this.records = store.itemIds.map((id) => store.item(id) ?? { itemId: id, title: id });
    this.base = Float32Array.from(this.items.popNorm, (p, i) => popWeight * p + this.items.tie[i]);
  }

  protected scoreKnown(req: RankRequest, idx: Int32Array, out: Float32Array): void {
    const affinity = this.store.user(req.userId)?.affinity;
    const ctx = req.contextItemId === undefined ? undefined : this.items.index.get(req.contextItemId);
    const ctxRec = ctx === undefined ? undefined : this.records[ctx];
    for (let r = 0; r < idx.length; r++) {
      const i = idx[r];
      if (i < 0) continue;
      const rec = this.records[i];
      let s = this.base[i];
      if (affinity) {
        for (const kind of ATTRIBUTE_KINDS) {
          const key = attributeKey(rec, kind);
          if (key !== undefined) s += this.weights[kind] * (affinity[kind][key] ?? 0);
        }
      }
      if (ctxRec) s += this.contextWeight * attributeSimilarity(ctxRec, rec);
      out[r] = s;
    }
  }
}
