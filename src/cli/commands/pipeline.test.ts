import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { type RecordingIO, recordingIO } from '../testing/recording-io.js';
import { runsDir } from './pipeline.js';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'cli-pipeline-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function capture(env: NodeJS.ProcessEnv = {}): RecordingIO {
  return recordingIO(cwd, env);
}

describe('workbench pipeline', () => {
  it('rejects bad usage with exit 2 and one line naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['pipeline'], /missing pipeline subcommand; use one of run, schedule, history/],
      [['pipeline', 'rerun'], /unknown pipeline subcommand "rerun"/],
      [['pipeline', 'run'], /--name is required/],
      [['pipeline', 'run', '--name', 'm', '--policy', 'always'], /--policy "always" is not challenger or champion/],
      [['pipeline', 'run', '--name', 'm', '--min-improvement', 'lots'], /--min-improvement "lots" is not a number/],
      [['pipeline', 'run', '--name', 'm', '--gate-metric', 'ndcg@3'], /gate metric "ndcg@3" is not one of/],
      [['pipeline', 'run', '--name', 'm', '--train-from', 'logs'], /--train-from "logs" is not one of recomputed, served, both/],
      [
        ['pipeline', 'run', '--name', 'm', '--models', 's3://bucket/reg'],
        /--models s3:\/\/bucket\/reg: the pipeline publishes into a local models folder only/,
      ],
      [['pipeline', 'schedule', '--name', 'm'], /--every is required/],
      [['pipeline', 'schedule', '--name', 'm', '--every', 'often'], /"often" is not a duration/],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(message);
    }
  });

  it('resolves --runs from flag, WORKBENCH_RUNS_DIR, then ./runs', () => {
    expect(runsDir('r', capture())).toBe(path.join(cwd, 'r'));
    expect(runsDir(undefined, capture({ WORKBENCH_RUNS_DIR: '/x/runs' }))).toBe('/x/runs');
    expect(runsDir(undefined, capture())).toBe(path.join(cwd, 'runs'));
  });

  it('runs once (--json record), fails with exit 1 on a bad path, and lists both in history', async () => {
    const run = capture();
    const args = ['--name', 'cli', '--models', 'm', '--events', 'e', '--runs', 'r', '--epochs', '1', '--max-train-users', '200'];
    expect(await main(['pipeline', 'run', ...args, '--json'], run)).toBe(0);
    const out = JSON.parse(run.stdout.join('\n')) as { record: { status: string; published: { version: number; aliases: string[] } } };
    expect(out.record).toMatchObject({ status: 'succeeded', published: { version: 1, aliases: ['champion'] } });
    expect(run.stderr.join('\n')).toMatch(/gate: no champion to compare with/);

    const bad = capture();
    const missing = path.join(cwd, 'nope.csv');
    expect(await main(['pipeline', 'run', ...args, '--source', 'online-retail', '--path', missing], bad)).toBe(1);
    expect(bad.stderr.at(-1)).toMatch(new RegExp(`workbench pipeline: pipeline run .* for model "cli" failed: .*${missing}`));

    const text = capture();
    expect(await main(['pipeline', 'history', '--runs', 'r'], text)).toBe(0);
    expect(text.stdout[0]).toMatch(/^started\s+model\s+status\s+events\s+metric\s+gate\s+version\s+duration$/);
    expect(text.stdout[1]).toMatch(/cli\s+succeeded\s+0\s+ndcg@10 0\.\d{4}\s+passed\s+v1 champion\s+\d+\.\d s/);
    expect(text.stdout[2]).toMatch(/cli\s+failed\s.*file not found: .*nope\.csv$/);

    const json = capture();
    expect(await main(['pipeline', 'history', '--runs', 'r', '--name', 'other', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout.join('\n'))).toMatchObject({ runs: [], unreadable: [] });
  }, 180_000); // a whole pipeline run on the default store: ~30 s alone, over 60 s on a busy machine
});
