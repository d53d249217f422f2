/**
 * Sessions decide what co-occurs: items in one basket are neighbours. Events carrying a sessionId
 * are grouped by it (within the user); the others by a gap rule: `--session-gap 30m` (default),
 * `2h`, `none` (0: only events at the same instant share a basket) or `user` (the user's whole
 * history is one basket: for logs without session structure, such as ratings). This module parses
 * the rule and profiles the baskets it makes, so a degenerate rule is reported, not silent.
 */
import { UsageError } from '../errors.js';
import { eventStrength, type InteractionEvent } from './schema.js';

/** The gap, in minutes, that `user` stands for: longer than any log, so a user's events never split. */
export const SESSION_GAP_USER_MINUTES = 1e9;

/**
 * Parses a session gap: `30m`, `2h`, `1d`, `45` (minutes), `none` or `user`.
 * @returns minutes (0 for none, SESSION_GAP_USER_MINUTES for user).
 * @throws UsageError naming the value.
 */
export function parseSessionGap(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'none') return 0;
  if (t === 'user') return SESSION_GAP_USER_MINUTES;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?$/.exec(t);
  if (!m) throw new UsageError(`--session-gap "${text}" is not a duration (30m, 2h, 1d), none or user`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'm';
  const minutes = unit === 's' ? n / 60 : unit === 'h' ? n * 60 : unit === 'd' ? n * 1440 : n;
  return minutes;
}

/** A session gap in the flag's words (`30m`, `2h`, `none`, `user`). */
export function formatSessionGap(minutes: number): string {
  if (minutes >= SESSION_GAP_USER_MINUTES) return 'user';
  if (minutes === 0) return 'none';
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** The baskets a session rule makes. */
export interface SessionProfile {
  /** The rule, e.g. "30m" (events with a sessionId are grouped by it whatever the rule). */
  gap: string;
  baskets: number;
  /** Distinct items per basket: median, 90th percentile, max, mean. */
  size: { p50: number; p90: number; max: number; mean: number };
  /** Share of baskets with a single item (they teach co-occurrence nothing). */
  singleItemShare: number;
  /** Share of events whose basket came from a sessionId column. */
  fromSessionId: number;
  /** Set when the baskets look degenerate, with what to try. */
  warning?: string;
}

/**
 * Profiles the baskets of events with positive strength under a gap rule (the same grouping the
 * feature window uses: by user in time order; sessionId first, else the gap).
 */
export function sessionProfile(events: readonly InteractionEvent[], gapMinutes: number): SessionProfile {
  const gapMs = gapMinutes * 60_000;
  const byUser = new Map<string, InteractionEvent[]>();
  let withSession = 0;
  let used = 0;
  for (const e of events) {
    if (eventStrength(e) === 0) continue;
    used++;
    if (e.sessionId !== undefined) withSession++;
    const list = byUser.get(e.userId);
    if (list) list.push(e);
    else byUser.set(e.userId, [e]);
  }
  const sizes: number[] = [];
  for (const list of byUser.values()) {
    list.sort((a, b) => a.ts - b.ts);
    const baskets = new Map<string, Set<string>>();
    let gapKey = -1;
    let lastTs = Number.NEGATIVE_INFINITY;
    for (const e of list) {
      let key: string;
      if (e.sessionId !== undefined) key = `s:${e.sessionId}`;
      else {
        if (gapKey < 0 || e.ts - lastTs > gapMs) gapKey = baskets.size;
        lastTs = e.ts;
        key = `g:${gapKey}`;
      }
      const b = baskets.get(key);
      if (b) b.add(e.itemId);
      else baskets.set(key, new Set([e.itemId]));
    }
    for (const b of baskets.values()) sizes.push(b.size);
  }
  sizes.sort((a, b) => a - b);
  const at = (q: number) => (sizes.length ? sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))] : 0);
  const single = sizes.filter((s) => s === 1).length;
  const profile: SessionProfile = {
    gap: formatSessionGap(gapMinutes),
    baskets: sizes.length,
    size: {
      p50: at(0.5),
      p90: at(0.9),
      max: sizes.length ? sizes[sizes.length - 1] : 0,
      mean: sizes.length ? sizes.reduce((s, x) => s + x, 0) / sizes.length : 0,
    },
    singleItemShare: sizes.length ? single / sizes.length : 0,
    fromSessionId: used ? withSession / used : 0,
  };
  if (sizes.length > 0 && profile.size.p50 <= 1) {
    const tryNext =
      gapMinutes >= SESSION_GAP_USER_MINUTES
        ? 'the data has little to co-occur'
        : 'try --session-gap 2h or --session-gap user (one basket per user) if the log has no session structure';
    profile.warning = `sessions look degenerate under --session-gap ${profile.gap}: the median basket holds ${profile.size.p50} item(s) and ${(profile.singleItemShare * 100).toFixed(0)}% of baskets one item, so co-occurrence has little to learn from; ${tryNext}`;
  }
  return profile;
}
