/**
 * The feature tables: the item-side state a FeatureStore needs at serving time (catalogue and
 * attributes, popularity, co-occurrence neighbours, and the item states fitted on the window when
 * the version uses any: item-state.ts), as one compact, JSON-serialisable object
 * (vocabularies as string arrays, numeric columns as base64 typed arrays). They are written into
 * every published model directory, so a version's item state travels with it; user state does not
 * (it lives in a UserStateStore), so the tables' size does not depend on the number of users.
 * `ItemTables` (request.ts) is the decoded in-memory form; encode/decode are exact inverses.
 * Version 1 tables (which also carried user histories) are still read; their users are ignored.
 */
import { DataError } from '../errors.js';
import type { AttributeColumns } from './attributes.js';
import { priceBandsOf } from './attributes.js';
import type { NeighbourTable } from './cooccurrence.js';
import { decodeArray, type EncodedArray, encodeArray } from './encoding.js';
import type { FittedStateEntry } from './item-state.js';
import { POPULARITY_HALF_LIVES_DAYS, type PopularityTable } from './popularity.js';
import type { ItemTables } from './request.js';

/** Format marker of the tables (checked on load). */
export const FEATURE_TABLES_FORMAT = 'workbench.feature-tables';

/** The knobs a store was built with (recorded for lineage; halfLifeDays also drives recency features). */
export interface StoreParams {
  halfLifeDays: number;
  recencyHalfLifeDays: number;
  neighbours: number;
  maxBasketSize: number;
  minSupport: number;
  shrinkage: number;
  sessionGapMinutes: number;
  priceBands: number;
}

/** The JSON form of the feature tables. */
export interface FeatureTables {
  format: typeof FEATURE_TABLES_FORMAT;
  version: 2;
  cutoff: number;
  params: StoreParams;
  items: {
    ids: string[];
    titles: string[];
    vocab: { brand: string[]; colour: string[]; category: string[] };
    brand: EncodedArray;
    colour: EncodedArray;
    category: EncodedArray;
    price: EncodedArray;
    priceEdges: number[];
    /** Further catalogue attributes (absent when there are none, and in older tables). */
    extra?: { name: string; vocab: string[]; index: EncodedArray }[];
  };
  popularity: { count: EncodedArray; recent: EncodedArray; halfLives: number[]; ladder: EncodedArray; firstTs: EncodedArray };
  neighbours: { offsets: EncodedArray; items: EncodedArray; scores: EncodedArray };
  /** Item states learnt from the window (item-state.ts), when the version's ranker or features use any. */
  fitted?: FittedStateEntry[];
}

/** Encodes item tables. */
export function encodeTables(d: ItemTables): FeatureTables {
  return {
    format: FEATURE_TABLES_FORMAT,
    version: 2,
    cutoff: d.cutoff,
    params: { ...d.params },
    items: {
      ids: [...d.itemIds],
      titles: [...d.titles],
      vocab: structuredClone(d.attrs.vocab),
      brand: encodeArray(d.attrs.brand),
      colour: encodeArray(d.attrs.colour),
      category: encodeArray(d.attrs.category),
      price: encodeArray(d.attrs.price),
      priceEdges: [...d.attrs.priceEdges],
      ...(d.attrs.extra.length
        ? { extra: d.attrs.extra.map((x) => ({ name: x.name, vocab: [...x.vocab], index: encodeArray(x.index) })) }
        : {}),
    },
    popularity: {
      count: encodeArray(d.pop.count),
      recent: encodeArray(d.pop.recent),
      halfLives: [...POPULARITY_HALF_LIVES_DAYS],
      ladder: encodeArray(d.pop.ladder),
      firstTs: encodeArray(d.pop.firstTs),
    },
    neighbours: { offsets: encodeArray(d.nbrs.offsets), items: encodeArray(d.nbrs.items), scores: encodeArray(d.nbrs.scores) },
  };
}

const where = (field: string) => ({ file: 'feature tables', field });

function strings(value: unknown, field: string, length?: number): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new DataError('expected an array of strings', where(field));
  if (length !== undefined && value.length !== length) throw new DataError(`expected ${length} strings, got ${value.length}`, where(field));
  return value as string[];
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new DataError(`expected a finite number, got ${String(value)}`, where(field));
  return value;
}

/** Checks CSR offsets (n+1 ascending values from 0 to total) and that indices lie in [lo, hi). */
function checkCsr(offsets: Int32Array, indices: Int32Array, hi: number, field: string): void {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== indices.length) {
    throw new DataError(`offsets must run from 0 to ${indices.length}`, where(`${field}.offsets`));
  }
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i] < offsets[i - 1]) throw new DataError(`offsets decrease at ${i}`, where(`${field}.offsets`));
  }
  checkIndices(indices, 0, hi, `${field}.items`);
}

function checkIndices(indices: Int32Array, lo: number, hi: number, field: string): void {
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < lo || indices[i] >= hi) throw new DataError(`index ${indices[i]} at ${i} is outside [${lo}, ${hi})`, where(field));
  }
}

