/**
 * `--mask-seen`: each user's history items (events with intent, of any type) are taken out of
 * their ranking and relevant set, the setting published leave-one-out and random-split results
 * use (RecBole masks training items in full ranking).
 */
import { eventStrength, type InteractionEvent } from '../data/schema.js';
import type { EvalCase } from './scoring.js';

/** The distinct items each user has in `history` (events with positive intent strength). */
export function historyItems(history: readonly InteractionEvent[]): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  for (const e of history) {
    if (eventStrength(e) === 0) continue;
    const s = seen.get(e.userId);
    if (s) s.add(e.itemId);
    else seen.set(e.userId, new Set([e.itemId]));
  }
  return seen;
}

/** The cases with each user's history items set as `masked` (an empty list for a user without). */
export function maskHistory(cases: readonly EvalCase[], history: readonly InteractionEvent[]): EvalCase[] {
  const seen = historyItems(history);
  return cases.map((c) => ({ ...c, masked: [...(seen.get(c.userId) ?? [])] }));
}
