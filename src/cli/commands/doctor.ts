/** `workbench doctor [--json]`: what this machine has, and whether `npm start` can run. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../errors.js';
import { JUPYTER_INSTALL_HINT, jupyterStatus } from '../../notebook/jupyter.js';
import { onlineRetailPath, PROJECT_ROOT } from '../../paths.js';
import { type Command, parseCommandArgs, printJson } from '../context.js';

/** One line of the doctor's report. */
export interface Check {
  name: string;
  ok: boolean;
  /** Needed for `npm start`; a failed required check makes the exit code 1. */
  required: boolean;
  detail: string;
  hint?: string;
}

async function tfChecks(): Promise<Check[]> {
  const { initBackend, tf } = await import('../../models/backend.js');
  const checks: Check[] = [];
  try {
    const r = await initBackend();
    checks.push({
      name: 'tfjs',
      ok: true,
      required: true,
      detail: `@tensorflow/tfjs ${r.tfjsVersion}, backend ${r.active} (${r.reason})`,
      hint: r.native.available ? undefined : 'native libtensorflow is optional: it installs where its download is reachable',
    });
  } catch (err) {
    checks.push({ name: 'tfjs', ok: false, required: true, detail: errorMessage(err) });
  }
  try {
    const dfd = (await import('danfojs-node')) as unknown as { tensorflow: typeof tf; DataFrame: new (d: object) => { shape: number[] } };
    const same = dfd.tensorflow.engine() === tf.engine();
    const df = new dfd.DataFrame({ a: [1, 2] });
    checks.push({
      name: 'danfojs-node',
      ok: same && df.shape[0] === 2,
      required: true,
      detail: same
        ? `loads and shares the same tfjs engine (backend ${dfd.tensorflow.getBackend()})`
        : 'loads but uses a different tfjs instance than the workbench',
      hint: same ? undefined : 'check the "overrides" for @tensorflow/tfjs-node in package.json and reinstall',
    });
  } catch (err) {
    checks.push({ name: 'danfojs-node', ok: false, required: true, detail: `failed to load: ${errorMessage(err)}` });
  }
  return checks;
}

/** Which engine scores scorer versions in serving (onnxruntime-node or TF.js), and why. */
export async function scorerCheck(env: NodeJS.ProcessEnv): Promise<Check> {
  const { onnxRuntime, SCORER_ENV } = await import('../../models/scoring/onnx-runtime.js');
  const { PARITY_TOLERANCE } = await import('../../models/scoring/select.js');
  let rt: ReturnType<typeof onnxRuntime>;
  try {
    rt = onnxRuntime(env);
  } catch (err) {
    return { name: 'scorer', ok: false, required: false, detail: errorMessage(err) };
  }
  if (rt.available) {
    return {
      name: 'scorer',
      ok: true,
      required: false,
      detail: `onnxruntime-node ${rt.version}: versions with model.onnx score natively where ONNX equals TF.js within ${PARITY_TOLERANCE} on their warm-up requests (checked at load)`,
    };
  }
  const chosen = env[SCORER_ENV]?.trim().toLowerCase() === 'tfjs';
  return {
    name: 'scorer',
    ok: chosen,
    required: false,
    detail: `TF.js scores: ${rt.reason}`,
    hint: 'onnxruntime-node is an optional dependency whose native library ships in the npm package: run npm install',
  };
}

async function duckdbCheck(): Promise<Check> {
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const reader = await conn.runAndReadAll('select version() as v');
    const version = String(reader.getRowObjects()[0]?.v);
    conn.closeSync();
    db.closeSync();
    return { name: 'duckdb', ok: true, required: true, detail: `@duckdb/node-api loads (DuckDB ${version})` };
  } catch (err) {
    return { name: 'duckdb', ok: false, required: true, detail: `failed to load: ${errorMessage(err)}` };
  }
}

/** Runs every check. */
export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const major = Number(process.versions.node.split('.')[0]);
  const checks: Check[] = [
    {
      name: 'node',
      ok: major >= 20,
      required: true,
      detail: `Node ${process.versions.node}`,
      hint: major >= 20 ? undefined : 'Node >= 20 is required',
    },
  ];
  checks.push(...(await tfChecks()));
  checks.push(await scorerCheck(env));
  checks.push(await duckdbCheck());
  const j = jupyterStatus(env);
  checks.push({
    name: 'jupyter',
    ok: j.found && j.nbconvert,
    required: false,
    detail: j.found ? `jupyter_core ${j.version ?? '?'}, nbconvert ${j.nbconvert ? 'found' : 'missing'}` : 'not found',
    hint: j.found && j.nbconvert ? undefined : JUPYTER_INSTALL_HINT,
  });
  let tslabVersion = '?';
  try {
    tslabVersion = (
      JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'tslab', 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    /* reported below through the kernel check */
  }
  checks.push({
    name: 'tslab-kernel',
    ok: j.kernel.registered,
    required: false,
    detail: j.kernel.registered ? `tslab ${tslabVersion} registered at ${j.kernel.path}` : `not registered: ${j.kernel.problem}`,
  });
  const data = onlineRetailPath(env);
  const hasData = existsSync(data);
  checks.push({
    name: 'online-retail',
    ok: hasData,
    required: false,
    detail: hasData ? `found at ${data}` : `not found at ${data}`,
    hint: hasData ? undefined : 'optional: the built-in synthetic store needs nothing; set WORKBENCH_ONLINE_RETAIL to the CSV path',
  });
  return checks;
}

export const doctorCommand: Command = {
  summary:
    'Check Node, TensorFlow.js backend, the serving scorer (onnxruntime-node or TF.js), danfojs-node, DuckDB, Jupyter, the tslab kernel and the shared dataset',
  usage: 'workbench doctor [--json]',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {});
    const checks = await runDoctor(io.env);
    const ready = checks.every((c) => c.ok || !c.required);
    if (values.json) printJson(io, { ready, checks });
    else {
      for (const c of checks) {
        io.out(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.name.padEnd(14)} ${c.detail}`);
        if (c.hint && !c.ok) io.out(`     ${''.padEnd(14)} ${c.hint}`);
      }
      io.out(ready ? '\nReady: everything `npm start` needs is present.' : '\nNot ready: fix the FAIL lines above.');
    }
    return ready ? 0 : 1;
  },
};
