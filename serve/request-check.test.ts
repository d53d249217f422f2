import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptRankRequest, acceptRecommendRequest } from './request-check.js';
import { MAX_IDS, rankRequestSchema, recommendRequestSchema } from './schemas.js';
import { bodyFor } from './testing/fuzz-arbitraries.js';

const ids = (n: number, make = (i: number) => `item-${i}`) => Array.from({ length: n }, (_, i) => make(i));

/** The fast check accepts exactly what the schema accepts, with the schema's output. */
function sameAsSchema(accept: (v: unknown) => unknown, schema: typeof recommendRequestSchema | typeof rankRequestSchema, body: unknown) {
  const parsed = JSON.parse(JSON.stringify(body)) as unknown;
  const expected = schema.safeParse(parsed);
  const got = accept(parsed);
  if (expected.success) expect(got).toStrictEqual(expected.data);
  else expect(got).toBeUndefined();
  return expected.success;
}

describe('request-check (fast acceptance of request bodies)', () => {
  it('accepts exactly what the schemas accept, generated bodies (valid and hostile)', () => {
    let accepted = 0;
    for (const [route, accept, schema] of [
      ['/v1/recommendations', acceptRecommendRequest, recommendRequestSchema],
      ['/v1/rank', acceptRankRequest, rankRequestSchema],
    ] as const) {
      fc.assert(
        fc.property(bodyFor(route, Date.now()), (body) => {
          if (sameAsSchema(accept, schema, body)) accepted++;
        }),
        { numRuns: 3000, seed: 20_261_203 },
      );
    }
    expect(accepted).toBeGreaterThan(1000);
  });

  it('agrees with the schemas at the edges: lengths, k, surrogates, extra and hostile keys', () => {
    const rec = [
      { userId: 'u1' },
      { userId: 'u1', k: 1, itemId: 'i', candidates: ids(MAX_IDS), exclude: [] },
      { userId: 'u1', candidates: ids(MAX_IDS + 1) },
      { userId: 'u1', k: 0 },
      { userId: 'u1', k: 101 },
      { userId: 'u1', k: 2.5 },
      { userId: 'u1', k: '3' },
      { userId: 'u1', k: null },
      { userId: '' },
      { userId: 'x'.repeat(256) },
      { userId: 'x'.repeat(257) },
      { userId: 'a\ud800' },
      { userId: '😀' },
      { userId: 'u1', candidates: ['ok', '\udfff'] },
      { userId: 'u1', candidates: ['ok', 3] },
      { userId: 'u1', candidate: ['a'] },
      JSON.parse('{"userId":"u1","__proto__":{"polluted":1}}'),
      { k: 4 },
      [{ userId: 'u1' }],
      'u1',
      null,
    ];
    for (const body of rec) sameAsSchema(acceptRecommendRequest, recommendRequestSchema, body);
    const rank = [
      { userId: 'u1', itemIds: ids(500) },
      { userId: 'u1', itemIds: [] },
      { userId: 'u1', itemIds: ids(MAX_IDS + 1) },
      { userId: 'u1' },
      { itemIds: ['a'] },
      { userId: 'u1', itemIds: ['a'], k: 3 },
      { userId: 'u1', itemIds: ['a', ''] },
      { userId: 'u1', itemIds: 'a' },
      { userId: 7, itemIds: ['a'] },
      JSON.parse('{"userId":"u1","itemIds":["a"],"__proto__":1}'),
    ];
    for (const body of rank) sameAsSchema(acceptRankRequest, rankRequestSchema, body);
    expect(acceptRankRequest({ userId: 'u1', itemIds: ids(500) })?.itemIds).toHaveLength(500);
    expect(acceptRecommendRequest({ userId: 'u1' })).toStrictEqual({ userId: 'u1', k: 10 });
  });
});
