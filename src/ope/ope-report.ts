/**
 * `workbench experiments ope`: the off-policy report of a candidate model version from the event
 * log of an exploring serving policy: IPS, SNIPS and DR estimates of its CTR and purchase rate
 * with bootstrap intervals, the effective sample size, and what the logs held.
 */
import { scanEventLog } from '../data/eventlog.js';
import { WorkbenchError } from '../errors.js';
import type { Interval } from '../eval/bootstrap.js';
import { estimateCandidate, type RewardEstimate } from './evaluate.js';
import { type LoggedRequestsReport, loggedRequests, requireExploration } from './logged-requests.js';
import { type ReplaySource, replayCandidate } from './replay.js';

/** What to estimate, from which logs. */
export interface OffPolicyOptions extends ReplaySource {
  eventsDir: string;
  /** Only requests logged by this variant. */
  variant?: string;
  /** Only impressions at or after this time (epoch ms). */
  since?: number;
  resamples?: number;
  seed?: number;
}

/** The report (JSON-serialisable). */
export interface OffPolicyReport {
  model: { name: string; version: number; kind: string };
  eventsDir: string;
  variant?: string;
  logs: LoggedRequestsReport;
  /** Requests the estimates use (every slot with a propensity, ranking not restricted by the caller). */
  requests: number;
  /**
   * Requests with propensities left out because the caller restricted their ranking (candidates,
   * exclude): the lists are not logged, so the candidate's ranking of them is unknown.
   */
  restricted: number;
  ctr: RewardEstimate;
  purchaseRate: RewardEstimate;
  matchedSlots: number;
  slots: number;
  notes: string[];
}

/**
 * Computes the off-policy report.
 * @throws WorkbenchError `no_propensities` when the logs carry none (exploration was off), `no_impressions` on an empty log.
 */
export async function offPolicyReport(opts: OffPolicyOptions): Promise<OffPolicyReport> {
  const { events } = await scanEventLog(opts.eventsDir);
  const inWindow = opts.since === undefined ? events : events.filter((e) => e.type !== 'impression' || e.ts >= (opts.since as number));
  const grouped = loggedRequests(inWindow, { variant: opts.variant });
  const where = `event log ${opts.eventsDir}${opts.variant ? ` (variant ${opts.variant})` : ''}`;
  const exploring = requireExploration(grouped, where);
  const requests = exploring.filter((r) => r.restricted === undefined);
  const restricted = exploring.length - requests.length;
  if (requests.length === 0) {
    throw new WorkbenchError(
      'not_replayable',
      `${where}: every one of its ${restricted} requests with propensities had its ranking restricted by the caller (candidates or exclude), ` +
        'lists the log does not hold, so what another model would have shown there is unknown; estimate from requests without candidates or exclude',
    );
  }
  const replayed = await replayCandidate(opts, events, requests);
  const est = estimateCandidate(requests, replayed.rankings, { resamples: opts.resamples, seed: opts.seed });
  const notes = [...replayed.notes];
  if (restricted > 0) {
    notes.push(
      `${restricted} requests left out: the caller restricted their ranking (candidates or exclude), lists the log does not hold, so the candidate's ranking of them is unknown`,
    );
  }
  if (grouped.report.incomplete > 0) {
    notes.push(`${grouped.report.incomplete} requests left out: some of their impressions carry no propensity or positions are missing`);
  }
  if (est.ctr.effectiveSampleSize < 0.01 * est.slots) {
    notes.push(
      `effective sample size ${est.ctr.effectiveSampleSize.toFixed(0)} of ${est.slots} impressions: the candidate ranks very differently from the logging policy; more exploration (epsilon, topK) or more traffic narrows the intervals`,
    );
  }
  return {
    model: { name: opts.name, version: replayed.version, kind: replayed.kind },
    eventsDir: opts.eventsDir,
    ...(opts.variant ? { variant: opts.variant } : {}),
    logs: grouped.report,
    requests: requests.length,
    restricted,
    ctr: est.ctr,
    purchaseRate: est.purchaseRate,
    matchedSlots: est.matchedSlots,
    slots: est.slots,
    notes,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const ci = (i: Interval | undefined) => (i ? `${pct(i.mean)} [${pct(i.lo)}, ${pct(i.hi)}]` : '-');

/** The report as text. */
export function offPolicyReportToText(r: OffPolicyReport): string {
  const lines = [
    `Off-policy estimate of ${r.model.name}@${r.model.version} (${r.model.kind}) from ${r.eventsDir}${r.variant ? `, variant ${r.variant}` : ''}`,
    `  logs: ${r.logs.requests} requests, ${r.logs.impressions} impressions; ${r.requests} requests with propensities used; policies: ${Object.entries(
      r.logs.policies,
    )
      .map(([p, n]) => `${p} (${n})`)
      .join(', ')}`,
    `  candidate shows the logged item at ${r.matchedSlots} of ${r.slots} logged slots; effective sample size ${r.ctr.effectiveSampleSize.toFixed(0)}, largest weight ${r.ctr.maxWeight.toFixed(1)}`,
    '',
    `  ${''.padEnd(14)}${'logged policy'.padEnd(26)}${'IPS'.padEnd(26)}${'SNIPS'.padEnd(26)}DR (position-based model)`,
  ];
  for (const [name, e] of [
    ['CTR', r.ctr],
    ['purchase rate', r.purchaseRate],
  ] as const) {
    lines.push(`  ${name.padEnd(14)}${ci(e.logged).padEnd(26)}${ci(e.ips).padEnd(26)}${ci(e.snips).padEnd(26)}${ci(e.dr)}`);
  }
  lines.push('  (95% bootstrap intervals over requests; rates per impression, as the A/B report counts them)');
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
