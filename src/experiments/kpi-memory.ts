/**
 * The in-memory twin of computeKpis (kpi.ts): the same KPIs with exactly the same semantics from
 * events held in memory. The simulator's client-side tally uses it, and tests cross-check the SQL
 * against it.
 */
import type { InteractionEvent } from '../data/schema.js';
import {
  emptyQuality,
  emptyVariantKpis,
  type KpiOptions,
  type KpiQuality,
  type KpiResult,
  type PositionKpis,
  type VariantKpis,
} from './kpi-types.js';

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/** One impression (request x item), with what followed it. */
interface Impression {
  ts: number;
  requestId: string;
  itemId: string;
  position: number | undefined;
  userId: string;
  variant: string | undefined;
  users: Set<string>;
  variants: Set<string>;
  clicked: boolean;
  carted: boolean;
  purchased: boolean;
  clickEvents: number;
}

/** One user's tally within one variant. */
interface UserTally {
  variant: string;
  user: string;
  imps: number;
  requests: Set<string>;
  c: number;
  a: number;
  p: number;
  ce: number;
}

const impressionKey = (requestId: string, itemId: string) => `${requestId}\u0000${itemId}`;

/** Impressions keyed by request and item; duplicates merge (earliest time, best position). */
function collectImpressions(events: readonly InteractionEvent[], quality: KpiQuality): Map<string, Impression> {
  const imps = new Map<string, Impression>();
  for (const e of events) {
    if (e.type !== 'impression') continue;
    if (e.requestId === undefined) {
      quality.impressionsWithoutRequest++;
      continue;
    }
    const k = impressionKey(e.requestId, e.itemId);
    const cur = imps.get(k);
    if (cur) {
      quality.duplicateImpressions++;
      cur.ts = Math.min(cur.ts, e.ts);
      if (e.position !== undefined && (cur.position === undefined || e.position < cur.position)) cur.position = e.position;
      cur.users.add(e.userId);
      cur.variants.add(e.variant ?? '');
      continue;
    }
    imps.set(k, {
      ts: e.ts,
      requestId: e.requestId,
      itemId: e.itemId,
      position: e.position,
      userId: e.userId,
      variant: e.variant,
      users: new Set([e.userId]),
      variants: new Set([e.variant ?? '']),
      clicked: false,
      carted: false,
      purchased: false,
      clickEvents: 0,
    });
  }
  return imps;
}

/** Marks each impression clicked, carted or purchased by the outcome events that name it. */
function attributeOutcomes(events: readonly InteractionEvent[], imps: Map<string, Impression>, quality: KpiQuality): void {
  for (const e of events) {
    if (e.type !== 'click' && e.type !== 'cart' && e.type !== 'purchase') continue;
    if (e.requestId === undefined) {
      quality.unattributed[e.type]++;
      continue;
    }
    const imp = imps.get(impressionKey(e.requestId, e.itemId));
    if (!imp) {
      quality.orphans[e.type]++;
      continue;
    }
    if (e.variant !== undefined && imp.variant !== undefined && e.variant !== imp.variant) quality.variantMismatches++;
    if (e.userId !== imp.userId) quality.userMismatches++;
    if (e.type === 'click') {
      imp.clicked = true;
      imp.clickEvents++;
    } else if (e.type === 'cart') imp.carted = true;
    else imp.purchased = true;
  }
}

