import { describe, expect, it } from 'vitest';
import { checkGateMetric, decideGate } from './gate.js';

describe('decideGate', () => {
  const base = { metric: 'ndcg@10', championVersion: 3, minImprovement: 0.01 };
  it('passes a candidate at or above champion x (1 + minImprovement)', () => {
    const d = decideGate({ ...base, candidate: 0.202, champion: 0.2 });
    expect(d.promoted).toBe(true);
    expect(d.reason).toContain('champion v3 0.2000');
    expect(decideGate({ ...base, candidate: 0.2 * 1.01, champion: 0.2 }).promoted).toBe(true);
  });
  it('refuses a candidate below the bar and says by how much', () => {
    const d = decideGate({ ...base, candidate: 0.2015, champion: 0.2 });
    expect(d.promoted).toBe(false);
    expect(d.reason).toMatch(/^refused: candidate ndcg@10 0\.2015 < champion v3 0\.2000 x \(1 \+ 0\.01\) = 0\.2020; champion unchanged$/);
  });
  it('a negative threshold tolerates a worse candidate; -1 passes anything', () => {
    expect(decideGate({ ...base, minImprovement: -0.1, candidate: 0.19, champion: 0.2 }).promoted).toBe(true);
    expect(decideGate({ ...base, minImprovement: -1, candidate: 0, champion: 0.9 }).promoted).toBe(true);
  });
  it('without a comparable champion the candidate passes, and the reason says why', () => {
    const d = decideGate({ ...base, championVersion: 2, candidate: 0.1, champion: null, note: 'champion v2 cannot be compared' });
    expect(d).toMatchObject({ promoted: true, champion: null });
    expect(d.reason).toContain('champion v2 cannot be compared');
  });
});

describe('checkGateMetric', () => {
  it('accepts report metrics and names the choices otherwise', () => {
    expect(checkGateMetric('recall@20')).toBe('recall@20');
    expect(() => checkGateMetric('ndcg@7')).toThrow(/"ndcg@7" is not one of ndcg@5, ndcg@10/);
  });
});
