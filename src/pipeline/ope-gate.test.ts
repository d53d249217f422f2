import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogWriter } from '../data/eventlog-writer.js';
import { decideOpeGate, offPolicyGate } from './ope-gate.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'ope-gate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the off-policy gate', () => {
  it('passes a candidate at most `margin` below the champion and refuses one further below', () => {
    const champion = { mean: 0.05, lo: 0.045, hi: 0.055 };
    const pass = decideOpeGate({ mean: 0.048, lo: 0.03, hi: 0.06 }, champion, 0.05, 'dr', 300);
    expect(pass).toMatchObject({ promoted: true, estimator: 'dr', margin: 0.05, effectiveSampleSize: 300 });
    expect(pass.reason).toBe('off-policy CTR (dr) 4.80% >= champion 5.00% x (1 - 0.05) = 4.75%');
    const refuse = decideOpeGate({ mean: 0.047, lo: 0.03, hi: 0.06 }, champion, 0.05, 'snips', 300);
    expect(refuse.promoted).toBe(false);
    expect(refuse.reason).toMatch(/^refused: off-policy CTR \(snips\) 4\.70% < champion 5\.00%/);
  });

  it('refuses when the logs carry no propensities (exploration off), saying so', async () => {
    const eventsDir = path.join(root, 'events');
    const log = new EventLogWriter(eventsDir);
    await log.append(
      ['a', 'b'].map((itemId, position) => ({
        type: 'impression' as const,
        userId: 'u1',
        itemId,
        ts: 1_700_000_000_000,
        requestId: 'r1',
        position,
      })),
    );
    await log.close();
    const d = await offPolicyGate(
      { modelsDir: path.join(root, 'models'), name: 'shop', eventsDir },
      { candidate: 2, champion: 1 },
      { margin: 0.05 },
    );
    expect(d.promoted).toBe(false);
    expect(d.candidate).toBeNull();
    expect(d.reason).toMatch(/^refused: no off-policy estimate possible .*none of its 2 impressions \(1 requests\) carries a propensity/);
  });
});
