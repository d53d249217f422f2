/**
 * The pipeline's off-policy gate (opt-in, `--ope-margin`): after the offline gate passed and the
 * candidate is published, its CTR is estimated off-policy from the service's exploring logs
 * (src/ope/ope-report.ts), and so is the champion's on the same logs; the candidate keeps its alias
 * only if its estimate is not below the champion's by more than the margin (relative):
 * candidate >= champion x (1 - margin). Logs without propensities cannot vouch for a candidate,
 * so this gate then refuses (asked for, it never passes silently).
 */
import { WorkbenchError } from '../errors.js';
import type { Interval } from '../eval/bootstrap.js';
import { offPolicyReport } from '../ope/ope-report.js';

/** The gate's knobs. */
export interface OpeGateOptions {
  /** Largest relative shortfall of the candidate's estimate allowed, e.g. 0.05 = 5%. */
  margin: number;
  /** Only logs of this variant (default all exploring traffic). */
  variant?: string;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
}

/** What the gate decided (kept in the run record). */
export interface OpeGateDecision {
  estimator: 'dr' | 'snips';
  margin: number;
  candidate: Interval | null;
  champion: Interval | null;
  effectiveSampleSize: number | null;
  promoted: boolean;
  reason: string;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Decides from two estimates (DR when present, else SNIPS). */
export function decideOpeGate(
  candidate: Interval,
  champion: Interval,
  margin: number,
  estimator: OpeGateDecision['estimator'],
  ess: number,
): OpeGateDecision {
  const floor = champion.mean * (1 - margin);
  const rule = `champion ${pct(champion.mean)} x (1 - ${margin}) = ${pct(floor)}`;
  const promoted = candidate.mean >= floor;
  return {
    estimator,
    margin,
    candidate,
    champion,
    effectiveSampleSize: ess,
    promoted,
    reason: promoted
      ? `off-policy CTR (${estimator}) ${pct(candidate.mean)} >= ${rule}`
      : `refused: off-policy CTR (${estimator}) ${pct(candidate.mean)} < ${rule}`,
  };
}

/**
 * Runs the off-policy gate of `candidate` against `champion` (versions of `name`).
 * @returns the decision; a log without propensities gives a refusal that says so.
 */
export async function offPolicyGate(
  where: { modelsDir: string; name: string; eventsDir: string; stateDir?: string },
  versions: { candidate: number; champion: number },
  opts: OpeGateOptions,
): Promise<OpeGateDecision> {
  const common = { ...where, variant: opts.variant, resamples: opts.resamples };
  try {
    const cand = await offPolicyReport({ ...common, version: versions.candidate });
    const champ = await offPolicyReport({ ...common, version: versions.champion });
    const estimator = cand.ctr.dr && champ.ctr.dr ? 'dr' : 'snips';
    const pick = (r: typeof cand) => (estimator === 'dr' ? (r.ctr.dr as Interval) : r.ctr.snips);
    return decideOpeGate(pick(cand), pick(champ), opts.margin, estimator, cand.ctr.effectiveSampleSize);
  } catch (err) {
    if (!(err instanceof WorkbenchError) || !['no_propensities', 'no_impressions', 'not_replayable'].includes(err.code)) throw err;
    return {
      estimator: 'dr',
      margin: opts.margin,
      candidate: null,
      champion: null,
      effectiveSampleSize: null,
      promoted: false,
      reason: `refused: no off-policy estimate possible (${err.message})`,
    };
  }
}
