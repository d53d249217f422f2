import { describe, expect, it } from 'vitest';
import type { Ranker, RankRequest } from '../models/ranker.js';
import type { EvalCase } from './protocol.js';
import { rankByScore } from './ranking.js';
import { ndcgAtK } from './ranking-metrics.js';
import { tuneOnValidation } from './tune.js';

const catalogue = Array.from({ length: 40 }, (_, i) => `i${i}`);
// Every user bought items 20..22: a ranker starting its order at `offset` finds them sooner as offset nears 20.
const cases: EvalCase[] = ['a', 'b', 'c', 'd'].map((userId, u) => ({ userId, relevant: [`i${20 + (u % 3)}`, 'i22'] }));

/** Ranks the catalogue in a rotated order starting at `offset`; records whether it was disposed. */
class RotatedRanker implements Ranker {
  readonly name = 'rotated';
  disposed = false;
  constructor(readonly offset: number) {}
  score(req: RankRequest): Float32Array {
    if (this.disposed) throw new Error('used after dispose');
    return Float32Array.from(req.candidates, (id) => -((Number(id.slice(1)) - this.offset + 40) % 40));
  }
  dispose(): void {
    this.disposed = true;
  }
}

describe('tuneOnValidation', () => {
  it('picks the knob setting with the best mean NDCG@10 and disposes only the losers', async () => {
    const built: RotatedRanker[] = [];
    const candidates = [0, 15, 20, 30].map((offset) => ({
      name: `offset=${offset}`,
      params: { offset },
      make: () => {
        const r = new RotatedRanker(offset);
        built.push(r);
        return r;
      },
    }));
    const result = await tuneOnValidation(candidates, cases, catalogue);
    expect(result.best.params).toEqual({ offset: 20 });
    expect(result.best.ranker).toBe(built[2]);
    expect(built.map((r) => r.disposed)).toEqual([true, true, false, true]);
    expect(result.trials.map((t) => t.name)).toEqual(['offset=0', 'offset=15', 'offset=20', 'offset=30']);
    expect(result.users).toBe(4);
    // Trial scores are the mean NDCG@10 of the full rankings.
    for (const [i, t] of result.trials.entries()) {
      const r = new RotatedRanker(candidates[i].params.offset);
      const expected =
        cases.reduce(
          (s, c) => s + ndcgAtK(rankByScore(catalogue, r.score({ userId: c.userId, candidates: catalogue })), c.relevant, 10),
          0,
        ) / cases.length;
      expect(t.ndcg10).toBeCloseTo(expected, 12);
    }
    expect(result.trials[0].ndcg10).toBe(0);
  });

  it('keeps the earlier candidate on a tie', async () => {
    const a = new RotatedRanker(0);
    const b = new RotatedRanker(0);
    const result = await tuneOnValidation(
      [
        { name: 'first', params: 1, make: () => a },
        { name: 'second', params: 2, make: async () => b },
      ],
      cases,
      catalogue,
    );
    expect(result.best.name).toBe('first');
    expect([a.disposed, b.disposed]).toEqual([false, true]);
  });

  it('names the failing candidate and disposes every ranker it built', async () => {
    const good = new RotatedRanker(20);
    const bad: Ranker = { name: 'bad', score: () => new Float32Array(3), dispose: () => {} };
    let badDisposed = false;
    bad.dispose = () => {
      badDisposed = true;
    };
    await expect(
      tuneOnValidation(
        [
          { name: 'good', params: {}, make: () => good },
          { name: 'wrong-length', params: {}, make: () => bad },
        ],
        cases,
        catalogue,
      ),
    ).rejects.toThrow('tuning candidate "wrong-length": ranker "bad" returned 3 scores for 40 candidates (user "a")');
    expect(good.disposed).toBe(true);
    expect(badDisposed).toBe(true);
    await expect(
      tuneOnValidation(
        [
          {
            name: 'cannot-build',
            params: {},
            make: () => {
              throw new Error('no data');
            },
          },
        ],
        cases,
        catalogue,
      ),
    ).rejects.toThrow('tuning candidate "cannot-build": no data');
  });

  it('rejects an empty candidate list and a validation set without users', async () => {
    await expect(tuneOnValidation([], cases, catalogue)).rejects.toThrow('no candidates given');
    await expect(tuneOnValidation([{ name: 'x', params: {}, make: () => new RotatedRanker(0) }], [], catalogue)).rejects.toThrow(
      'no evaluable validation users',
    );
  });
});
