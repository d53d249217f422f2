/** The serving policy of serve/README.md ("Serving policy and implicit aliases"), rule by rule. */
import { describe, expect, it } from 'vitest';
import { planLoads, planServing } from './reload-plan.js';

interface Row {
  rule: string;
  published: number[];
  registry?: Record<string, number>;
  pinned?: number[];
  /** Versions that loaded (or were already loaded) by the time the reload decides. */
  available: number[];
  previous?: Record<string, number>;
  aliases: Record<string, number>;
  keep: number[];
  heldBack?: { alias: string; wanted: number; serving: number }[];
}

const rows: Row[] = [
  {
    rule: 'a fresh model serves before anyone promotes it: champion and latest are the newest version',
    published: [1, 2, 3],
    available: [3],
    aliases: { latest: 3, champion: 3 },
    keep: [3],
  },
  {
    rule: 'a registry champion wins over the implicit one; latest still loads and serves',
    published: [1, 2, 3],
    registry: { champion: 2 },
    available: [2, 3],
    aliases: { champion: 2, latest: 3 },
    keep: [2, 3],
  },
  {
    rule: 'an explicit champion that cannot load keeps the previous champion serving',
    published: [1, 2, 3],
    registry: { champion: 3 },
    available: [2],
    previous: { champion: 2, latest: 2 },
    aliases: { champion: 2, latest: 2 },
    keep: [2],
    heldBack: [{ alias: 'champion', wanted: 3, serving: 2 }],
  },
  {
    rule: 'an explicit champion that cannot load is never replaced by another version (at start: no champion)',
    published: [1, 2],
    registry: { champion: 2 },
    available: [1],
    aliases: { latest: 1 },
    keep: [1],
  },
  {
    rule: 'latest is the newest good version, walking down past refused ones',
    published: [1, 2, 3],
    available: [2],
    aliases: { latest: 2, champion: 2 },
    keep: [2],
  },
  {
    rule: 'pinned versions (variants naming a version) stay loaded without an alias',
    published: [1, 2, 3],
    pinned: [1],
    available: [1, 3],
    aliases: { latest: 3, champion: 3 },
    keep: [1, 3],
  },
  {
    rule: 'every aliased version stays loaded',
    published: [1, 2, 3, 4],
    registry: { champion: 2, challenger: 3 },
    available: [2, 3, 4],
    aliases: { champion: 2, challenger: 3, latest: 4 },
    keep: [2, 3, 4],
  },
  {
    rule: 'a version no longer published and no longer aliased is retired',
    published: [2, 3],
    available: [1, 3],
    previous: { champion: 1, latest: 1 },
    aliases: { latest: 3, champion: 3 },
    keep: [3],
  },
  {
    rule: 'nothing available: no aliases, nothing kept (readiness stays 503)',
    published: [1],
    available: [],
    aliases: {},
    keep: [],
  },
];

describe('planServing', () => {
  it.each(rows)('$rule', (row) => {
    const pinned = row.pinned ?? [];
    const plan = planLoads({ published: row.published, registryAliases: row.registry ?? {}, pinned });
    const served = planServing({
      plan,
      available: new Set(row.available),
      previousAliases: new Map(Object.entries(row.previous ?? {})),
      pinned,
    });
    expect(Object.fromEntries(served.aliases)).toEqual(row.aliases);
    expect([...served.keep].sort((a, b) => a - b)).toEqual(row.keep);
    expect(served.heldBack).toEqual(row.heldBack ?? []);
  });
});

describe('planLoads', () => {
  it('loads aliased and pinned published versions newest first, and ignores aliases of unpublished versions', () => {
    const plan = planLoads({ published: [3, 1, 2, 2, 0, -1], registryAliases: { champion: 1, challenger: 9 }, pinned: [2, 7] });
    expect(plan.published).toEqual([1, 2, 3]);
    expect(plan.required).toEqual([2, 1]);
    expect(plan.ignored).toEqual([{ alias: 'challenger', version: 9 }]);
    expect(plan.latestCandidates).toEqual([3, 2, 1]);
  });
});
