/**
 * `workbench serve` start-to-ready with a published model: the compiled CLI (dist/) against the
 * TypeScript sources through tsx (WORKBENCH_COMPILED=0), in turns, in the same run.
 *
 *   npx tsx bench/serve-start.ts [--models DIR --name NAME [--state DIR]] [--runs 5] [--workers 1]
 *
 * Without --models it trains and publishes a small ranker on the synthetic store first. Each run
 * spawns `node bin/workbench.js serve` on a free port, times the process from spawn to its "ready"
 * log line (the control variant's model loaded, verified and warmed up; "cluster ready" with
 * several workers), then stops it with SIGTERM. Prints each figure's median and the ratio.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trainAndPublish } from '../src/pipeline/train-publish.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    name: { type: 'string', default: 'bench' },
    /** The user state folder the model was trained with (copied, so runs start alike). */
    state: { type: 'string' },
    runs: { type: 'string', default: '5' },
    workers: { type: 'string', default: '1' },
  },
});
const runs = Number(values.runs);
const root = process.cwd();

function startToReady(compiled: boolean, modelsDir: string, stateDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const events = mkdtempSync(path.join(os.tmpdir(), 'bench-start-events-'));
    const args = ['bin/workbench.js', 'serve', '--models', modelsDir, '--name', values.name ?? 'bench', '--port', '0'];
    args.push('--state', stateDir, '--events', events, '--workers', values.workers ?? '1');
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, WORKBENCH_COMPILED: compiled ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let ms = Number.NaN;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (Number.isNaN(ms) && /"msg":"(cluster )?ready"/.test(out)) {
        ms = performance.now() - t0;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => {
      rmSync(events, { recursive: true, force: true });
      if (Number.isNaN(ms)) reject(new Error(`serve exited (${code}) before ready:\n${err || out}`));
      else resolve(ms);
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!existsSync(path.join(root, 'dist', '.build-stamp'))) throw new Error('dist/ is not built: run npm run build first');
  let modelsDir = values.models;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bench-start-state-'));
  if (values.state) cpSync(values.state, stateDir, { recursive: true });
  if (!modelsDir) {
    modelsDir = mkdtempSync(path.join(os.tmpdir(), 'bench-start-models-'));
    console.log('training and publishing a small ranker on the synthetic store ...');
    await trainAndPublish({
      data: { source: 'synthetic' },
      modelsDir,
      stateDir,
      name: values.name ?? 'bench',
      training: { epochs: 2, bootstrapResamples: 50 },
    });
  }
  const compiled: number[] = [];
  const sources: number[] = [];
  await startToReady(true, modelsDir, stateDir); // warm the file cache for both
  await startToReady(false, modelsDir, stateDir);
  for (let i = 0; i < runs; i++) {
    compiled.push(await startToReady(true, modelsDir, stateDir));
    sources.push(await startToReady(false, modelsDir, stateDir));
  }
  const fmt = (xs: number[]) =>
    `median ${(median(xs) / 1000).toFixed(2)} s (min ${(Math.min(...xs) / 1000).toFixed(2)}, max ${(Math.max(...xs) / 1000).toFixed(2)})`;
  console.log(`workbench serve start-to-ready, ${values.workers} worker(s), ${runs} runs each, ${os.cpus().length} cores:`);
  console.log(`  compiled (dist/):          ${fmt(compiled)}`);
  console.log(`  TypeScript sources (tsx):  ${fmt(sources)}`);
  console.log(`  compiled / sources: ${(median(compiled) / median(sources)).toFixed(2)}`);
  console.log(`  target <= 3 s (compiled): ${median(compiled) <= 3000 ? 'met' : 'NOT met'}`);
  if (!values.models) rmSync(modelsDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}

await main();
