/**
 * The serving policy's logged requests, as off-policy estimators read them: each recommendation
 * request (its impressions grouped by request id, in position order) with the propensity of each
 * shown item at its position and whether it was clicked or bought. Feedback joins its impression
 * on (requestId, itemId), as the experiment KPIs do (src/experiments/kpi.ts), so an OPE estimate
 * and an A/B report count the same clicks.
 */
import type { InteractionEvent } from '../data/schema.js';
import { WorkbenchError } from '../errors.js';

/** One shown item of a logged request. */
export interface LoggedSlot {
  itemId: string;
  position: number;
  /** Probability the logging policy showed this item at this position (undefined: not logged). */
  propensity?: number;
  clicked: boolean;
  purchased: boolean;
  /** The feature vector it was scored with, when feature logging sampled the request. */
  features?: number[];
}

/** One logged recommendation request. */
export interface LoggedRequest {
  requestId: string;
  userId: string;
  /** Time of its impressions (epoch ms). */
  ts: number;
  variant?: string;
  policy?: string;
  /** The page item of a product-page request (the ranking's context). */
  contextItemId?: string;
  /** Set when the caller restricted the ranking (candidates, exclude): a replay cannot reproduce it. */
  restricted?: InteractionEvent['restricted'];
  /** Shown items by position (0..k-1). */
  slots: LoggedSlot[];
}

/** What grouping the log found. */
export interface LoggedRequestsReport {
  requests: number;
  impressions: number;
  /** Requests whose every impression carries a propensity (the ones estimators can use). */
  withPropensities: number;
  /** Requests left out: some impressions without a propensity, or positions missing or repeated. */
  incomplete: number;
  /** Impressions by policy. */
  policies: Record<string, number>;
}

/**
 * Groups impressions into requests and attaches clicks and purchases.
 * @param filter - keep only requests of this variant and/or policy.
 */
export function loggedRequests(
  events: readonly InteractionEvent[],
  filter: { variant?: string; policy?: string } = {},
): { requests: LoggedRequest[]; all: LoggedRequest[]; report: LoggedRequestsReport } {
  const byId = new Map<string, LoggedRequest>();
  const slotOf = new Map<string, LoggedSlot>();
  const policies: Record<string, number> = {};
  let impressions = 0;
  for (const e of events) {
    if (e.type !== 'impression' || e.requestId === undefined || e.position === undefined) continue;
    if (filter.variant !== undefined && e.variant !== filter.variant) continue;
    if (filter.policy !== undefined && e.policy !== filter.policy) continue;
    const key = `${e.requestId}\u0000${e.itemId}`;
    if (slotOf.has(key)) continue; // a duplicated impression line counts once
    impressions++;
    policies[e.policy ?? '(none)'] = (policies[e.policy ?? '(none)'] ?? 0) + 1;
    let r = byId.get(e.requestId);
    if (!r) {
      r = { requestId: e.requestId, userId: e.userId, ts: e.ts, variant: e.variant, policy: e.policy, slots: [] };
      if (e.contextItemId !== undefined) r.contextItemId = e.contextItemId;
      if (e.restricted !== undefined) r.restricted = e.restricted;
      byId.set(e.requestId, r);
    }
    const slot: LoggedSlot = { itemId: e.itemId, position: e.position, propensity: e.propensity, clicked: false, purchased: false };
    if (e.features) slot.features = e.features;
    r.slots.push(slot);
    slotOf.set(key, slot);
  }
  for (const e of events) {
    if ((e.type !== 'click' && e.type !== 'purchase') || e.requestId === undefined) continue;
    const slot = slotOf.get(`${e.requestId}\u0000${e.itemId}`);
    if (!slot) continue;
    if (e.type === 'click') slot.clicked = true;
    else slot.purchased = true;
  }
  const all = [...byId.values()];
  const requests: LoggedRequest[] = [];
  for (const r of all) {
    r.slots.sort((a, b) => a.position - b.position);
    const complete = r.slots.every((s, i) => s.position === i);
    if (complete && r.slots.every((s) => s.propensity !== undefined)) requests.push(r);
  }
  const withPropensities = requests.length;
  const incomplete = all.filter((r) => r.slots.some((s) => s.propensity !== undefined)).length - withPropensities;
  return { requests, all, report: { requests: all.length, impressions, withPropensities, incomplete, policies } };
}

/**
 * The requests estimators can use, or a refusal that says why there are none.
 * @throws WorkbenchError `no_propensities` when no logged request carries propensities.
 */
export function requireExploration(grouped: ReturnType<typeof loggedRequests>, where: string): LoggedRequest[] {
  const { report } = grouped;
  if (report.requests === 0) {
    throw new WorkbenchError('no_impressions', `${where} holds no impressions with a request id and position: nothing to estimate from`);
  }
  if (report.withPropensities === 0) {
    throw new WorkbenchError(
      'no_propensities',
      `${where}: none of its ${report.impressions} impressions (${report.requests} requests) carries a propensity, so no unbiased ` +
        'estimate of another ranking is possible from it; serve the logging variant with exploration on ' +
        '(experiment file: "exploration": {"kind": "epsilon", "epsilon": 0.2, "topK": 20}) and estimate from those logs',
    );
  }
  return grouped.requests;
}
