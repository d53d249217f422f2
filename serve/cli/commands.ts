/**
 * The CLI commands that run the service (`workbench serve`, `workbench start`). They live here, not
 * in src/cli, because src/ never depends on serve/; bin/workbench.js adds them to the library's
 * commands. Each loads lazily, so other commands do not pay for the service.
 */

import type { CliIO } from '../../src/cli/context.js';
import { type CommandLoader, main } from '../../src/cli/main.js';

/** `start`, `serve` and `ui`, by name. */
export const SERVICE_COMMANDS: Readonly<Record<string, CommandLoader>> = {
  start: async () => (await import('./start-command.js')).startCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
  ui: async () => (await import('./ui-command.js')).uiCommand,
};

/** The whole `workbench` CLI: the library's commands plus the service's. Returns the exit code. */
export function runWorkbench(argv: string[], io?: CliIO): Promise<number> {
  return main(argv, io, SERVICE_COMMANDS);
}
