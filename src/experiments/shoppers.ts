/**
 * How simulated shoppers react to a recommended list. Two models:
 *
 * - Position-based click model (synthetic store): the shopper examines position p (0-based) with
 *   probability examination(p) = 1 / (p + 1)^eta and, having looked, clicks with probability
 *   attractiveness = attraction x affinity, where affinity in [0, 1] is the store's ground truth.
 *   So P(click at p) = examination(p) x attractiveness(item). A click becomes an add-to-cart with
 *   probability cartGivenClick x affinity, and a cart becomes a purchase with purchaseGivenCart.
 * - Replay (real logs such as Online Retail): a held-out customer "clicks" a recommended item only
 *   if it is one they really bought in the held-out period, and then buys it (they did). There is
 *   no examination discount: the log says they wanted it, not whether they would have seen it.
 */
import type { GroundTruth } from '../data/schema.js';
import type { Rng } from '../util/random.js';

/** One piece of feedback on a shown list: the position (0-based) and what the shopper did. */
export interface Reaction {
  position: number;
  type: 'click' | 'cart' | 'purchase';
}

/** Simulated shoppers: who they are and how they react to a list. */
export interface ShopperModel {
  /** Short description for reports ("position-based click model, eta=1, ..."). */
  readonly description: string;
  /** The users to play, in order. */
  readonly users: readonly string[];
  /** Feedback of `userId` on `items` (in display order); randomness only from `rng`. */
  react(userId: string, items: readonly string[], rng: Rng): Reaction[];
}

/** Knobs of the position-based click model. */
export interface ClickModelOptions {
  /** Examination decay: examination(p) = 1 / (p + 1)^eta (default 1). */
  eta?: number;
  /** Attractiveness = attraction x affinity (default 0.3: an ideal top item gets ~25% CTR). */
  attraction?: number;
  /** P(cart | click) = cartGivenClick x affinity (default 0.5). */
  cartGivenClick?: number;
  /** P(purchase | cart) (default 0.6, as in the synthetic store). */
  purchaseGivenCart?: number;
}

/** P(the shopper looks at 0-based position p). */
export function examination(position: number, eta = 1): number {
  return 1 / (position + 1) ** eta;
}

function probability(name: string, value: number, max = 1): number {
  if (!(value >= 0 && value <= max)) throw new RangeError(`${name} must be in [0, ${max}], got ${value}`);
  return value;
}

/** Shoppers who click by true affinity under the position-based model. */
export function positionBasedShoppers(truth: GroundTruth, users: readonly string[], opts: ClickModelOptions = {}): ShopperModel {
  const eta = opts.eta ?? 1;
  if (!(eta >= 0 && Number.isFinite(eta))) throw new RangeError(`eta must be >= 0, got ${eta}`);
  const attraction = probability('attraction', opts.attraction ?? 0.3);
  const cartGivenClick = probability('cartGivenClick', opts.cartGivenClick ?? 0.5);
  const purchaseGivenCart = probability('purchaseGivenCart', opts.purchaseGivenCart ?? 0.6);
  return {
    description: `position-based click model: P(click at p) = (p+1)^-${eta} x ${attraction} x affinity; P(cart|click) = ${cartGivenClick} x affinity; P(purchase|cart) = ${purchaseGivenCart}`,
    users,
    react(userId, items, rng) {
      const out: Reaction[] = [];
      items.forEach((itemId, position) => {
        const a = Math.min(1, Math.max(0, truth.affinity(userId, itemId)));
        // Draw all three in a fixed order so a user's stream of random numbers does not depend on outcomes.
        const u1 = rng.next();
        const u2 = rng.next();
        const u3 = rng.next();
        if (u1 >= examination(position, eta) * attraction * a) return;
        out.push({ position, type: 'click' });
        if (u2 >= cartGivenClick * a) return;
        out.push({ position, type: 'cart' });
        if (u3 < purchaseGivenCart) out.push({ position, type: 'purchase' });
      });
      return out;
    },
  };
}

/** Replay shoppers: a click (and a purchase) when a recommended item is one they bought next. */
export function replayShoppers(nextPurchases: ReadonlyMap<string, ReadonlySet<string>>, users?: readonly string[]): ShopperModel {
  return {
    description: 'replay: a click and a purchase when a recommended item is one the customer bought in the held-out period',
    users: users ?? [...nextPurchases.keys()].sort(),
    react(userId, items) {
      const bought = nextPurchases.get(userId);
      if (!bought) return [];
      return items.flatMap((itemId, position): Reaction[] =>
        bought.has(itemId)
          ? [
              { position, type: 'click' },
              { position, type: 'purchase' },
            ]
          : [],
      );
    },
  };
}
