import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { type RecordingIO, recordingIO } from '../testing/recording-io.js';

function capture(cwd: string): RecordingIO {
  return recordingIO(cwd, {});
}

describe('workbench eval', () => {
  it('on the synthetic store reports every model on the test purchases AND against the true affinities', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-eval-'));
    const io = capture(dir);
    const code = await main(
      ['eval', '--source', 'synthetic', '--epochs', '1', '--max-train-users', '400', '--out', 'report.md', '--json'],
      io,
    );
    expect(code, io.stderr.join('\n')).toBe(0);
    const out = JSON.parse(io.stdout.join('\n'));
    const names = ['popularity', 'repeat', 'cooccurrence', 'attributes', 'item-knn', 'bpr', 'ltr-mlp'];
    expect(out.report.models.map((m: { name: string }) => m.name)).toEqual(names);
    expect(out.truth.models.map((m: { name: string }) => m.name)).toEqual(names);
    expect(out.truth.comparisons).toHaveLength(6);
    expect(out.truth.users).toBeGreaterThan(out.report.users);
    const markdown = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(markdown).toContain('Against the best baseline on ndcg@10');
    expect(markdown).toMatch(/Against the TRUE affinities \(every user with history before \d{4}-\d\d-\d\d, 600 items/);
    expect(markdown).toMatch(/- ltr-mlp vs attributes: top-20 [+-]0\.\d{3}/);
    expect(markdown).toMatch(/\| item-knn \(baseline\) \| \d+ \| 0\.\d{3}/);
    expect(markdown).toMatch(/\| bpr \(baseline\) \| \d+ \| 0\.\d{3}/);
  }, 120_000);
});
