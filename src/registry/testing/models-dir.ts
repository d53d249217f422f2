/**
 * Test support for the registry's tests (not used by product code): throw-away models
 * directories and a minimal valid publish input.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths.js';
import type { PublishInput, PublishManifest } from '../publish.js';

/** A fresh empty directory under the OS temp dir, and a function removing it. */
export async function tempModelsDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'workbench-registry-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A valid manifest for a popularity-style model (gitCommit fixed so no git process runs). */
export function sampleManifest(overrides: Partial<PublishManifest> = {}): PublishManifest {
  return {
    kind: 'popularity',
    featureContract: { names: ['pop'] },
    metrics: { 'ndcg@10': 0.25 },
    lineage: { data: { source: 'synthetic' }, params: { halfLifeDays: 7 }, seed: 1, gitCommit: null, producer: 'test' },
    warmup: 'warmup.json',
    ...overrides,
  };
}

/** A small publish input: a JSON table (tagged with `tag`, so versions differ) and warm-up requests. */
export function sampleInput(tag: number | string = 0, overrides: Partial<PublishManifest> = {}): PublishInput {
  return {
    files: {
      'tables/popularity.json': JSON.stringify({ tag, items: ['a', 'b', 'c'], counts: [3, 2, 1] }),
      'warmup.json': JSON.stringify([{ userId: 'u1', k: 3 }]),
    },
    manifest: sampleManifest(overrides),
  };
}

/** Runs registry-child.ts in a fresh Node process; resolves with its exit code, signal and output. */
export function runChild(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', path.join('src', 'registry', 'testing', 'registry-child.ts'), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
