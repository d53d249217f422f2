/**
 * Per-variant KPIs of an experiment, computed from the event log through DuckDB, plus an
 * in-memory twin (`kpisFromEvents`) with exactly the same semantics for client-side tallies
 * (the simulator) and for cross-checking the SQL.
 *
 * Semantics:
 * - An impression is one (requestId, itemId) the service logged as shown (duplicates collapse;
 *   the lowest position wins). Its request's variant is the impression's variant.
 * - A click/cart/purchase is attributed to the impression with the same (requestId, itemId):
 *   the variant comes from the REQUEST (join on requestId), not from what the storefront posted.
 *   Feedback without a requestId is "unattributed" (organic); with a requestId that matches no
 *   logged impression it is an "orphan". Both are counted in `quality`, neither is attributed.
 * - clicks/carts/purchases count impressions with at least one such event, so CTR is a
 *   proportion; `clickEvents` keeps the raw attributed click count.
 * - Users are the randomisation unit: per-user sums feed the delta method (RatioMoments).
 * - The time window selects impressions (requests); feedback on them counts whenever it arrived.
 */
import type { Duck } from '../data/duckdb.js';
import { withEventLog } from '../data/eventlog.js';
import type { RatioMoments } from './ab-statistics.js';
import {
  emptyQuality,
  emptyVariantKpis,
  type FeedbackType,
  type KpiOptions,
  type KpiResult,
  type LogReadReport,
  type PositionKpis,
  type VariantKpis,
} from './kpi-types.js';

export { kpisFromEvents } from './kpi-memory.js';
export * from './kpi-types.js';

const PREP = [
  // Read the JSON once; every later query runs on this table.
  `create or replace temp table ev as select user_id, item_id, ts, type, request_id, position, variant from events`,
  // Every impression, one row per (request, item); feedback matches against all of them, the
  // window then picks which ones count (so a click on an older impression is not an orphan).
  `create or replace temp table imp as
   select request_id, item_id, min(position) as position, any_value(user_id) as user_id, any_value(variant) as variant,
          count(*) as n, count(distinct coalesce(variant, '')) as nv, count(distinct user_id) as nu,
          ($since is null or min(ts) >= $since) and ($until is null or min(ts) < $until) as in_window
   from ev
   where type = 'impression' and request_id is not null
   group by request_id, item_id`,
];

// After the variants are known (kpi_variants).
const STEPS = [
  `create or replace temp table fb as
   select e.type, e.request_id, e.item_id, e.user_id, e.variant as posted_variant, i.variant, i.user_id as imp_user, i.request_id is not null as matched
   from ev e left join imp i on e.request_id = i.request_id and e.item_id = i.item_id
   where e.type in ('click', 'cart', 'purchase')`,
  `create or replace temp table outcome as
   select i.request_id, i.item_id, i.position, i.user_id, i.variant,
          coalesce(f.clicked, false) as clicked, coalesce(f.carted, false) as carted, coalesce(f.purchased, false) as purchased,
          coalesce(f.click_events, 0) as click_events
   from imp i
   left join (select request_id, item_id, bool_or(type = 'click') as clicked, bool_or(type = 'cart') as carted,
                     bool_or(type = 'purchase') as purchased, count(*) filter (where type = 'click') as click_events
              from fb where matched group by 1, 2) f
     on i.request_id = f.request_id and i.item_id = f.item_id
   where i.in_window and i.variant in (select name from kpi_variants)`,
  `create or replace temp table per_user as
   select variant, user_id, count(*) as imps, count(distinct request_id) as requests,
          sum(clicked::int) as clicks, sum(carted::int) as carts, sum(purchased::int) as purchases, sum(click_events) as click_events
   from outcome group by 1, 2`,
];

type VariantRow = Omit<VariantKpis, 'byPosition' | 'moments'> & Record<`${'sx' | 'sxx' | 'sxy'}_${FeedbackType}` | 'syy', number>;

const VARIANT_SQL = `select variant, count(*) as users, sum(requests) as requests, sum(imps) as impressions,
  sum(clicks) as clicks, sum(carts) as carts, sum(purchases) as purchases, sum(click_events) as "clickEvents",
  count(*) filter (where clicks > 0) as "clickUsers", count(*) filter (where carts > 0) as "cartUsers",
  count(*) filter (where purchases > 0) as "purchaseUsers", sum(imps * imps) as syy,
  ${['click', 'cart', 'purchase']
    .map((t) => `sum(${t}s) as sx_${t}, sum(${t}s * ${t}s) as sxx_${t}, sum(${t}s * imps) as sxy_${t}`)
    .join(', ')}
  from per_user group by variant`;

const QUALITY_SQL = `select
  (select count(*) from ev where type = 'impression' and request_id is null) as "impressionsWithoutRequest",
  (select count(*) from imp where in_window and position is null) as "impressionsWithoutPosition",
  (select coalesce(sum(n - 1), 0) from imp) as "duplicateImpressions",
  (select count(*) from (select request_id from imp where in_window group by 1 having max(nv) > 1 or max(nu) > 1
     or count(distinct coalesce(variant, '')) > 1 or count(distinct user_id) > 1)) as "inconsistentRequests",
  (select count(*) from fb where matched and posted_variant is not null and posted_variant <> variant) as "variantMismatches",
  (select count(*) from fb where matched and user_id <> imp_user) as "userMismatches",
  (select count(*) from (select user_id from per_user group by 1 having count(*) > 1)) as "usersInSeveralVariants"`;

