import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLogWriter } from '../data/eventlog-writer.js';
import type { InteractionEvent } from '../data/schema.js';
import { Rng } from '../util/random.js';
import { deltaCompare, twoProportionTest } from './ab-statistics.js';
import type { Experiment } from './assignment.js';
import { experimentReport, reportFromKpis, reportToText, specOf } from './experiment-report.js';
import { kpisFromEvents } from './kpi.js';

const TS = Date.UTC(2026, 3, 1, 12);

const exp: Experiment = {
  id: 'ltr-test',
  salt: 'abc',
  variants: [
    { name: 'control', weight: 50, alias: 'champion' },
    { name: 'treatment', weight: 50, alias: 'challenger' },
  ],
};

/** `users` users per variant, each with one request of 5 items; CTR per position differs by variant. */
function simulate(users: Record<string, number>, ctr: Record<string, number>, seed = 3): InteractionEvent[] {
  const rng = new Rng(seed);
  const events: InteractionEvent[] = [];
  for (const [variant, n] of Object.entries(users)) {
    for (let u = 0; u < n; u++) {
      const userId = `${variant}-u${u}`;
      const requestId = `${variant}-r${u}`;
      for (let position = 0; position < 5; position++) {
        const itemId = `i${position}`;
        events.push({ type: 'impression', userId, itemId, requestId, position, variant, ts: TS });
        if (rng.chance(ctr[variant] / (position + 1))) {
          events.push({ type: 'click', userId, itemId, requestId, position, variant, ts: TS + 1 });
          if (rng.chance(0.3)) events.push({ type: 'purchase', userId, itemId, requestId, ts: TS + 2 });
        }
      }
    }
  }
  return events;
}

async function writeLog(events: readonly InteractionEvent[]): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'report-')), 'events');
  const w = new EventLogWriter(dir);
  await w.append(events);
  await w.close();
  return dir;
}

describe('experimentReport', () => {
  it('flags a sample ratio mismatch (5,300 vs 4,700 on 50/50) and reports KPIs with intervals', async () => {
    const dir = await writeLog(simulate({ control: 5300, treatment: 4700 }, { control: 0.2, treatment: 0.2 }));
    const r = await experimentReport(dir, exp, { now: TS });
    expect(r.srm).toMatchObject({
      observed: { control: 5300, treatment: 4700 },
      expected: { control: 5000, treatment: 5000 },
      mismatch: true,
    });
    expect(r.srm?.chiSquare).toBeCloseTo(36, 8);
    expect(r.warnings[0]).toMatch(/^SAMPLE RATIO MISMATCH: users per variant control 5300 \(expected 5000\)/);
    const [c] = r.variants;
    expect(c).toMatchObject({ name: 'control', share: 0.5, target: 'alias champion', users: 5300, requests: 5300, impressions: 26_500 });
    expect(c.ctr.value).toBeCloseTo(c.clicks / c.impressions, 12);
    expect(c.ctr.lower!).toBeLessThan(c.ctr.value!);
    expect(c.ctrClustered.upper!).toBeGreaterThan(c.ctrClustered.value!);
    expect(c.byPosition).toHaveLength(5);
    expect(c.byPosition[0].ctr.value!).toBeGreaterThan(c.byPosition[4].ctr.value!);
    // JSON-serialisable: nothing lost in a round trip.
    expect(JSON.parse(JSON.stringify(r))).toStrictEqual(r);
  });

  it('does not flag a fair split, and its comparisons use the stated tests', async () => {
    const events = simulate({ control: 2000, treatment: 2000 }, { control: 0.15, treatment: 0.2 });
    const dir = await writeLog(events);
    const r = await experimentReport(dir, exp, { stateFile: false });
    expect(r.srm?.mismatch).toBe(false);
    expect(r.warnings.filter((w) => /MISMATCH/.test(w))).toEqual([]);
    const cmp = r.comparisons[0];
    expect(cmp).toMatchObject({ variant: 'treatment', control: 'control' });
    const [c, t] = r.variants;
    const delta = cmp.metrics.find((m) => m.metric === 'ctr' && m.method === 'delta')!;
    const kpis = kpisFromEvents(events, { variants: ['control', 'treatment'] });
    const expected = deltaCompare(kpis.variants[0].moments.click, kpis.variants[1].moments.click);
    expect(delta.difference).toBeCloseTo(expected.difference, 12);
    expect(delta.pValue).toBeCloseTo(expected.pValue, 12);
    // A 33% CTR lift on 4,000 users is detected.
    expect(delta.significant).toBe(true);
    const naive = cmp.metrics.find((m) => m.metric === 'ctr' && m.method === 'two-proportion')!;
    expect(naive.z).toBeCloseTo(twoProportionTest(c.clicks, c.impressions, t.clicks, t.impressions).z, 12);
    const buying = cmp.metrics.find((m) => m.metric === 'purchase_conversion')!;
    expect(buying).toMatchObject({ method: 'two-proportion', unit: 'user' });
  });

  it('warns about config drift recorded next to the event log', async () => {
    const dir = await writeLog(simulate({ control: 50, treatment: 50 }, { control: 0.2, treatment: 0.2 }));
    expect((await experimentReport(dir, exp)).warnings.join('\n')).not.toMatch(/changed/);
    const moved: Experiment = {
      ...exp,
      variants: [
        { ...exp.variants[0], weight: 80 },
        { ...exp.variants[1], weight: 20 },
      ],
    };
    const r = await experimentReport(dir, moved);
    expect(r.warnings.join('\n')).toMatch(/weights changed .*control 50% -> 80%/);
  });

  it('reports an empty log without failing, naming variants without data', async () => {
    const r = await experimentReport(path.join(os.tmpdir(), 'no-events-here-xyz'), exp, { stateFile: false });
    expect(r.variants.map((v) => v.users)).toEqual([0, 0]);
    expect(r.variants[0].ctr).toEqual({ value: null, lower: null, upper: null });
    expect(r.warnings).toContain('variant control has no impressions yet');
    expect(reportToText(r)).toMatch(/Experiment ltr-test/);
  });
});

describe('reportFromKpis / reportToText', () => {
  it('skips SRM without weights and renders every section', () => {
    const events = simulate({ control: 300, treatment: 300 }, { control: 0.2, treatment: 0.3 });
    const r = reportFromKpis(kpisFromEvents(events), { id: 'tally', variants: [{ name: 'control' }, { name: 'treatment' }] });
    expect(r.srm).toBeNull();
    expect(r.source).toEqual({ kind: 'client-tally' });
    const text = reportToText(r);
    expect(text).toMatch(/treatment vs control/);
    expect(text).toMatch(/CTR \(delta, users\)/);
    expect(text).toMatch(/CTR by position/);
    expect(text).toMatch(/Sample ratio: not checked/);
  });

  it('uses the first configured variant as the control', () => {
    const events = simulate({ control: 100, treatment: 100 }, { control: 0.2, treatment: 0.3 });
    const flipped = { ...exp, variants: [...exp.variants].reverse() };
    const r = reportFromKpis(kpisFromEvents(events), specOf(flipped));
    expect(r.control).toBe('treatment');
    expect(r.comparisons.map((c) => c.variant)).toEqual(['control']);
  });
});
