import { describe, expect, it } from 'vitest';
import type { EventType, InteractionEvent } from '../data/schema.js';
import { DataError } from '../errors.js';
import type { Ranker, RankRequest } from '../models/ranker.js';
import { Rng } from '../util/random.js';
import { buildEvalCases, type EvalCase, type EvalReport, evaluateRankers, metricNamesFor, temporalProtocol } from './protocol.js';
import { rankByScore } from './ranking.js';
import { auc, averagePrecisionAtK, catalogueCoverage, hitRateAtK, ndcgAtK, recallAtK, reciprocalRank } from './ranking-metrics.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2011, 10, 9);
const catalogue = Array.from({ length: 30 }, (_, i) => `i${String(i).padStart(2, '0')}`);

function ev(userId: string, itemId: string, ts: number, type: EventType = 'purchase'): InteractionEvent {
  return { userId, itemId, ts, type };
}

/** Scores by a fixed item order: first in `order` scores highest; items not in it score lowest. */
class FixedOrderRanker implements Ranker {
  private readonly rank: Map<string, number>;
  constructor(
    readonly name: string,
    order: readonly string[],
  ) {
    this.rank = new Map(order.map((id, i) => [id, i]));
  }
  score(req: RankRequest): Float32Array {
    return Float32Array.from(req.candidates, (id) => -(this.rank.get(id) ?? 1e6));
  }
  dispose(): void {}
}

/** Knows the answer: 1 for the user's relevant items, 0 for the rest. */
class OracleRanker implements Ranker {
  readonly name = 'oracle';
  private readonly truth: Map<string, Set<string>>;
  constructor(cases: readonly EvalCase[]) {
    this.truth = new Map(cases.map((c) => [c.userId, new Set(c.relevant)]));
  }
  score(req: RankRequest): Float32Array {
    const rel = this.truth.get(req.userId) ?? new Set<string>();
    return Float32Array.from(req.candidates, (id) => (rel.has(id) ? 1 : 0));
  }
  dispose(): void {}
}

/** 20 users with history, buying 1-3 random items each in the window; plus users who must not count. */
function world(): { history: InteractionEvent[]; window: InteractionEvent[] } {
  const rng = new Rng(2024);
  const history: InteractionEvent[] = [];
  const window: InteractionEvent[] = [];
  for (let u = 0; u < 20; u++) {
    const user = `u${String(u).padStart(2, '0')}`;
    history.push(ev(user, rng.pick(catalogue), T0 - (1 + rng.int(30)) * DAY, 'view'));
    const bought = rng.shuffle([...catalogue]).slice(0, 1 + rng.int(3));
    for (const item of bought) window.push(ev(user, item, T0 + rng.int(20) * DAY + 1));
  }
  history.push(ev('u00', 'i29', T0 - 40 * DAY)); // u00 buys i29 again in the window
  window.push(ev('u00', 'i29', T0 + 3 * DAY));
  window.push(ev('u00', 'i29', T0 + 4 * DAY)); // and twice: counted once
  window.push(ev('new-user', 'i01', T0 + DAY)); // no history: not a test user
  history.push(ev('browser', 'i02', T0 - DAY, 'view'));
  window.push(ev('browser', 'i02', T0 + DAY, 'view')); // no purchase in the window
  return { history, window };
}

describe('buildEvalCases', () => {
  const { history, window } = world();
  const cases = buildEvalCases(history, window);

  it('keeps users with history and a purchase in the window, sorted by user id', () => {
    expect(cases.map((c) => c.userId)).toEqual(Array.from({ length: 20 }, (_, u) => `u${String(u).padStart(2, '0')}`));
  });

  it('makes every distinct item bought in the window relevant, repeat purchases included', () => {
    const u00 = cases.find((c) => c.userId === 'u00');
    expect(u00?.relevant).toContain('i29');
    expect(new Set(u00?.relevant).size).toBe(u00?.relevant.length);
    for (const c of cases) {
      const bought = new Set(window.filter((e) => e.userId === c.userId && e.type === 'purchase').map((e) => e.itemId));
      expect(new Set(c.relevant)).toEqual(bought);
    }
  });

  it('lists relevant items in the order they were first bought, whatever the input order', () => {
    const got = buildEvalCases([ev('a', 'x', 0, 'view')], [ev('a', 'late', 30), ev('a', 'early', 10), ev('a', 'late', 5)]);
    expect(got).toEqual([{ userId: 'a', relevant: ['late', 'early'] }]);
  });

  it('honours relevantTypes', () => {
    const got = buildEvalCases([ev('a', 'x', 0, 'view')], [ev('a', 'c1', 10, 'cart'), ev('a', 'v1', 11, 'view')], {
      relevantTypes: ['cart'],
    });
    expect(got).toEqual([{ userId: 'a', relevant: ['c1'] }]);
    expect(buildEvalCases([ev('a', 'x', 0, 'view')], [ev('a', 'c1', 10, 'cart')])).toEqual([]);
  });

  it('refuses history that reaches into the window, unless told otherwise', () => {
    const leaky = [ev('a', 'x', 0, 'view'), ev('b', 'y', 20, 'view')];
    const win = [ev('a', 'z', 10)];
    expect(() => buildEvalCases(leaky, win)).toThrow(DataError);
    expect(() => buildEvalCases(leaky, win)).toThrow(/history event of user "b" on item "y" .* is not before the test window/);
    expect(buildEvalCases(leaky, win, { requireTemporalOrder: false })).toEqual([{ userId: 'a', relevant: ['z'] }]);
  });
});

