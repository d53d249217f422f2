/**
 * Team-draft interleaving (Radlinski, Kurup & Joachims, 2008): show ONE merged list built from two
 * rankings, remember which ranker ("team") contributed each item, and credit clicks to teams. It
 * compares two rankers with far fewer users than an A/B test, because every user sees both.
 *
 * Merge: like picking sides for a game. The team with fewer picks so far picks next (a coin flip
 * decides when they are even); it adds its highest-ranked item not already in the list. So team
 * sizes never differ by more than one while both rankings have items left.
 */

import type { Rng } from '../util/random.js';
import { logGamma } from './distributions.js';

/** The two rankers of an interleaving experiment. */
export type Team = 'A' | 'B';

/** The merged list and which team contributed each position. */
export interface InterleavedList {
  items: string[];
  teams: Team[];
}

/**
 * Merges rankings `a` and `b` into at most `k` distinct items by team draft.
 * @param rng - seeded coin for ties in pick order (Rng from src/util/random.ts).
 */
export function teamDraftInterleave(a: readonly string[], b: readonly string[], k: number, rng: Rng): InterleavedList {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const used = new Set<string>();
  const items: string[] = [];
  const teams: Team[] = [];
  const cursor = { A: 0, B: 0 };
  const lists = { A: a, B: b };
  const count = { A: 0, B: 0 };
  const next = (team: Team): string | undefined => {
    const list = lists[team];
    while (cursor[team] < list.length && used.has(list[cursor[team]])) cursor[team]++;
    return cursor[team] < list.length ? list[cursor[team]] : undefined;
  };
  while (items.length < k) {
    const aNext = next('A');
    const bNext = next('B');
    if (aNext === undefined && bNext === undefined) break;
    let team: Team = count.A < count.B || (count.A === count.B && rng.chance(0.5)) ? 'A' : 'B';
    // A team with nothing left passes its turn to the other.
    if ((team === 'A' ? aNext : bNext) === undefined) team = team === 'A' ? 'B' : 'A';
    const item = (team === 'A' ? aNext : bNext) as string;
    used.add(item);
    items.push(item);
    teams.push(team);
    count[team]++;
  }
  return { items, teams };
}

/** Clicks credited to each team for one query, and the query's winner. */
export interface InterleavingCredit {
  A: number;
  B: number;
  winner: Team | 'tie';
}

/**
 * Credits each clicked position (0-based, duplicates counted once) to the team that contributed
 * it; the team with more credited clicks wins the query (equal, including no clicks: a tie).
 */
export function creditClicks(list: InterleavedList, clickedPositions: Iterable<number>): InterleavingCredit {
  const credit = { A: 0, B: 0 };
  for (const p of new Set(clickedPositions)) {
    if (!Number.isInteger(p) || p < 0 || p >= list.items.length) {
      throw new RangeError(`clicked position ${p} is outside the interleaved list (length ${list.items.length})`);
    }
    credit[list.teams[p]]++;
  }
  return { ...credit, winner: credit.A > credit.B ? 'A' : credit.B > credit.A ? 'B' : 'tie' };
}

/** Outcome over many queries. */
export interface InterleavingSummary {
  queries: number;
  winsA: number;
  winsB: number;
  ties: number;
  /** (winsA + ties/2) / queries - 0.5: > 0 means A is preferred (the usual Δ_AB). */
  preferenceA: number;
  /** Two-sided exact sign test of winsA vs winsB (ties dropped); 1 when there are no wins. */
  pValue: number;
}

function binomialHalfCdf(k: number, n: number): number {
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space (exact up to rounding).
  const lnN = logGamma(n + 1) - n * Math.LN2;
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(lnN - logGamma(i + 1) - logGamma(n - i + 1));
  return sum;
}

/** Aggregates per-query credits into wins, ties, the preference and a sign-test p-value. */
export function interleavingSummary(credits: readonly InterleavingCredit[]): InterleavingSummary {
  let winsA = 0;
  let winsB = 0;
  for (const c of credits) {
    if (c.winner === 'A') winsA++;
    else if (c.winner === 'B') winsB++;
  }
  const queries = credits.length;
  const ties = queries - winsA - winsB;
  const decided = winsA + winsB;
  const pValue = decided === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(winsA, winsB), decided));
  return { queries, winsA, winsB, ties, preferenceA: queries ? (winsA + ties / 2) / queries - 0.5 : 0, pValue };
}
