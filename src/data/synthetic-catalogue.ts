/**
 * The synthetic store's catalogue: fashion items with brand, colour, category and a
 * category-dependent price, plus hidden properties the simulation uses (quality/popularity, a
 * latent vector, a release time). Split from synthetic-store.ts so each file stays one idea.
 */
import type { Rng } from '../util/random.js';
import type { Item } from './schema.js';

/** Categories, their typical price (GBP) and share of the catalogue. */
export const CATEGORIES = [
  { name: 'dresses', noun: 'dress', price: 70, share: 0.16, styles: ['wrap', 'midi', 'shirt', 'slip', 'maxi'] },
  { name: 'tops', noun: 'top', price: 30, share: 0.2, styles: ['linen', 'striped', 'ribbed', 'silk', 'boxy'] },
  { name: 'jeans', noun: 'jeans', price: 60, share: 0.12, styles: ['straight', 'wide-leg', 'slim', 'bootcut', 'mom'] },
  { name: 'shoes', noun: 'shoes', price: 90, share: 0.12, styles: ['leather', 'canvas', 'platform', 'loafer', 'ankle'] },
  { name: 'bags', noun: 'bag', price: 80, share: 0.1, styles: ['tote', 'crossbody', 'bucket', 'clutch', 'shoulder'] },
  { name: 'coats', noun: 'coat', price: 150, share: 0.08, styles: ['wool', 'trench', 'puffer', 'car', 'pea'] },
  { name: 'knitwear', noun: 'jumper', price: 55, share: 0.12, styles: ['cashmere', 'cable', 'merino', 'cropped', 'chunky'] },
  { name: 'accessories', noun: 'scarf', price: 25, share: 0.1, styles: ['silk', 'wool', 'printed', 'fringed', 'skinny'] },
] as const;

/** Brands with a price tier (multiplier of the category price) and a share of the catalogue. */
export const BRANDS = [
  { name: 'Arden', tier: 0.6, share: 0.12 },
  { name: 'Bellwether', tier: 0.7, share: 0.11 },
  { name: 'Calder', tier: 0.8, share: 0.1 },
  { name: 'Dunmore', tier: 0.9, share: 0.1 },
  { name: 'Elsworth', tier: 1.0, share: 0.09 },
  { name: 'Fenwick Lane', tier: 1.0, share: 0.09 },
  { name: 'Greyfriars', tier: 1.1, share: 0.08 },
  { name: 'Hollis', tier: 1.25, share: 0.08 },
  { name: 'Isla Mae', tier: 1.4, share: 0.06 },
  { name: 'Juniper & Co', tier: 1.6, share: 0.06 },
  { name: 'Kestrel', tier: 2.0, share: 0.05 },
  { name: 'Lowther', tier: 2.6, share: 0.06 },
] as const;

/** Colours and their share of the catalogue. */
export const COLOURS = [
  { name: 'black', share: 0.2 },
  { name: 'white', share: 0.13 },
  { name: 'navy', share: 0.11 },
  { name: 'grey', share: 0.1 },
  { name: 'beige', share: 0.1 },
  { name: 'red', share: 0.08 },
  { name: 'green', share: 0.08 },
  { name: 'blue', share: 0.08 },
  { name: 'pink', share: 0.07 },
  { name: 'brown', share: 0.05 },
] as const;

/** An item's attributes as indices, with its hidden properties. */
export interface ItemAttrs {
  category: number;
  brand: number;
  colour: number;
  /** log(price / category price): where the item sits in its category's price range. */
  logPriceGap: number;
  /** Hidden quality (standard normal): drives popularity and, a little, affinity. */
  quality: number;
}

/** The generated catalogue. */
export interface SyntheticCatalogue {
  items: Item[];
  attrs: ItemAttrs[];
  /** Row-major items x latentDim. */
  latent: Float32Array;
  latentDim: number;
  /** Popularity weight of each item (exp of quality). */
  popularity: Float64Array;
  /** Epoch ms from which each item can be seen (most from the start; some released later). */
  releasedAt: Float64Array;
  categoryShare: number[];
  brandShare: number[];
  colourShare: number[];
}

/** Share of items released during the period rather than at its start. */
const LATE_RELEASES = 0.2;

/** Generates `count` items (`i0001`...) for a period of `span` ms from `start`. */
export function syntheticCatalogue(rng: Rng, count: number, start: number, span: number): SyntheticCatalogue {
  const categoryShare = CATEGORIES.map((c) => c.share);
  const brandShare = BRANDS.map((b) => b.share);
  const colourShare = COLOURS.map((c) => c.share);
  const latentDim = 4;
  const latent = new Float32Array(count * latentDim);
  const popularity = new Float64Array(count);
  const releasedAt = new Float64Array(count);
  const items: Item[] = [];
  const attrs: ItemAttrs[] = [];
  for (let i = 0; i < count; i++) {
    const c = rng.weighted(categoryShare);
    const b = rng.weighted(brandShare);
    const col = rng.weighted(colourShare);
    const category = CATEGORIES[c];
    const brand = BRANDS[b];
    const gap = Math.log(brand.tier) + 0.2 * rng.normal();
    // Prices end in .99 or .00 like a real shop; at least 5.
    const raw = Math.max(5, category.price * Math.exp(gap));
    const price = raw < 40 ? Math.round(raw) - 0.01 : Math.round(raw / 5) * 5;
    const quality = rng.normal();
    for (let d = 0; d < latentDim; d++) latent[i * latentDim + d] = rng.normal() / Math.sqrt(latentDim);
    popularity[i] = Math.exp(0.9 * quality);
    releasedAt[i] = rng.chance(LATE_RELEASES) ? start + Math.floor(rng.next() * span * 0.8) : start;
    const style = category.styles[rng.int(category.styles.length)];
    const colour = COLOURS[col].name;
    items.push({
      itemId: `i${String(i + 1).padStart(4, '0')}`,
      title: `${brand.name} ${colour} ${style} ${category.noun}`,
      brand: brand.name,
      colour,
      category: category.name,
      price: Number(price.toFixed(2)),
    });
    attrs.push({ category: c, brand: b, colour: col, logPriceGap: Math.log(price / category.price), quality });
  }
  return { items, attrs, latent, latentDim, popularity, releasedAt, categoryShare, brandShare, colourShare };
}