/**
 * Decodes and validates tables (e.g. parsed from a model directory).
 * @throws DataError naming the first malformed field.
 */
export function decodeTables(value: unknown): ItemTables {
  const t = value as FeatureTables;
  if (!t || typeof t !== 'object' || t.format !== FEATURE_TABLES_FORMAT) {
    throw new DataError(`not feature tables (format should be "${FEATURE_TABLES_FORMAT}")`, where('format'));
  }
  const version = (t as { version: unknown }).version;
  if (version !== 1 && version !== 2)
    throw new DataError(`unsupported version ${String(version)}; this build reads versions 1 and 2`, where('version'));
  const p = t.params ?? ({} as StoreParams);
  const params: StoreParams = {
    halfLifeDays: finite(p.halfLifeDays, 'params.halfLifeDays'),
    recencyHalfLifeDays: finite(p.recencyHalfLifeDays, 'params.recencyHalfLifeDays'),
    neighbours: finite(p.neighbours, 'params.neighbours'),
    maxBasketSize: finite(p.maxBasketSize, 'params.maxBasketSize'),
    minSupport: finite(p.minSupport, 'params.minSupport'),
    shrinkage: finite(p.shrinkage, 'params.shrinkage'),
    sessionGapMinutes: finite(p.sessionGapMinutes, 'params.sessionGapMinutes'),
    priceBands: finite(p.priceBands, 'params.priceBands'),
  };
  const it = t.items ?? ({} as FeatureTables['items']);
  const itemIds = strings(it.ids, 'items.ids');
  const n = itemIds.length;
  if (new Set(itemIds).size !== n) throw new DataError('item ids repeat', where('items.ids'));
  const vocab = {
    brand: strings(it.vocab?.brand, 'items.vocab.brand'),
    colour: strings(it.vocab?.colour, 'items.vocab.colour'),
    category: strings(it.vocab?.category, 'items.vocab.category'),
  };
  if (!Array.isArray(it.priceEdges)) throw new DataError('expected an array of numbers', where('items.priceEdges'));
  const priceEdges = it.priceEdges.map((e, i) => finite(e, `items.priceEdges[${i}]`));
  const price = decodeArray(it.price, 'float64', n, 'items.price');
  const attrs: AttributeColumns = {
    vocab,
    brand: decodeArray(it.brand, 'int32', n, 'items.brand'),
    colour: decodeArray(it.colour, 'int32', n, 'items.colour'),
    category: decodeArray(it.category, 'int32', n, 'items.category'),
    priceBand: priceBandsOf(price, priceEdges),
    price,
    priceEdges,
    extra: (Array.isArray(it.extra) ? it.extra : []).map((x, k) => {
      const vocab = strings(x?.vocab, `items.extra[${k}].vocab`);
      const index = decodeArray(x?.index, 'int32', n, `items.extra[${k}].index`);
      checkIndices(index, -1, vocab.length, `items.extra[${k}].index`);
      if (typeof x?.name !== 'string' || !x.name) throw new DataError('expected an attribute name', where(`items.extra[${k}].name`));
      return { name: x.name, vocab, index };
    }),
  };
  checkIndices(attrs.brand, -1, vocab.brand.length, 'items.brand');
  checkIndices(attrs.colour, -1, vocab.colour.length, 'items.colour');
  checkIndices(attrs.category, -1, vocab.category.length, 'items.category');

  const pp = t.popularity ?? ({} as FeatureTables['popularity']);
  const halfLives = Array.isArray(pp.halfLives) ? pp.halfLives : [];
  if (halfLives.length !== POPULARITY_HALF_LIVES_DAYS.length || halfLives.some((h, i) => h !== POPULARITY_HALF_LIVES_DAYS[i])) {
    throw new DataError(`expected half-lives ${POPULARITY_HALF_LIVES_DAYS.join(', ')}`, where('popularity.halfLives'));
  }
  const pop: PopularityTable = {
    count: decodeArray(pp.count, 'float32', n, 'popularity.count'),
    recent: decodeArray(pp.recent, 'float32', n, 'popularity.recent'),
    ladder: decodeArray(pp.ladder, 'float32', n * halfLives.length, 'popularity.ladder'),
    firstTs: decodeArray(pp.firstTs, 'float64', n, 'popularity.firstTs'),
  };

  const nb = t.neighbours ?? ({} as FeatureTables['neighbours']);
  const nbOffsets = decodeArray(nb.offsets, 'int32', n + 1, 'neighbours.offsets');
  const nbItems = decodeArray(nb.items, 'int32', undefined, 'neighbours.items');
  const nbrs: NeighbourTable = {
    offsets: nbOffsets,
    items: nbItems,
    scores: decodeArray(nb.scores, 'float32', nbItems.length, 'neighbours.scores'),
  };
  checkCsr(nbOffsets, nbItems, n, 'neighbours');

  return {
    cutoff: finite(t.cutoff, 'cutoff'),
    params,
    itemIds,
    titles: strings(it.titles, 'items.titles', n),
    attrs,
    pop,
    nbrs,
  };
}
