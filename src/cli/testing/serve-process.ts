/**
 * Test helper (not product code): a service as a separate process, resolved once it logs that it
 * listens, with its log lines kept and a SIGTERM stop (SIGKILL if it hangs). `startServeProcess`
 * runs `workbench serve`; `startListeningProcess` any command that logs pino's `listening` line.
 * It lives under src/ (it imports nothing from serve/) so tests on both sides can use it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths.js';

/** A running service process. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM (SIGKILL after 15 s); resolves with the exit code (null when killed). */
  stop(): Promise<number | null>;
}

/** Where and how long (`cwd` default: the project root; `startTimeoutMs` default 90 s). */
export interface ServeProcessOptions {
  cwd?: string;
  startTimeoutMs?: number;
  /** Run under `ulimit -n nofile` (through bash). */
  nofile?: number;
  /** The log message that means ready (default `listening`; a cluster logs `cluster listening`). */
  readyMsg?: string;
}

/**
 * Starts `workbench serve ARGS` (port 0, one worker, info logs) with extra environment. A process
 * that does not start in time is killed, so a failed start leaves nothing running.
 */
export function startServeProcess(
  args: readonly string[],
  env: Record<string, string> = {},
  opts: ServeProcessOptions = {},
): Promise<ServeProcess> {
  return startListeningProcess(
    [process.execPath, path.join(PROJECT_ROOT, 'bin', 'workbench.js'), 'serve', '--port', '0', ...args],
    { WORKBENCH_WORKERS: '1', WORKBENCH_LOG_LEVEL: 'info', ...env },
    opts,
  );
}

/**
 * Starts `command` (with this process's environment plus `env`) and resolves once it logs a JSON
 * line `{"msg": "listening", "url": ...}`; rejects, naming its stderr, when it exits or times out first.
 */
export function startListeningProcess(
  command: readonly string[],
  env: Record<string, string> = {},
  opts: ServeProcessOptions = {},
): Promise<ServeProcess> {
  const [file, ...rest] = opts.nofile ? ['bash', '-c', `ulimit -n ${opts.nofile} && exec "$@"`, 'bash', ...command] : command;
  const child = spawn(file, rest, { cwd: opts.cwd ?? PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.kill('SIGTERM');
    return exited.finally(() => clearTimeout(kill));
  };
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      reject(new Error(`${command.join(' ')} did not start: ${stderr.slice(-2000)}`));
      void stop();
    }, opts.startTimeoutMs ?? 90_000);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          lines.push(parsed);
          if (parsed.msg === (opts.readyMsg ?? 'listening') && typeof parsed.url === 'string') {
            clearTimeout(timer);
            resolve({ url: parsed.url, child, lines, exited, stop });
          }
        } catch {
          // not a log line
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${code} before listening: ${stderr.slice(-2000)}`));
    });
  });
}