/** Per (variant, user) tallies and per-variant position counts of the counted impressions. */
function tallyImpressions(counted: readonly Impression[], wanted: ReadonlySet<string>, quality: KpiQuality) {
  const badRequests = new Set<string>();
  const requestVariant = new Map<string, { variant: string; user: string }>();
  const perUser = new Map<string, UserTally>();
  const byPos = new Map<string, Map<number, PositionKpis>>();
  for (const imp of counted) {
    if (imp.position === undefined) quality.impressionsWithoutPosition++;
    if (imp.users.size > 1 || imp.variants.size > 1) badRequests.add(imp.requestId);
    const rv = requestVariant.get(imp.requestId);
    if (rv && (rv.variant !== (imp.variant ?? '') || rv.user !== imp.userId)) badRequests.add(imp.requestId);
    else if (!rv) requestVariant.set(imp.requestId, { variant: imp.variant ?? '', user: imp.userId });
    if (imp.variant === undefined || !wanted.has(imp.variant)) {
      const name = imp.variant ?? '(none)';
      quality.otherVariants[name] = (quality.otherVariants[name] ?? 0) + 1;
      continue;
    }
    const variant = imp.variant;
    const u = getOrCreate(perUser, `${variant}\u0000${imp.userId}`, () => ({
      variant,
      user: imp.userId,
      imps: 0,
      requests: new Set<string>(),
      c: 0,
      a: 0,
      p: 0,
      ce: 0,
    }));
    u.imps++;
    u.requests.add(imp.requestId);
    u.c += Number(imp.clicked);
    u.a += Number(imp.carted);
    u.p += Number(imp.purchased);
    u.ce += imp.clickEvents;
    if (imp.position !== undefined) {
      const position = imp.position;
      const p = getOrCreate(
        getOrCreate(byPos, variant, () => new Map<number, PositionKpis>()),
        position,
        () => ({ position, impressions: 0, clicks: 0 }),
      );
      p.impressions++;
      p.clicks += Number(imp.clicked);
    }
  }
  quality.inconsistentRequests = badRequests.size;
  return { perUser, byPos };
}

/** Adds one user's tally to its variant's KPIs (counts and the per-user moments of the delta method). */
function addUser(v: VariantKpis, u: UserTally): void {
  v.users++;
  v.requests += u.requests.size;
  v.impressions += u.imps;
  v.clicks += u.c;
  v.carts += u.a;
  v.purchases += u.p;
  v.clickEvents += u.ce;
  v.clickUsers += Number(u.c > 0);
  v.cartUsers += Number(u.a > 0);
  v.purchaseUsers += Number(u.p > 0);
  for (const [t, x] of [
    ['click', u.c],
    ['cart', u.a],
    ['purchase', u.p],
  ] as const) {
    const m = v.moments[t];
    m.n++;
    m.sumX += x;
    m.sumY += u.imps;
    m.sumXX += x * x;
    m.sumYY += u.imps * u.imps;
    m.sumXY += x * u.imps;
  }
}

/**
 * The same KPIs from events in memory (the simulator's client-side tally; tests cross-check it
 * against the SQL). Events are assumed valid (typed), so nothing is counted as malformed.
 */
export function kpisFromEvents(events: readonly InteractionEvent[], opts: KpiOptions = {}): KpiResult {
  const inWindow = (ts: number) => (opts.since === undefined || ts >= opts.since) && (opts.until === undefined || ts < opts.until);
  const quality = emptyQuality({ lines: events.length, malformed: 0, invalid: 0, examples: [] });
  const imps = collectImpressions(events, quality);
  attributeOutcomes(events, imps, quality);
  const counted = [...imps.values()].filter((imp) => inWindow(imp.ts));
  const seenVariants = new Set(counted.flatMap((imp) => (imp.variant === undefined ? [] : [imp.variant])));
  const names = opts.variants ? [...opts.variants] : [...seenVariants].sort();
  const { perUser, byPos } = tallyImpressions(counted, new Set(names), quality);
  const variantsOfUser = new Map<string, number>();
  const out = new Map(names.map((n) => [n, emptyVariantKpis(n)]));
  for (const u of perUser.values()) {
    variantsOfUser.set(u.user, (variantsOfUser.get(u.user) ?? 0) + 1);
    addUser(out.get(u.variant)!, u);
  }
  quality.usersInSeveralVariants = [...variantsOfUser.values()].filter((n) => n > 1).length;
  for (const [name, v] of out) v.byPosition = [...(byPos.get(name)?.values() ?? [])].sort((a, b) => a.position - b.position);
  return { variants: [...out.values()], quality };
}
