/**
 * The types of per-variant KPIs (see kpi.ts for their semantics) and their empty values, shared by
 * the DuckDB computation (kpi.ts) and the in-memory tally (kpi-memory.ts).
 */
import type { EventLogReport } from '../data/eventlog.js';
import type { RatioMoments } from './ab-statistics.js';

/** Feedback event types that are attributed to impressions. */
export const FEEDBACK_TYPES = ['click', 'cart', 'purchase'] as const;
/** One of FEEDBACK_TYPES. */
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/** Clicks of one position (0-based) of the ranked list. */
export interface PositionKpis {
  position: number;
  impressions: number;
  clicks: number;
}

/** The counts of one variant. */
export interface VariantKpis {
  variant: string;
  users: number;
  requests: number;
  impressions: number;
  /** Impressions clicked at least once. */
  clicks: number;
  /** Impressions with at least one attributed add-to-cart. */
  carts: number;
  /** Impressions with at least one attributed purchase. */
  purchases: number;
  /** Attributed click events (repeated clicks included). */
  clickEvents: number;
  /** Users with at least one attributed click / cart / purchase. */
  clickUsers: number;
  cartUsers: number;
  purchaseUsers: number;
  byPosition: PositionKpis[];
  /** Per-user (events, impressions) moments for the delta method, by feedback type. */
  moments: Record<FeedbackType, RatioMoments>;
}

/** Lines of the log read, and those skipped as malformed (unparseable) or invalid (not an event). */
export type LogReadReport = Pick<EventLogReport, 'lines' | 'malformed' | 'invalid' | 'examples'>;

/** What in the log could not be used or looks wrong. */
export interface KpiQuality {
  log: LogReadReport;
  impressionsWithoutRequest: number;
  /** Impressions logged without a position (left out of CTR by position). */
  impressionsWithoutPosition: number;
  duplicateImpressions: number;
  /** Requests whose impressions disagree on variant or user. */
  inconsistentRequests: number;
  /** Impressions of variants outside the experiment ("(none)" for no variant), by name. */
  otherVariants: Record<string, number>;
  /** Feedback without requestId, by type (not attributable; organic). */
  unattributed: Record<FeedbackType, number>;
  /** Feedback whose (requestId, itemId) matches no logged impression, by type. */
  orphans: Record<FeedbackType, number>;
  /** Attributed feedback whose posted variant differs from its request's variant. */
  variantMismatches: number;
  /** Attributed feedback whose userId differs from its request's user. */
  userMismatches: number;
  /** Users seen in more than one variant (assignment changed or is broken). */
  usersInSeveralVariants: number;
}

/** KPIs of every variant, in the order asked for. */
export interface KpiResult {
  variants: VariantKpis[];
  quality: KpiQuality;
}

/** Which impressions count: variants (default: every variant seen, by name) and a time window. */
export interface KpiOptions {
  variants?: readonly string[];
  /** Impressions at or after this time (epoch ms). */
  since?: number;
  /** Impressions before this time (epoch ms). */
  until?: number;
}

const zeroFeedback = (): Record<FeedbackType, number> => ({ click: 0, cart: 0, purchase: 0 });
const zeroMoments = (): RatioMoments => ({ n: 0, sumX: 0, sumY: 0, sumXX: 0, sumYY: 0, sumXY: 0 });

/** A variant with no data. */
export function emptyVariantKpis(variant: string): VariantKpis {
  return {
    variant,
    users: 0,
    requests: 0,
    impressions: 0,
    clicks: 0,
    carts: 0,
    purchases: 0,
    clickEvents: 0,
    clickUsers: 0,
    cartUsers: 0,
    purchaseUsers: 0,
    byPosition: [],
    moments: { click: zeroMoments(), cart: zeroMoments(), purchase: zeroMoments() },
  };
}

/** Quality counters, all zero, over a log read report. */
export function emptyQuality(log: LogReadReport): KpiQuality {
  return {
    log,
    impressionsWithoutRequest: 0,
    impressionsWithoutPosition: 0,
    duplicateImpressions: 0,
    inconsistentRequests: 0,
    otherVariants: {},
    unattributed: zeroFeedback(),
    orphans: zeroFeedback(),
    variantMismatches: 0,
    userMismatches: 0,
    usersInSeveralVariants: 0,
  };
}
