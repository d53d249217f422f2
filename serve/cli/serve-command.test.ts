import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RecordingIO, recordingIO } from '../../src/cli/testing/recording-io.js';
import { startServeProcess } from '../../src/cli/testing/serve-process.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { publishVersion } from '../../src/registry/publish.js';
import { sampleInput, tempModelsDir } from '../../src/registry/testing/models-dir.js';
import { runWorkbench } from './commands.js';
import { serveConfig } from './serve-command.js';

function io(env: NodeJS.ProcessEnv = {}): RecordingIO {
  return recordingIO('/proj', env);
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('workbench serve configuration', () => {
  it('takes flags over environment over defaults', async () => {
    const env = {
      WORKBENCH_MODEL_NAME: 'demo',
      WORKBENCH_PORT: '9000',
      WORKBENCH_HOST: '0.0.0.0',
      WORKBENCH_CORS_ORIGINS: 'https://a.example, https://b.example',
    };
    const fromEnv = await serveConfig([], io(env));
    expect(fromEnv).toMatchObject({
      modelName: 'demo',
      port: 9000,
      host: '0.0.0.0',
      corsOrigins: ['https://a.example', 'https://b.example'],
      pollIntervalMs: 2000,
      logExposures: true,
    });
    expect(fromEnv.modelsDir).toBe('/proj/models');
    expect(fromEnv.eventsDir).toBe('/proj/data/events');
    const fromFlags = await serveConfig(
      ['--name', 'other', '--port', '0', '--host', '::1', '--models', 'm', '--events', 'e', '--workers', '2', '--no-exposures'],
      io(env),
    );
    expect(fromFlags).toMatchObject({
      modelName: 'other',
      port: 0,
      host: '::1',
      modelsDir: '/proj/m',
      eventsDir: '/proj/e',
      workers: 2,
      logExposures: false,
    });
    expect((await serveConfig([], io({ ...env, WORKBENCH_LOG_EXPOSURES: '0' }))).logExposures).toBe(false);
  });

  it('bounds event times to 7 days back and 1 hour ahead unless told otherwise', async () => {
    const env = { WORKBENCH_MODEL_NAME: 'demo' };
    expect((await serveConfig([], io(env))).eventTimeWindow).toEqual({ maxAgeMs: 7 * 86_400_000, maxFutureMs: 3_600_000 });
    const fromEnv = await serveConfig([], io({ ...env, WORKBENCH_EVENT_MAX_AGE: '30d', WORKBENCH_EVENT_MAX_FUTURE: '0' }));
    expect(fromEnv.eventTimeWindow).toEqual({ maxAgeMs: 30 * 86_400_000, maxFutureMs: 0 });
    const fromFlags = await serveConfig(
      ['--event-max-age', '12h', '--event-max-future', '5m'],
      io({ ...env, WORKBENCH_EVENT_MAX_AGE: '30d' }),
    );
    expect(fromFlags.eventTimeWindow).toEqual({ maxAgeMs: 12 * 3_600_000, maxFutureMs: 5 * 60_000 });
  });

  it('picks the only model in the directory, and refuses to guess among several', async () => {
    const { dir, cleanup } = await tempModelsDir();
    cleanups.push(cleanup);
    await expect(serveConfig(['--models', dir], io())).rejects.toThrow(/no models in/);
    await publishVersion(dir, 'alpha', sampleInput(1));
    expect((await serveConfig(['--models', dir], io())).modelName).toBe('alpha');
    await publishVersion(dir, 'beta', sampleInput(1));
    await expect(serveConfig(['--models', dir], io())).rejects.toThrow(/several models \(alpha, beta\)/);
  });

  it.each([
    [['--port', '70000'], /--port must be an integer from 0 to 65535 \(got "70000"\)/],
    [['--port', 'http'], /--port/],
    [['--workers', '0'], /--workers/],
    [['--poll-ms', '-5'], /--poll-ms/],
    [['--event-max-age', 'week'], /--event-max-age must be a duration/],
    [['--bogus'], /bogus/],
  ])('exits 2 for %j, naming the flag', async (argv, message) => {
    const out = io({ WORKBENCH_MODEL_NAME: 'demo' });
    expect(await runWorkbench(['serve', ...argv], out)).toBe(2);
    expect(out.stderr.join('\n')).toMatch(message);
  });
});

/** Runs `workbench ARGS` to its exit (killed after `limitMs`, reported as code null). */
function runCli(args: string[], limitMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'workbench.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('workbench serve at start', () => {
  it('exits 1 with one clear line when the port is taken (cluster mode too), instead of hanging', async () => {
    const { dir, cleanup } = await tempModelsDir();
    cleanups.push(cleanup);
    await publishVersion(dir, 'demo', sampleInput(1));
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const { port } = busy.address() as net.AddressInfo;
    try {
      for (const workers of ['2', '1']) {
        const r = await runCli(['serve', '--models', dir, '--port', String(port), '--workers', workers], 20_000);
        expect({ workers, code: r.code }).toEqual({ workers, code: 1 });
        expect(r.stderr.trim().split('\n')).toEqual([
          `workbench: port ${port} on 127.0.0.1 is already in use (another workbench serve?); stop it or choose --port`,
        ]);
        expect(r.stdout).not.toMatch(/EADDRINUSE/);
      }
    } finally {
      busy.close();
    }
  });

  it('exits 1 naming a model with no published versions, unless --wait', async () => {
    const { dir, cleanup } = await tempModelsDir();
    cleanups.push(cleanup);
    await publishVersion(dir, 'demo', sampleInput(1));
    const out = io();
    expect(await runWorkbench(['serve', '--models', dir, '--name', 'demmo', '--port', '0', '--workers', '1'], out)).toBe(1);
    expect(out.stderr.join('\n')).toMatch(/model "demmo" has no published versions in .* \(models there: demo\); .*--wait/);
    const cfg = await serveConfig(['--models', dir, '--name', 'demmo', '--wait'], io());
    expect(cfg.wait).toBe(true);
  });
});

describe('workbench serve (process)', () => {
  it('starts on the models directory, reports state over HTTP, and exits 0 on SIGTERM', async () => {
    const { dir, cleanup } = await tempModelsDir();
    cleanups.push(cleanup);
    await publishVersion(dir, 'demo', sampleInput(1));
    const events = mkdtempSync(path.join(os.tmpdir(), 'serve-cli-'));
    cleanups.push(async () => rmSync(events, { recursive: true, force: true }));
    const srv = await startServeProcess(['--models', dir, '--events', events, '--workers', '1'], {}, { startTimeoutMs: 30_000 });
    const { url, lines } = srv;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const deadline = Date.now() + 20_000;
    let status: { model_version_status: { version: number; state: string }[] } = { model_version_status: [] };
    while (Date.now() < deadline) {
      status = (await (await fetch(`${url}/v1/models/demo`)).json()) as typeof status;
      if (status.model_version_status.some((v) => v.state === 'AVAILABLE' || v.state === 'FAILED')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Version 1 was found and either served or refused with a reason (depends on the servable factory).
    expect(['AVAILABLE', 'FAILED']).toContain(status.model_version_status.find((v) => v.version === 1)?.state);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(status.model_version_status[0].state === 'AVAILABLE' ? 200 : 503);
    expect(await srv.stop()).toBe(0);
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
