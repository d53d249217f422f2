/** Durations as people type them: "3h", "30m", "90s", "1h30m", "500ms" (flags and WORKBENCH_* variables). */
import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "3h", "30m", "90s", "1h30m", "500ms" into milliseconds; UsageError otherwise. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (!text || matched !== text.length || total <= 0) {
    throw new UsageError(`"${text}" is not a duration; use e.g. 3h, 30m, 90s or 1h30m`);
  }
  return total;
}
