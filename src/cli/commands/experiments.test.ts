import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLogWriter } from '../../data/eventlog-writer.js';
import type { InteractionEvent } from '../../data/schema.js';
import type { ExperimentReport } from '../../experiments/experiment-report.js';
import { main } from '../main.js';
import { type RecordingIO, recordingIO } from '../testing/recording-io.js';
import { parseTime } from './experiments.js';

function capture(cwd: string, env: NodeJS.ProcessEnv = {}): RecordingIO {
  return recordingIO(cwd, env);
}

const TS = Date.UTC(2026, 4, 1, 9);

/** The experiment file: control (weight `controlWeight`) against treatment (weight 1). */
function writeConfig(file: string, controlWeight: number): void {
  const variants = [
    { name: 'control', weight: controlWeight, alias: 'champion' },
    { name: 'treatment', weight: 1, alias: 'challenger' },
  ];
  writeFileSync(file, JSON.stringify({ id: 'cli-exp', salt: 's', variants }));
}

async function setup(): Promise<{ root: string; config: string; events: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cli-exp-'));
  const config = path.join(root, 'exp.json');
  writeConfig(config, 1);
  const events = path.join(root, 'data', 'events');
  const w = new EventLogWriter(events);
  const rows: InteractionEvent[] = [];
  for (let u = 0; u < 40; u++) {
    const variant = u % 2 ? 'treatment' : 'control';
    for (let p = 0; p < 3; p++)
      rows.push({ type: 'impression', userId: `u${u}`, itemId: `i${p}`, requestId: `r${u}`, position: p, variant, ts: TS });
    if (u % 3 === 0) rows.push({ type: 'click', userId: `u${u}`, itemId: 'i0', requestId: `r${u}`, position: 0, ts: TS + 5 });
  }
  await w.append(rows);
  await w.close();
  return { root, config, events };
}

describe('workbench experiments', () => {
  it('report --json prints the report computed from the event log', async () => {
    const { root, config } = await setup();
    const io = capture(root);
    expect(await main(['experiments', 'report', 'cli-exp', '--config', config, '--events', 'data/events', '--json'], io)).toBe(0);
    const r = JSON.parse(io.stdout.join('\n')) as ExperimentReport;
    expect(r.experimentId).toBe('cli-exp');
    expect(r.variants.map((v) => [v.name, v.users, v.impressions])).toEqual([
      ['control', 20, 60],
      ['treatment', 20, 60],
    ]);
    expect(r.variants[0].clicks + r.variants[1].clicks).toBe(14);
    expect(r.srm?.mismatch).toBe(false);
  });

  it('report finds the config through WORKBENCH_EXPERIMENT and prints text; honours --since', async () => {
    const { root, config } = await setup();
    const io = capture(root, { WORKBENCH_EXPERIMENT: config, WORKBENCH_EVENTS_DIR: 'data/events' });
    expect(await main(['experiments', 'report'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/Experiment cli-exp/);
    expect(text).toMatch(/treatment vs control/);
    const later = capture(root, { WORKBENCH_EXPERIMENT: config, WORKBENCH_EVENTS_DIR: 'data/events' });
    expect(await main(['experiments', 'report', '--since', '2026-05-02', '--json', '--no-state'], later)).toBe(0);
    expect((JSON.parse(later.stdout.join('\n')) as ExperimentReport).variants[0].impressions).toBe(0);
  });

  it('validate shows the split, then drift once the config changes', async () => {
    const { root, config } = await setup();
    const io = capture(root);
    expect(await main(['experiments', 'validate', '--config', config, '--events', 'data/events'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/control\s+50\.0%\s+alias champion\s+\(control\)/);
    // A report records the first-seen config; a changed config then shows as drift.
    expect(await main(['experiments', 'report', '--config', config, '--events', 'data/events', '--json'], capture(root))).toBe(0);
    writeConfig(config, 3);
    const again = capture(root);
    expect(await main(['experiments', 'validate', '--config', config, '--events', 'data/events'], again)).toBe(0);
    expect(again.stdout.join('\n')).toMatch(/warning: weights changed .*control 50% -> 75%/);
  });

  it('exits 2 for bad usage and 1 for a missing config, with one clear line', async () => {
    const { root, config } = await setup();
    const io = capture(root);
    expect(await main(['experiments', 'compare'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/unknown experiments subcommand "compare"; use one of report, validate, ope, served-features/);
    expect(await main(['experiments', 'report', '--config', config, '--since', 'last tuesday'], io)).toBe(2);
    expect(io.stderr.at(-1)).toMatch(/--since "last tuesday" is not a time/);
    expect(await main(['experiments', 'report', 'other', '--config', config], io)).toBe(2);
    expect(await main(['experiments', 'report', 'nope'], capture(root))).toBe(1);
    const missing = capture(root);
    await main(['experiments', 'report', 'nope'], missing);
    expect(missing.stderr.join('\n')).toMatch(/no config for experiment "nope".*experiments\/nope\.json/);
  });

  it('parses times as ISO or epoch ms', () => {
    expect(parseTime('since', '2026-05-01')).toBe(Date.UTC(2026, 4, 1));
    expect(parseTime('since', '1700000000000')).toBe(1_700_000_000_000);
    expect(parseTime('since', undefined)).toBeUndefined();
  });
});