describe('evaluateRankers', () => {
  const { history, window } = world();
  const cases = buildEvalCases(history, window);
  const protocol = temporalProtocol({ start: T0, end: T0 + 30 * DAY });
  const forward = new FixedOrderRanker('catalogue-order', catalogue);
  const backward = new FixedOrderRanker('reverse-order', [...catalogue].reverse());
  const run = (onProgress?: (done: number, total: number) => void) =>
    evaluateRankers({
      rankers: [forward, backward, new OracleRanker(cases)],
      cases,
      catalogue,
      protocol,
      baselineNames: ['catalogue-order', 'reverse-order'],
      bootstrap: { resamples: 500, seed: 7 },
      onProgress,
    });

  it('gives the oracle perfect scores and a significant win over the best baseline', async () => {
    const report = await run();
    const oracle = report.models.find((m) => m.name === 'oracle');
    expect(oracle?.metrics['ndcg@10']).toEqual({ mean: 1, lo: 1, hi: 1 });
    expect(oracle?.metrics.auc.mean).toBe(1);
    expect(oracle?.metrics.mrr.mean).toBe(1);
    expect(oracle?.metrics['recall@10'].mean).toBe(1);
    expect(report.comparisons).toHaveLength(1);
    const c = report.comparisons[0];
    expect(c.model).toBe('oracle');
    expect(c.baseline).toBe(report.bestBaseline);
    expect(c.metric).toBe('ndcg@10');
    expect(c.diff.lo).toBeGreaterThan(0);
    expect(c.pValue).toBeLessThan(0.05);
    expect(c.liftPercent?.mean).toBeCloseTo((1 / c.baselineMean - 1) * 100, 9);
  });

  it('matches the reference metrics computed from full rankings, for every model and metric', async () => {
    const report = await run();
    const names = metricNamesFor([5, 10, 20]);
    expect(report.metricNames).toEqual(names);
    expect(report.ks).toEqual([5, 10, 20]);
    for (const ranker of [forward, backward, new OracleRanker(cases)]) {
      const lists = cases.map((c) => rankByScore(catalogue, ranker.score({ userId: c.userId, candidates: catalogue })));
      const mean = (f: (list: string[], rel: readonly string[]) => number) =>
        lists.reduce((s, l, i) => s + f(l, cases[i].relevant), 0) / lists.length;
      const model = report.models.find((m) => m.name === ranker.name);
      expect(model?.users).toBe(20);
      for (const k of [5, 10, 20]) {
        expect(model?.metrics[`ndcg@${k}`].mean).toBeCloseTo(
          mean((l, r) => ndcgAtK(l, r, k)),
          12,
        );
        expect(model?.metrics[`map@${k}`].mean).toBeCloseTo(
          mean((l, r) => averagePrecisionAtK(l, r, k)),
          12,
        );
        expect(model?.metrics[`recall@${k}`].mean).toBeCloseTo(
          mean((l, r) => recallAtK(l, r, k)),
          12,
        );
        expect(model?.metrics[`hitrate@${k}`].mean).toBeCloseTo(
          mean((l, r) => hitRateAtK(l, r, k)),
          12,
        );
        expect(model?.coverage[`coverage@${k}`]).toBeCloseTo(catalogueCoverage(lists, catalogue.length, k), 12);
      }
      expect(model?.metrics.mrr.mean).toBeCloseTo(mean(reciprocalRank), 12);
      expect(model?.metrics.auc.mean).toBeCloseTo(mean(auc), 12);
      for (const name of names) {
        const i = model?.metrics[name];
        expect(i && i.lo <= i.mean && i.mean <= i.hi).toBe(true);
      }
    }
    // A fixed order recommends the same ten items to everyone.
    expect(report.models[0].coverage['coverage@10']).toBe(10 / 30);
    const best = report.models.filter((m) => m.baseline).sort((a, b) => b.metrics['ndcg@10'].mean - a.metrics['ndcg@10'].mean)[0];
    expect(report.bestBaseline).toBe(best.name);
  });

  it('is deterministic for a seed and serialises to JSON without loss', async () => {
    const strip = (r: EvalReport) => ({ ...r, models: r.models.map((m) => ({ ...m, msPerUser: 0 })) });
    const a = await run();
    const b = await run();
    expect(strip(a)).toEqual(strip(b));
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(a.protocol).toBe(protocol);
    expect(a.protocol).toContain('temporal: train < 2011-11-09, test [2011-11-09, 2011-12-09)');
  });

  it('reports progress over every user of every model', async () => {
    const calls: [number, number][] = [];
    await run((d, t) => calls.push([d, t]));
    expect(calls).toHaveLength(60);
    expect(calls.at(-1)).toEqual([60, 60]);
  });

  it('asks every ranker for the full catalogue, passing the context item through', async () => {
    const seen: RankRequest[] = [];
    const recorder: Ranker = {
      name: 'recorder',
      score: (req) => {
        seen.push(req);
        return new Float32Array(req.candidates.length);
      },
      dispose: () => {},
    };
    await evaluateRankers({
      rankers: [recorder],
      cases: [
        { userId: 'a', relevant: ['i03'], contextItemId: 'i07' },
        { userId: 'b', relevant: ['i04'] },
      ],
      catalogue,
      protocol: 'test',
      bootstrap: { resamples: 10, seed: 1 },
    });
    expect(seen.map((r) => [r.userId, r.candidates, r.contextItemId])).toEqual([
      ['a', catalogue, 'i07'],
      ['b', catalogue, undefined],
    ]);
  });

  it('counts excluded cases and relevant items outside the catalogue', async () => {
    const report = await evaluateRankers({
      rankers: [forward],
      cases: [
        { userId: 'a', relevant: ['i00', 'gone'] },
        { userId: 'b', relevant: [] },
        { userId: 'c', relevant: ['gone', 'also-gone'] },
        { userId: 'd', relevant: ['i01'] },
      ],
      catalogue,
      protocol: 'test',
      bootstrap: { resamples: 10, seed: 1 },
    });
    expect(report.users).toBe(2);
    expect(report.excluded).toEqual({ emptyRelevant: 1, relevantNotInCatalogue: 3, noRelevantInCatalogue: 1, wholeCatalogueRelevant: 0 });
    // a: i00 at rank 0 of 1 relevant; d: i01 at rank 1.
    expect(report.models[0].metrics.mrr.mean).toBeCloseTo((1 + 1 / 2) / 2, 12);
    expect(report.bestBaseline).toBeNull();
    expect(report.comparisons).toEqual([]);
  });

  it('names the ranker that throws, returns the wrong length or a non-finite score', async () => {
    const base = { cases, catalogue, protocol: 'test', bootstrap: { resamples: 10, seed: 1 } };
    const broken: Ranker = {
      name: 'broken',
      score: () => {
        throw new Error('boom');
      },
      dispose: () => {},
    };
    const short: Ranker = { name: 'short', score: (r) => new Float32Array(r.candidates.length - 1), dispose: () => {} };
    const nan: Ranker = { name: 'nan', score: (r) => new Float32Array(r.candidates.length).fill(Number.NaN), dispose: () => {} };
    await expect(evaluateRankers({ ...base, rankers: [forward, broken] })).rejects.toThrow('ranker "broken" failed on user "u00": boom');
    await expect(evaluateRankers({ ...base, rankers: [short] })).rejects.toThrow(
      'ranker "short" returned 29 scores for 30 candidates (user "u00")',
    );
    await expect(evaluateRankers({ ...base, rankers: [nan] })).rejects.toThrow(
      'ranker "nan" (user "u00") has a non-finite score NaN for item "i00"',
    );
  });

  it('rejects bad options with a message naming the problem', async () => {
    const base = { cases, catalogue, protocol: 'test' };
    await expect(evaluateRankers({ ...base, rankers: [] })).rejects.toThrow('no rankers given');
    await expect(evaluateRankers({ ...base, rankers: [forward, forward] })).rejects.toThrow('two rankers are named "catalogue-order"');
    await expect(evaluateRankers({ ...base, rankers: [forward], baselineNames: ['popularity'] })).rejects.toThrow(
      'baseline "popularity" is not among the rankers (catalogue-order)',
    );
    await expect(evaluateRankers({ ...base, rankers: [forward], ks: [0] })).rejects.toThrow('ks: 0 is not a positive integer');
    await expect(evaluateRankers({ ...base, rankers: [forward], catalogue: ['a', 'b', 'a'] })).rejects.toThrow(
      'catalogue item "a" appears twice (positions 0 and 2)',
    );
    await expect(evaluateRankers({ ...base, rankers: [forward], cases: [{ userId: 'x', relevant: [] }] })).rejects.toThrow(
      'no evaluable users',
    );
  });

  it('always includes k = 10, the primary metric', async () => {
    const report = await evaluateRankers({
      rankers: [forward],
      cases,
      catalogue,
      protocol: 'test',
      ks: [3],
      bootstrap: { resamples: 10, seed: 1 },
    });
    expect(report.ks).toEqual([3, 10]);
    expect(Object.keys(report.models[0].coverage)).toEqual(['coverage@3', 'coverage@10']);
  });
});
