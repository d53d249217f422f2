/**
 * `workbench ui [--models DIR] [--runs DIR] [--events DIR] [--experiments DIR] [--port 8090]
 * [--host 127.0.0.1] [--service URL]`: the service's web pages over folders, without a running
 * service. Alias changes need WORKBENCH_ADMIN_TOKEN (typed into the form); `--service URL` reads
 * that service's /metrics for the Live page.
 */
import path from 'node:path';
import { type CliIO, type Command, EVENTS_OPTION, eventsDir, MODELS_OPTION, modelsDir, parseCommandArgs } from '../../src/cli/context.js';
import { UsageError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../../src/paths.js';

const OPTIONS = {
  ...MODELS_OPTION,
  ...EVENTS_OPTION,
  runs: { type: 'string' },
  experiments: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  service: { type: 'string' },
} as const;

const USAGE =
  'workbench ui [--models DIR] [--runs DIR] [--events DIR] [--experiments DIR] [--port 8090] [--host 127.0.0.1] [--service URL]';

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS);
  const port = Number(values.port ?? 8090);
  if (!/^\d+$/.test(values.port ?? '8090') || port > 65_535)
    throw new UsageError(`--port must be an integer from 0 to 65535 (got "${values.port}")`);
  let service: URL | undefined;
  if (values.service) {
    try {
      service = new URL('/metrics', values.service);
    } catch {
      throw new UsageError(`--service must be a URL such as http://127.0.0.1:8080 (got "${values.service}")`);
    }
  }
  const { createUiApp } = await import('../ui/app.js');
  const { registryAliasWriter } = await import('../ui/options.js');
  const { serve } = await import('@hono/node-server');
  const models = modelsDir(values.models, io);
  const app = createUiApp({
    modelsDir: models,
    runsDir: path.resolve(io.cwd, values.runs ?? io.env.WORKBENCH_RUNS_DIR ?? 'runs'),
    eventsDir: eventsDir(values.events, io),
    experimentsDir: path.resolve(io.cwd, values.experiments ?? path.join(PROJECT_ROOT, 'experiments')),
    adminToken: io.env.WORKBENCH_ADMIN_TOKEN || undefined,
    aliases: registryAliasWriter(models),
    metricsText: service
      ? async () => {
          const url = service as URL;
          const res = await fetch(url);
          if (!res.ok) throw new Error(`${url} answered ${res.status}`);
          return res.text();
        }
      : undefined,
  });
  const host = values.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      io.err(`workbench ui: http://${host}:${info.port}/ui (models ${models}; Ctrl-C stops)`);
    });
    server.once('error', reject);
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

/** The `ui` subcommand. */
export const uiCommand: Command = {
  summary: 'Web pages over the models, pipeline runs, experiments and notebook runs folders (no service needed)',
  usage: USAGE,
  run,
};
