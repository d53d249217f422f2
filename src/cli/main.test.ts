import { describe, expect, it } from 'vitest';
import { eventsDir, modelsDir } from './context.js';
import { main } from './main.js';
import { type RecordingIO, recordingIO } from './testing/recording-io.js';

function captureIO(env: NodeJS.ProcessEnv = {}): RecordingIO {
  return recordingIO('/proj', env);
}

describe('workbench CLI conventions', () => {
  it('exits 2 with one line for an unknown command, listing the commands', async () => {
    const io = captureIO();
    expect(await main(['nope'], io)).toBe(2);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(/^workbench: unknown command "nope"; use one of eval, train, doctor, .*pipeline$/);
  });

  it('suggests the nearest command for a typo', async () => {
    const io = captureIO();
    expect(await main(['trian'], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/^workbench: unknown command "trian" \(did you mean "train"\?\); use one of /);
  });

  it('exits 2 on an unknown flag, naming it, the nearest flag and the valid ones', async () => {
    const io = captureIO();
    expect(await main(['doctor', '--bogus'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/unknown option --bogus; valid options: --json, --debug, --help/);
    const typo = captureIO();
    expect(await main(['models', 'list', '--modles', 'x'], typo)).toBe(2);
    expect(typo.stderr.join('\n')).toMatch(/unknown option --modles \(did you mean --models\?\); valid options: .*--models/);
  });

  it('words an unknown subcommand the same way in every command group', async () => {
    for (const group of ['models', 'experiments', 'pipeline', 'data']) {
      const io = captureIO();
      expect(await main([group, 'lsit'], io)).toBe(2);
      expect(io.stderr[0]).toMatch(new RegExp(`^workbench: unknown ${group} subcommand "lsit".*; use one of `));
    }
  });

  it('resolves --models and --events from flag, environment, then default', () => {
    const io = captureIO({ WORKBENCH_MODELS_DIR: '/m', WORKBENCH_EVENTS_DIR: '/e' });
    expect(modelsDir(undefined, io)).toBe('/m');
    expect(modelsDir('x', io)).toBe('/proj/x');
    expect(eventsDir(undefined, io)).toBe('/e');
    const bare = captureIO();
    expect(modelsDir(undefined, bare)).toBe('/proj/models');
    expect(eventsDir(undefined, bare)).toBe('/proj/data/events');
  });

  it('doctor --json reports the backend and why native is absent, and exits 0 when ready', async () => {
    const io = captureIO(process.env);
    const code = await main(['doctor', '--json'], io);
    const report = JSON.parse(io.stdout.join('\n')) as { ready: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(code).toBe(report.ready ? 0 : 1);
    const tfCheck = report.checks.find((c) => c.name === 'tfjs');
    expect(tfCheck?.ok).toBe(true);
    expect(tfCheck?.detail).toMatch(/backend (tensorflow|wasm|cpu)/);
    expect(report.checks.find((c) => c.name === 'danfojs-node')?.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'duckdb')?.ok).toBe(true);
  });
});
