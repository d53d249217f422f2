/**
 * `npm run notebook` for real: Jupyter starts (as root too, where it refuses without
 * --allow-root) and its default kernel for new notebooks is the project's tslab kernel.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingJupyter } from '../src/notebook/jupyter.js';
import { PROJECT_ROOT } from '../src/paths.js';

const { jupyterArgs } = createRequire(import.meta.url)('./notebook.cjs') as {
  jupyterArgs: (app: string, o?: { uid?: number; extra?: string[] }) => string[];
};
const dir = mkdtempSync(path.join(tmpdir(), 'npm-notebook-'));
let child: ChildProcess | undefined;

beforeAll(() => {
  const missing = missingJupyter();
  if (missing) throw new Error(`npm run notebook needs Jupyter: ${missing}`);
});
afterAll(() => {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run notebook', () => {
  it('passes --allow-root only to root, and always preselects the tslab kernel', () => {
    expect(jupyterArgs('notebook', { uid: 0 })).toContain('--allow-root');
    expect(jupyterArgs('notebook', { uid: 1000 })).not.toContain('--allow-root');
    expect(jupyterArgs('lab', { uid: 1000, extra: ['--no-browser'] })).toEqual([
      'lab',
      `--notebook-dir=${path.join(PROJECT_ROOT, 'notebooks')}`,
      '--MappingKernelManager.default_kernel_name=tslab',
      '--no-browser',
    ]);
  });

  it('starts Jupyter, whose default kernel is tslab', async () => {
    const port = 20_000 + (process.pid % 20_000);
    child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'scripts', 'notebook.cjs'), '--no-browser', `--port=${port}`, '--ip=127.0.0.1'],
      {
        // Runtime files (server info, cookie secret) go to the temporary folder.
        env: { ...process.env, JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'), JUPYTER_DATA_DIR: path.join(dir, 'data') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Jupyter did not print its URL within 60 s:\n${log}`)), 60_000);
      const onData = (b: Buffer) => {
        log += b.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)\S*\?token=([0-9a-f]+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(`${m[1]}api/kernelspecs?token=${m[2]}`);
        }
      };
      child?.stdout?.on('data', onData);
      child?.stderr?.on('data', onData);
      child?.on('exit', (code) => reject(new Error(`Jupyter exited with ${code}:\n${log}`)));
    });
    const specs = (await (await fetch(url)).json()) as { default: string; kernelspecs: Record<string, unknown> };
    expect(specs.default).toBe('tslab');
    expect(Object.keys(specs.kernelspecs)).toContain('tslab');
  }, 90_000);
});
