import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import { creditClicks, type InterleavedList, interleavingSummary, teamDraftInterleave } from './interleaving.js';

function randomRanking(rng: Rng, pool: number, n: number): string[] {
  return rng.shuffle(Array.from({ length: pool }, (_, i) => `i${i}`)).slice(0, n);
}

describe('teamDraftInterleave', () => {
  it('has no duplicates, takes each team’s best remaining item, and alternates fairly', () => {
    const rng = new Rng(5);
    for (let q = 0; q < 500; q++) {
      const a = randomRanking(rng, 15, 10);
      const b = randomRanking(rng, 15, 10);
      const m = teamDraftInterleave(a, b, 10, rng);
      expect(new Set(m.items).size).toBe(m.items.length);
      expect(m.items).toHaveLength(10);
      let nA = 0;
      let nB = 0;
      m.items.forEach((item, p) => {
        const team = m.teams[p];
        const list = team === 'A' ? a : b;
        // The pick is the team's highest-ranked item not already shown.
        expect(item).toBe(list.find((x) => !m.items.slice(0, p).includes(x)));
        if (team === 'A') nA++;
        else nB++;
        // Both lists have 10 items and k = 10, so neither runs out: sizes never differ by > 1.
        expect(Math.abs(nA - nB)).toBeLessThanOrEqual(1);
      });
    }
  });

  it('lets each team pick first about half of the time', () => {
    const rng = new Rng(9);
    let aFirst = 0;
    for (let q = 0; q < 4000; q++) if (teamDraftInterleave(['x', 'y'], ['y', 'z'], 2, rng).teams[0] === 'A') aFirst++;
    // Binomial(4000, 0.5): sd ~ 32.
    expect(Math.abs(aFirst - 2000)).toBeLessThan(130);
  });

  it('a hand example: the first pick of each round is decided by the coin', () => {
    // Whatever the coins, A = [a, b, c] and B = [b, a, d] give {a, b} in the first round.
    const m = teamDraftInterleave(['a', 'b', 'c'], ['b', 'a', 'd'], 4, new Rng(1));
    expect(new Set(m.items.slice(0, 2))).toEqual(new Set(['a', 'b']));
    expect(m.teams.slice(0, 2).sort()).toEqual(['A', 'B']);
    expect(m.teams[m.items.indexOf('a')]).toBe('A');
    expect(m.teams[m.items.indexOf('b')]).toBe('B');
    // Second round: A's next unused is c, B's is d.
    expect(new Set(m.items.slice(2))).toEqual(new Set(['c', 'd']));
    expect(m.teams[m.items.indexOf('c')]).toBe('A');
  });

  it('lets the other team pick when one ranking runs out, and stops when both do', () => {
    const m = teamDraftInterleave(['a'], ['b', 'c', 'd'], 10, new Rng(2));
    expect(m.items.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(m.teams.filter((t) => t === 'A')).toHaveLength(1);
    expect(teamDraftInterleave([], [], 5, new Rng(1)).items).toEqual([]);
    expect(() => teamDraftInterleave(['a'], ['b'], -1, new Rng(1))).toThrow(/k must be/);
  });
});

describe('creditClicks and interleavingSummary', () => {
  const list: InterleavedList = { items: ['a', 'b', 'c', 'd'], teams: ['B', 'A', 'A', 'B'] };

  it('credits clicks to the team that contributed the clicked position', () => {
    expect(creditClicks(list, [1, 2])).toEqual({ A: 2, B: 0, winner: 'A' });
    expect(creditClicks(list, [0, 2])).toEqual({ A: 1, B: 1, winner: 'tie' });
    expect(creditClicks(list, [3, 3, 0])).toEqual({ A: 0, B: 2, winner: 'B' });
    expect(creditClicks(list, [])).toEqual({ A: 0, B: 0, winner: 'tie' });
    expect(() => creditClicks(list, [4])).toThrow(/outside/);
  });

  it('summarises wins with an exact sign test', () => {
    const credits = [
      ...Array.from({ length: 9 }, () => ({ A: 1, B: 0, winner: 'A' as const })),
      { A: 0, B: 1, winner: 'B' as const },
      { A: 0, B: 0, winner: 'tie' as const },
    ];
    const s = interleavingSummary(credits);
    expect(s).toMatchObject({ queries: 11, winsA: 9, winsB: 1, ties: 1 });
    expect(s.preferenceA).toBeCloseTo(9.5 / 11 - 0.5, 12);
    // Two-sided sign test, 9 of 10: 2 * (1 + 10) / 1024 = 0.021484375.
    expect(s.pValue).toBeCloseTo(0.021484375, 12);
    expect(interleavingSummary([]).pValue).toBe(1);
  });

  it('detects the better ranker from simulated clicks', () => {
    // Relevant items are i0..i4; ranker A puts them on top, ranker B ranks at random.
    const rng = new Rng(21);
    const credits = [];
    for (let q = 0; q < 300; q++) {
      const good = ['i0', 'i1', 'i2', 'i3', 'i4', ...randomRanking(rng, 20, 20).filter((x) => !/^i[0-4]$/.test(x))];
      const random = randomRanking(rng, 20, 20);
      const m = teamDraftInterleave(good, random, 10, rng);
      const clicks = m.items.flatMap((item, p) => (/^i[0-4]$/.test(item) && rng.chance(0.6 / (p + 1)) ? [p] : []));
      credits.push(creditClicks(m, clicks));
    }
    const s = interleavingSummary(credits);
    expect(s.winsA).toBeGreaterThan(s.winsB);
    expect(s.preferenceA).toBeGreaterThan(0);
    expect(s.pValue).toBeLessThan(0.001);
  });
});
