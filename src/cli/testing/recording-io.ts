/** Test helpers for the CLI (imported by tests only). */
import type { CliIO } from '../context.js';

/** A CliIO that records every stdout and stderr line. */
export type RecordingIO = CliIO & { stdout: string[]; stderr: string[] };

/** A CliIO rooted at `cwd` with environment `env` that records what a command prints. */
export function recordingIO(cwd: string, env: NodeJS.ProcessEnv = {}): RecordingIO {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env, cwd };
}
