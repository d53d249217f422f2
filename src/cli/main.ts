/**
 * `workbench`: the command-line entry. Subcommands load lazily so `workbench doctor` does not pay
 * for TensorFlow.js unless it needs it. Errors are one line (stack with --debug); exit codes are
 * 0 success, 1 failure, 2 bad usage.
 */
import { errorMessage, UsageError } from '../errors.js';
import { type CliIO, type Command, processIO } from './context.js';
import { unknownChoice } from './dispatch.js';

/** Loads a subcommand's module on first use. */
export type CommandLoader = () => Promise<Command>;

/**
 * The library's subcommands, by name. Nested commands (e.g. `models list`) dispatch inside their
 * module. The service adds `serve` and `start` (serve/cli/commands.ts; src/ never imports serve/).
 */
export const COMMANDS: Readonly<Record<string, CommandLoader>> = {
  eval: async () => (await import('./commands/eval.js')).evalCommand,
  train: async () => (await import('./commands/train.js')).trainCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  data: async () => (await import('./commands/data.js')).dataCommand,
  notebook: async () => (await import('./commands/notebook.js')).notebookCommand,
  promote: async () => (await import('./commands/promote.js')).promoteCommand,
  models: async () => (await import('./commands/models.js')).modelsCommand,
  experiments: async () => (await import('./commands/experiments.js')).experimentsCommand,
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand,
  pipeline: async () => (await import('./commands/pipeline.js')).pipelineCommand,
};

function help(io: CliIO, commands: Record<string, Command>): void {
  io.out('Usage: workbench <command> [options]\n');
  io.out('Commands:');
  for (const [name, cmd] of Object.entries(commands)) io.out(`  ${name.padEnd(12)} ${cmd.summary}`);
  io.out('\nCommon options: --json (machine-readable stdout), --debug (stack traces), --help');
}

/**
 * Runs the CLI.
 * @param argv - arguments after the program name.
 * @param extra - more subcommands (bin/workbench.js passes the service's `serve` and `start`).
 * @returns the process exit code.
 */
export async function main(argv: string[], io: CliIO = processIO, extra: Readonly<Record<string, CommandLoader>> = {}): Promise<number> {
  const commands = { ...COMMANDS, ...extra };
  const [name, ...rest] = argv;
  const debug = argv.includes('--debug');
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      const loaded: Record<string, Command> = {};
      for (const [n, load] of Object.entries(commands)) loaded[n] = await load();
      help(io, loaded);
      return name ? 0 : 2;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) throw unknownChoice('command', name, Object.keys(commands));
    // Modules that register more model kinds (src/models/kinds.ts), for every command: train, serve, ...
    const kindModules = io.env.WORKBENCH_MODEL_KINDS;
    if (kindModules) await (await import('../models/kinds.js')).importModelKinds(kindModules, io.cwd);
    const cmd = await load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`Usage: ${cmd.usage}\n\n${cmd.summary}`);
      return 0;
    }
    // Promoted notebook code (custom features, feature sets, model kinds) registers itself.
    await (await import('../plugins.js')).loadPlugins();
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`workbench: ${err.message}`);
      return 2;
    }
    io.err(`workbench: ${errorMessage(err)}`);
    if (debug && err instanceof Error && err.stack) io.err(err.stack);
    return 1;
  }
}