function toVariant(r: VariantRow, positions: PositionKpis[]): VariantKpis {
  const moments = (t: FeedbackType): RatioMoments => ({
    n: r.users,
    sumX: r[`sx_${t}`],
    sumY: r.impressions,
    sumXX: r[`sxx_${t}`],
    sumYY: r.syy,
    sumXY: r[`sxy_${t}`],
  });
  return {
    variant: r.variant,
    users: r.users,
    requests: r.requests,
    impressions: r.impressions,
    clicks: r.clicks,
    carts: r.carts,
    purchases: r.purchases,
    clickEvents: r.clickEvents,
    clickUsers: r.clickUsers,
    cartUsers: r.cartUsers,
    purchaseUsers: r.purchaseUsers,
    byPosition: positions,
    moments: { click: moments('click'), cart: moments('cart'), purchase: moments('purchase') },
  };
}

/**
 * Computes per-variant KPIs from the event log directory through DuckDB.
 * A missing or empty directory gives zero KPIs (an experiment that has not started yet).
 */
export async function computeKpis(eventsDir: string, opts: KpiOptions = {}): Promise<KpiResult> {
  return withEventLog(eventsDir, (duck, _view, report) =>
    kpisInDuck(duck, opts, { lines: report.lines, malformed: report.malformed, invalid: report.invalid, examples: report.examples }),
  );
}

/** The KPIs of one time window (impressions in [start, end), epoch ms). */
export interface WindowKpis {
  start: number;
  end: number;
  kpis: KpiResult;
}

/**
 * The same KPIs per consecutive time window, for CTR over time: the span from the first to the
 * last impression is cut into `buckets` equal windows, all computed in one DuckDB session over
 * one read of the log. An empty log gives no windows.
 */
export async function computeKpisOverTime(
  eventsDir: string,
  opts: { variants?: readonly string[]; buckets: number },
): Promise<WindowKpis[]> {
  const buckets = Math.max(1, Math.floor(opts.buckets));
  return withEventLog(eventsDir, async (duck, _view, report) => {
    const log = { lines: report.lines, malformed: report.malformed, invalid: report.invalid, examples: report.examples };
    const [span] = await duck.query<{ lo: number | bigint | null; hi: number | bigint | null }>(
      `select min(ts) as lo, max(ts) as hi from events where type = 'impression' and request_id is not null`,
    );
    if (span?.lo === null || span?.lo === undefined || span.hi === null) return [];
    const lo = Number(span.lo);
    const width = Math.max(1, Math.ceil((Number(span.hi) + 1 - lo) / buckets));
    const out: WindowKpis[] = [];
    for (let b = 0; b < buckets; b++) {
      const start = lo + b * width;
      const end = start + width;
      // The log was read into `ev` by the first window; later windows only re-cut it.
      out.push({ start, end, kpis: await kpisInDuck(duck, { variants: opts.variants, since: start, until: end }, log, b > 0) });
    }
    return out;
  });
}

async function kpisInDuck(duck: Duck, opts: KpiOptions, log: LogReadReport, logLoaded = false): Promise<KpiResult> {
  const window = { since: opts.since ?? null, until: opts.until ?? null };
  for (const sql of logLoaded ? PREP.slice(1) : PREP) await duck.run(sql, sql.includes('$since') ? window : undefined);
  await duck.run('create or replace temp table kpi_variants (name varchar, ord integer)');
  const names = opts.variants
    ? [...opts.variants]
    : (await duck.query<{ v: string }>('select distinct variant as v from imp where in_window and variant is not null order by 1')).map(
        (r) => r.v,
      );
  for (const [i, name] of names.entries()) await duck.run('insert into kpi_variants values ($1, $2)', [name, i]);
  for (const sql of STEPS) await duck.run(sql);

  const rows = await duck.query<VariantRow>(VARIANT_SQL);
  const pos = await duck.query<{ variant: string; position: number; impressions: number; clicks: number }>(
    `select variant, position, count(*) as impressions, sum(clicked::int) as clicks from outcome where position is not null
     group by 1, 2 order by 1, 2`,
  );
  const quality = emptyQuality(log);
  Object.assign(quality, (await duck.query<Record<string, number>>(QUALITY_SQL))[0]);
  for (const r of await duck.query<{ v: string | null; n: number }>(
    `select variant as v, count(*) as n from imp
     where in_window and (variant is null or variant not in (select name from kpi_variants)) group by 1 order by 1`,
  )) {
    quality.otherVariants[r.v ?? '(none)'] = r.n;
  }
  for (const r of await duck.query<{ type: FeedbackType; attributed: boolean; n: number }>(
    `select type, request_id is not null as attributed, count(*) as n from fb where not matched group by 1, 2`,
  )) {
    (r.attributed ? quality.orphans : quality.unattributed)[r.type] = r.n;
  }

  const byName = new Map(rows.map((r) => [r.variant, r]));
  const variants = names.map((name) => {
    const r = byName.get(name);
    if (!r) return emptyVariantKpis(name);
    return toVariant(
      r,
      pos.filter((p) => p.variant === name).map((p) => ({ position: p.position, impressions: p.impressions, clicks: p.clicks })),
    );
  });
  return { variants, quality };
}
