import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import type { Ranker } from '../models/ranker.js';
import { maskHistory } from './mask.js';
import { evaluateRankers } from './protocol.js';

const fixed = (scores: Record<string, number>): Ranker => ({
  name: 'fixed',
  score: (req) => Float32Array.from(req.candidates, (id) => scores[id] ?? 0),
  dispose() {},
});

describe('--mask-seen', () => {
  const history: InteractionEvent[] = [
    { userId: 'u', itemId: 'a', ts: 1, type: 'purchase' },
    { userId: 'u', itemId: 'b', ts: 2, type: 'impression' }, // no intent: not a history item
    { userId: 'v', itemId: 'd', ts: 3, type: 'view' },
  ];

  it("masks exactly each user's history items", () => {
    const cases = maskHistory(
      [
        { userId: 'u', relevant: ['a', 'c'] },
        { userId: 'v', relevant: ['c'] },
        { userId: 'w', relevant: ['c'] },
      ],
      history,
    );
    expect(cases.map((c) => c.masked)).toEqual([['a'], ['d'], []]);
  });

  it('takes masked items out of the ranking and the relevant set (hand-computed metrics)', async () => {
    const ranker = fixed({ a: 4, b: 3, c: 2, d: 1 });
    const run = (cases: Parameters<typeof maskHistory>[0]) =>
      evaluateRankers({
        rankers: [ranker],
        cases,
        catalogue: ['a', 'b', 'c', 'd'],
        protocol: 'test',
        bootstrap: { resamples: 10, seed: 1 },
      });
    const plain = await run([{ userId: 'u', relevant: ['a', 'c'] }]);
    // a at 1 and c at 3: DCG 1 + 1/log2(4) = 1.5 over IDCG 1 + 1/log2(3).
    expect(plain.models[0].metrics['ndcg@10'].mean).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 12);
    const masked = await run(maskHistory([{ userId: 'u', relevant: ['a', 'c'] }], history));
    // a is gone: b, c, d; c at 2 -> NDCG 1/log2(3); AUC over b, d: one of two negatives below c.
    expect(masked.models[0].metrics['ndcg@10'].mean).toBeCloseTo(1 / Math.log2(3), 12);
    expect(masked.models[0].metrics.auc.mean).toBeCloseTo(0.5, 12);
    expect(masked.models[0].metrics['hitrate@5'].mean).toBe(1);
    expect(masked.excluded).toMatchObject({ relevantMasked: 1, noRelevantAfterMask: 0 });
    // A user whose only relevant item was already theirs has nothing left to find: counted, not scored.
    await expect(run(maskHistory([{ userId: 'u', relevant: ['a'] }], history))).rejects.toThrow(
      /no evaluable users.*noRelevantAfterMask":1/,
    );
  });
});
