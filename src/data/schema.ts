/**
 * The two record types everything else is built on: interaction events and catalogue items.
 * Loaders produce them, the event log stores them, features and models read them, the service
 * writes them. Timestamps are epoch milliseconds (UTC).
 */
import { z } from 'zod';

/** Interaction types, weakest to strongest intent for the browse funnel, then service feedback. */
export const EVENT_TYPES = ['view', 'wishlist', 'cart', 'purchase', 'impression', 'click'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Zod schema of one interaction event (validated at every boundary: files, HTTP, event log). */
export const interactionEventSchema = z.object({
  userId: z.string().min(1),
  itemId: z.string().min(1),
  /** Epoch milliseconds, UTC. */
  ts: z.number().int().nonnegative(),
  type: z.enum(EVENT_TYPES),
  quantity: z.number().finite().optional(),
  price: z.number().finite().optional(),
  /** The recommendation response this event refers to (impressions, clicks). */
  requestId: z.string().optional(),
  /** 0-based position of the item in the response it was shown in. */
  position: z.number().int().nonnegative().optional(),
  /** A/B variant that produced the response. */
  variant: z.string().optional(),
  /** Basket or session the event belongs to (Online Retail: the invoice). */
  sessionId: z.string().optional(),
  /** Explicit weight from a generic log's weight column. */
  weight: z.number().finite().optional(),
  /**
   * Impressions of an exploring variant: probability (0, 1] that the serving policy showed this
   * item at this position (src/experiments/exploration.ts); off-policy estimates need it.
   */
  propensity: z.number().gt(0).max(1).optional(),
  /** Impressions: the policy that produced the ranking ("store@3", "+ epsilon 0.2 in top 20" when exploring). */
  policy: z.string().max(200).optional(),
  /** Impressions with feature logging on: the feature vector the model scored this item with. */
  features: z.array(z.number().finite()).max(1000).optional(),
  /** Impressions of a product-page request: the page's item (the request's `itemId`), so a replay ranks in the same context. */
  contextItemId: z.string().min(1).optional(),
  /**
   * Impressions of a request whose caller restricted the ranking (`candidates`, `exclude`, or
   * `candidates+exclude`): the lists are not logged, so another ranking of it cannot be replayed.
   */
  restricted: z.enum(['candidates', 'exclude', 'candidates+exclude']).optional(),
});
export type InteractionEvent = z.infer<typeof interactionEventSchema>;

/** Zod schema of one catalogue item. */
export const itemSchema = z.object({
  itemId: z.string().min(1),
  title: z.string(),
  brand: z.string().optional(),
  colour: z.string().optional(),
  category: z.string().optional(),
  price: z.number().finite().nonnegative().optional(),
  /**
   * Further categorical attributes by name (a team's catalogue columns, e.g. genre, decade): the
   * `catalogue_attr_*` features compare them with the user's history.
   */
  attributes: z.record(z.string(), z.string()).optional(),
});
export type Item = z.infer<typeof itemSchema>;

/** What a loader read, kept and rejected (by reason), so dirt is reported, never hidden. */
export interface LoadReport {
  source: string;
  path?: string;
  /** sha256 of the input bytes (lineage). */
  sha256?: string;
  rowsRead: number;
  rowsKept: number;
  /** Rejected rows by reason; rowsKept + sum(rejected) === rowsRead. */
  rejected: Record<string, number>;
  /** A few examples per rejection reason: line number and what was wrong. */
  examples: { reason: string; line: number; detail: string }[];
  /** Corrections applied to kept rows (e.g. stock codes case-folded), by kind. */
  corrections: Record<string, number>;
  warnings: string[];
  /** File loads: source columns the mapping did not name (they were not read). */
  ignoredColumns?: string[];
  /** File loads: kept events per type. */
  eventTypes?: Partial<Record<EventType, number>>;
  /** File loads with `--items`: what the catalogue file held. */
  catalogue?: CatalogueReport;
}

/** What a catalogue file (`--items`) contributed. */
export interface CatalogueReport {
  path: string;
  sha256: string;
  rowsRead: number;
  rowsKept: number;
  rejected: Record<string, number>;
  examples: { reason: string; line: number; detail: string }[];
  /** Categorical attribute names read, in mapping order. */
  attributes: string[];
  /** Items that have events but no catalogue row (kept, without attributes). */
  itemsWithoutCatalogueRow: number;
  /** Catalogue rows whose item has no event (kept: they can still be recommended). */
  itemsWithoutEvents: number;
  ignoredColumns: string[];
}

/** Ground truth the synthetic store keeps so a simulator can click realistically. */
export interface GroundTruth {
  /** True affinity of a user for an item, in [0, 1]; 0 for unknown ids. */
  affinity(userId: string, itemId: string): number;
}

/** A loaded dataset: events sorted by `ts`, the catalogue, and the load report. */
export interface Dataset {
  /** e.g. "synthetic", "online-retail", "file". */
  source: string;
  events: InteractionEvent[];
  items: Item[];
  report: LoadReport;
  /** Present for the synthetic store only. */
  truth?: GroundTruth;
}

/** Strength of intent, used to weight training pairs (purchase > cart > wishlist > view). */
export const EVENT_STRENGTH: Readonly<Record<EventType, number>> = {
  view: 1,
  impression: 0,
  click: 1.5,
  wishlist: 2,
  cart: 3,
  purchase: 5,
};

/** Strength of an event's intent: EVENT_STRENGTH x weight (0 for impressions and zero weights, never negative). */
export function eventStrength(e: Readonly<Pick<InteractionEvent, 'type' | 'weight'>>): number {
  const s = (EVENT_STRENGTH[e.type] ?? 0) * (e.weight ?? 1);
  // biome-ignore lint/complexity/useMathMinMax: a NaN weight must give 0, and Math.max would return NaN
  return s > 0 ? s : 0;
}
