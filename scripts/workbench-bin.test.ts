/**
 * bin/workbench.js chooses between the compiled tree (dist/) and the TypeScript sources: this
 * runs the real launcher in a throw-away project whose two trees each say which one ran.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let root: string;

const entry = (which: string) =>
  `export async function runWorkbench(argv) { process.stdout.write('${which} ' + argv.join(' ') + '\\n'); return 0; }\n`;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'workbench-bin-'));
  mkdirSync(path.join(root, 'bin'));
  cpSync(path.join(process.cwd(), 'bin', 'workbench.js'), path.join(root, 'bin', 'workbench.js'));
  writeFileSync(path.join(root, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(path.join(process.cwd(), 'node_modules'), path.join(root, 'node_modules'));
  mkdirSync(path.join(root, 'serve', 'cli'), { recursive: true });
  mkdirSync(path.join(root, 'src'));
  writeFileSync(path.join(root, 'serve', 'cli', 'commands.ts'), entry('sources'));
  writeFileSync(path.join(root, 'src', 'paths.ts'), 'export const x = 1;\n');
  mkdirSync(path.join(root, 'dist', 'serve', 'cli'), { recursive: true });
  mkdirSync(path.join(root, 'dist', 'src'));
  writeFileSync(path.join(root, 'dist', 'serve', 'cli', 'commands.js'), entry('compiled'));
  writeFileSync(
    path.join(root, 'dist', 'src', 'paths.js'),
    "export function setCodeRoot(dir) { process.stdout.write('code root ' + dir + '\\n'); }\n",
  );
  const past = new Date(Date.now() - 60_000);
  for (const f of ['serve/cli/commands.ts', 'src/paths.ts']) utimesSync(path.join(root, f), past, past);
  writeFileSync(path.join(root, 'dist', '.build-stamp'), 'now\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WORKBENCH_')));
  return spawnSync(process.execPath, [path.join(root, 'bin', 'workbench.js'), 'doctor', '--json'], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
}

describe('bin/workbench.js', () => {
  it('runs dist/ while it is fresh, and tells the compiled code where its plugin folders are', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`code root ${path.join(root, 'dist')}\ncompiled doctor --json\n`);
  });

  it('runs the sources when asked, when WORKBENCH_MODEL_KINDS names modules, and when a source is newer', () => {
    expect(run({ WORKBENCH_COMPILED: '0' }).stdout).toBe('sources doctor --json\n');
    expect(run({ WORKBENCH_MODEL_KINDS: './kinds.mts' }).stdout).toBe('sources doctor --json\n');
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'src', 'paths.ts'), future, future);
    expect(run().stdout).toBe('sources doctor --json\n');
    const forced = run({ WORKBENCH_COMPILED: '1' });
    expect(forced.status).toBe(2);
    expect(forced.stderr).toBe('workbench: WORKBENCH_COMPILED=1 but a source file is newer than dist/ (npm run build)\n');
  });
});
