/**
 * Item attributes as the features use them: brand, colour and category from the catalogue, and a
 * price band derived from catalogue price quantiles (so "cheap" and "premium" mean the same share
 * of the catalogue whatever the currency or store). Stored as vocabulary indices per item.
 */
import type { Item } from '../data/schema.js';

/** The categorical attributes compared between items and users, in feature order. */
export const ATTRIBUTE_KINDS = ['brand', 'colour', 'category', 'priceBand'] as const;
export type AttributeKind = (typeof ATTRIBUTE_KINDS)[number];

/** Default number of price bands (quintiles). */
export const DEFAULT_PRICE_BANDS = 5;

/** A catalogue item with its derived price band (0 = cheapest; absent when the price is unknown). */
export type ItemRecord = Item & { priceBand?: number };

/** Attributes of every vocabulary item as indices into per-kind vocabularies (-1 = unknown). */
export interface AttributeColumns {
  vocab: { brand: string[]; colour: string[]; category: string[] };
  brand: Int32Array;
  colour: Int32Array;
  category: Int32Array;
  priceBand: Int32Array;
  /** Catalogue price (NaN when unknown). */
  price: Float64Array;
  /** Price band edges: band(p) = number of edges <= p. */
  priceEdges: number[];
  /** A team catalogue's further categorical attributes (`Item.attributes`), sorted by name; [] for none. */
  extra: ExtraAttribute[];
}

/** One further categorical attribute: its name, vocabulary and each item's value index (-1 = unknown). */
export interface ExtraAttribute {
  name: string;
  vocab: string[];
  index: Int32Array;
}

/**
 * Price band edges at the quantiles 1/bands, ..., (bands-1)/bands of the given prices (nearest rank).
 * @returns bands - 1 ascending edges (fewer distinct bands when many prices are equal); [] for no prices.
 */
export function priceEdges(prices: readonly number[], bands: number = DEFAULT_PRICE_BANDS): number[] {
  const sorted = prices.filter((p) => Number.isFinite(p) && p >= 0).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let j = 1; j < bands; j++) edges.push(sorted[Math.min(sorted.length - 1, Math.floor((j * sorted.length) / bands))]);
  return edges;
}

/** The band of a price: the number of edges <= price; -1 for an unknown price. */
export function priceBandOf(price: number | undefined, edges: readonly number[]): number {
  if (price === undefined || !Number.isFinite(price) || price < 0) return -1;
  let band = 0;
  while (band < edges.length && edges[band] <= price) band++;
  return band;
}

/**
 * Attribute similarity of two items: the share of the four attributes (brand, colour, category,
 * price band) on which both are known and equal, in [0, 1]. Dividing by four (not by the number of
 * known attributes) keeps a full match above a match on a single known attribute.
 */
export function attributeSimilarity(a: ItemRecord, b: ItemRecord): number {
  let same = 0;
  for (const k of ATTRIBUTE_KINDS) {
    const x = a[k];
    const y = b[k];
    if (x !== undefined && x !== '' && x === y) same++;
  }
  return same / ATTRIBUTE_KINDS.length;
}

/** Same as attributeSimilarity on column indices (the hot path). */
export function attributeSimilarityAt(cols: AttributeColumns, a: number, b: number): number {
  let same = 0;
  if (cols.brand[a] >= 0 && cols.brand[a] === cols.brand[b]) same++;
  if (cols.colour[a] >= 0 && cols.colour[a] === cols.colour[b]) same++;
  if (cols.category[a] >= 0 && cols.category[a] === cols.category[b]) same++;
  if (cols.priceBand[a] >= 0 && cols.priceBand[a] === cols.priceBand[b]) same++;
  return same / ATTRIBUTE_KINDS.length;
}

function column(values: (string | undefined)[]): { vocab: string[]; index: Int32Array } {
  const vocab = [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))].sort();
  const pos = new Map(vocab.map((v, i) => [v, i]));
  return { vocab, index: Int32Array.from(values, (v) => (v === undefined || v === '' ? -1 : pos.get(v)!)) };
}

/**
 * Encodes the catalogue records of the item vocabulary (undefined = not in the catalogue).
 * @param bands - number of price bands.
 */
export function attributeColumns(catalogue: readonly (Item | undefined)[], bands: number = DEFAULT_PRICE_BANDS): AttributeColumns {
  const brand = column(catalogue.map((it) => it?.brand));
  const colour = column(catalogue.map((it) => it?.colour));
  const category = column(catalogue.map((it) => it?.category));
  const price = Float64Array.from(catalogue, (it) => (it?.price !== undefined && Number.isFinite(it.price) ? it.price : Number.NaN));
  const edges = priceEdges(Array.from(price), bands);
  const names = [...new Set(catalogue.flatMap((it) => Object.keys(it?.attributes ?? {})))].sort();
  const extra = names.map((name) => ({
    name,
    ...column(catalogue.map((it) => (it?.attributes && Object.hasOwn(it.attributes, name) ? it.attributes[name] : undefined))),
  }));
  return {
    vocab: { brand: brand.vocab, colour: colour.vocab, category: category.vocab },
    brand: brand.index,
    colour: colour.index,
    category: category.index,
    priceBand: Int32Array.from(price, (p) => priceBandOf(Number.isNaN(p) ? undefined : p, edges)),
    price,
    priceEdges: edges,
    extra,
  };
}

/** Price bands re-derived from prices and edges (used when loading tables). */
export function priceBandsOf(price: Float64Array, edges: readonly number[]): Int32Array {
  return Int32Array.from(price, (p) => priceBandOf(Number.isNaN(p) ? undefined : p, edges));
}
