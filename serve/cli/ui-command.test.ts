/** `workbench ui` for real: it serves the pages over the folders it is given, and refuses bad flags. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/context.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { runWorkbench } from './commands.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ui-command-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('workbench ui', () => {
  it('refuses a bad --port or --service, naming the flag and value', async () => {
    const err: string[] = [];
    const io: CliIO = { out: () => {}, err: (l) => err.push(l), env: {}, cwd: dir };
    expect(await runWorkbench(['ui', '--port', 'http'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--port must be an integer from 0 to 65535 \(got "http"\)/);
    expect(await runWorkbench(['ui', '--service', 'nope'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--service must be a URL .* \(got "nope"\)/);
  });

  it('serves the pages over the given folders without a service', async () => {
    child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'workbench.js'), 'ui', '--models', 'm', '--runs', 'r', '--events', 'e', '--port', '0'],
      {
        cwd: dir,
        env: { ...process.env, WORKBENCH_ADMIN_TOKEN: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s:\n${log}`)), 60_000);
      child?.stderr?.on('data', (b: Buffer) => {
        log += b.toString();
        const m = /workbench ui: (http:\/\/\S+)\/ui /.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child?.on('exit', (code) => reject(new Error(`exited ${code}:\n${log}`)));
    });
    expect(log).toContain(`models ${path.join(dir, 'm')}`);
    const models = await fetch(`${url}/ui/models`);
    expect(models.status).toBe(200);
    expect(await models.text()).toContain('No models published yet');
    const live = await (await fetch(`${url}/ui/live`)).text();
    expect(live).toContain('This browser reads folders, not a running service');
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
  }, 90_000);
});
