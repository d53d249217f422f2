/**
 * The synthetic store generator as it was before it stopped building users x items, as the
 * baseline of bench/synthetic-store.ts, bench/synthetic-compare.ts and
 * bench/synthetic-truth-seeds.ts. It is read from git history (src/data/synthetic.ts at 1805f7e),
 * not kept as a second copy in the tree: a dense users x items affinity matrix and a catalogue
 * scan in every session, so O(users x items). Its imports are pointed at today's sources.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SyntheticDataset, SyntheticOptions } from '../src/data/synthetic-store.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { withSourceImports } from '../src/util/testing/readme-code.js';

/** The commit and path of the legacy generator. */
export const LEGACY_SOURCE = { commit: '1805f7e', file: 'src/data/synthetic.ts' } as const;

/** The legacy `generateSyntheticStore`, loaded from git history; throws naming the commit when the checkout lacks it. */
export async function legacySyntheticGenerator(): Promise<(opts?: SyntheticOptions) => SyntheticDataset> {
  let code: string;
  try {
    code = execFileSync('git', ['show', `${LEGACY_SOURCE.commit}:${LEGACY_SOURCE.file}`], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    throw new Error(
      `the legacy baseline is ${LEGACY_SOURCE.file} at commit ${LEGACY_SOURCE.commit}, which this checkout does not hold (a shallow clone? git fetch --unshallow): ${String(err)}`,
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'synthetic-legacy-'));
  const file = path.join(dir, 'synthetic-legacy.mts');
  writeFileSync(file, withSourceImports(code, path.join(PROJECT_ROOT, 'src', 'data')));
  try {
    const mod = (await import(pathToFileURL(file).href)) as { generateSyntheticStore: (opts?: SyntheticOptions) => SyntheticDataset };
    return mod.generateSyntheticStore;
  } finally {
    rmSync(dir, { recursive: true, force: true }); // imported: the module no longer needs its file
  }
}
