/**
 * The A/B end-to-end run, exactly as a user would do it with the CLI:
 *   1. train the TF.js ranker and the popularity baseline on the synthetic store and publish both;
 *   2. champion = popularity, challenger = ranker; serve with a 50/50 experiment;
 *   3. play 2,000 simulated shoppers (position-biased clicks from the store's TRUE affinities);
 *   4. print the experiment report next to the offline evaluation.
 * Run: npx tsx bench/ab-e2e.ts [--users 2000] [--port 18090]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { users: { type: 'string', default: '2000' }, port: { type: 'string', default: '18090' } } });
const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'workbench.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'ab-e2e-'));
const models = path.join(work, 'models');
const events = path.join(work, 'events');
const url = `http://127.0.0.1:${values.port}`;

function wb(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`workbench ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

const trained = JSON.parse(
  wb(['train', '--source', 'synthetic', '--name', 'store', '--kind', 'ltr-mlp', '--kind', 'popularity', '--models', models, '--json']),
) as {
  published: { kind: string; version: number }[];
  report: { models: { name: string; metrics: Record<string, { mean: number; lo: number; hi: number }> }[] };
};
const version = (kind: string) => trained.published.find((p) => p.kind === kind)?.version;
wb(['models', 'promote', 'store', String(version('popularity')), '--alias', 'champion', '--models', models]);
wb(['models', 'promote', 'store', String(version('ltr-mlp')), '--alias', 'challenger', '--models', models]);
const experiment = path.join(work, 'experiment.json');
writeFileSync(experiment, readFileSync(path.join(root, 'experiments', 'ranker-vs-popularity.json')));

const server: ChildProcess = spawn(
  process.execPath,
  [cli, 'serve', '--models', models, '--name', 'store', '--events', events, '--experiment', experiment, '--port', values.port],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (i > 120) throw new Error('the service did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }
  const report = wb(['simulate', '--url', url, '--users', values.users, '--seed', '42', '--config', experiment, '--events', events]);
  console.log(report);
  console.log('Offline (test window, NDCG@10 and Recall@10 over the full catalogue):');
  for (const m of trained.report.models.filter((x) => x.name === 'popularity' || x.name === 'ltr-mlp')) {
    const f = (k: string) => `${m.metrics[k].mean.toFixed(3)} [${m.metrics[k].lo.toFixed(3)}, ${m.metrics[k].hi.toFixed(3)}]`;
    console.log(`  ${m.name.padEnd(12)} ndcg@10 ${f('ndcg@10')}  recall@10 ${f('recall@10')}`);
  }
} finally {
  server.kill('SIGTERM');
}
