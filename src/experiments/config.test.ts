import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, errorMessage, NotFoundError, UsageError } from '../errors.js';
import type { Experiment } from './assignment.js';
import { checkConfigDrift, configHash, defaultStateFile, type ExperimentState, loadExperiment, resolveExperiment } from './config.js';

const exp: Experiment = {
  id: 'ranker-vs-pop',
  salt: 's1',
  model: 'ltr',
  variants: [
    { name: 'control', weight: 90, alias: 'champion' },
    { name: 'treatment', weight: 10, alias: 'challenger' },
  ],
};

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'exp-config-'));
}

function write(dir: string, name: string, body: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('loadExperiment', () => {
  it('loads a valid file', async () => {
    const file = write(tmp(), 'e.json', exp);
    expect(await loadExperiment(file)).toEqual(exp);
  });

  it.each([
    [{ ...exp, variants: [{ name: 'control', weight: -1, alias: 'champion' }] }, /field "variants\[0\]\.weight".*got -1/],
    [{ ...exp, salt: 3 }, /field "salt".*got 3/],
    [{ ...exp, variants: [{ name: 'control', weight: 1 }] }, /field "variants\[0\]".*exactly one of "alias" or "version"/],
    [{ ...exp, variants: [{ name: 'control', wieght: 1, alias: 'champion' }] }, /field "variants\[0\]\.wieght": unknown key/],
    [{ ...exp, owner: 'me' }, /field "owner": unknown key/],
    [
      {
        ...exp,
        variants: [
          { name: 'a', weight: 1, alias: 'x' },
          { name: 'a', weight: 1, alias: 'y' },
        ],
      },
      /field "variants": variant names must be unique/,
    ],
  ])('names the field of a bad config (%#)', async (body, message) => {
    const file = write(tmp(), 'bad.json', body);
    const err = await loadExperiment(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(errorMessage(err)).toMatch(message);
    expect(errorMessage(err)).toContain(file);
  });

  it('reports invalid JSON and a missing file clearly', async () => {
    const file = write(tmp(), 'broken.json', '{"id": "x",');
    await expect(loadExperiment(file)).rejects.toThrow(/broken\.json: invalid JSON/);
    await expect(loadExperiment(path.join(tmp(), 'nope.json'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('resolveExperiment', () => {
  it('prefers --config, then WORKBENCH_EXPERIMENT (when its id matches), then experiments/<ID>.json', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'experiments'));
    write(path.join(root, 'experiments'), 'ranker-vs-pop.json', exp);
    const other = write(root, 'other.json', { ...exp, id: 'other' });
    const env = { WORKBENCH_EXPERIMENT: other };
    // The env file names another experiment: fall through to the project folder.
    expect((await resolveExperiment('ranker-vs-pop', { env, root })).path).toBe(path.join(root, 'experiments', 'ranker-vs-pop.json'));
    // No id given: the env file decides.
    expect((await resolveExperiment(undefined, { env, root })).experiment.id).toBe('other');
    // --config wins, but must be the experiment asked for.
    expect((await resolveExperiment('other', { config: other, env: {}, root })).experiment.id).toBe('other');
    await expect(resolveExperiment('ranker-vs-pop', { config: other, env: {}, root })).rejects.toBeInstanceOf(UsageError);
    await expect(resolveExperiment('missing', { env: {}, root })).rejects.toThrow(/experiments\/missing\.json/);
    await expect(resolveExperiment(undefined, { env: {}, root })).rejects.toBeInstanceOf(UsageError);
    await expect(resolveExperiment('../etc', { env: {}, root })).rejects.toBeInstanceOf(UsageError);
  });
});

describe('checkConfigDrift', () => {
  it('records the first-seen config and stays quiet while it is unchanged', async () => {
    const events = path.join(tmp(), 'events');
    const file = defaultStateFile(events, exp.id);
    expect(file).toBe(path.join(path.dirname(events), 'experiments', 'ranker-vs-pop.state.json'));
    expect(await checkConfigDrift(exp, file, { now: Date.UTC(2026, 0, 1) })).toEqual([]);
    const state = JSON.parse(readFileSync(file, 'utf8')) as ExperimentState;
    expect(state.first.hash).toBe(configHash(exp));
    expect(state.first.seenAt).toBe('2026-01-01T00:00:00.000Z');
    expect(await checkConfigDrift(exp, file)).toEqual([]);
    // Scaling all weights is the same split: no warning.
    const scaled = { ...exp, variants: exp.variants.map((v) => ({ ...v, weight: v.weight / 10 })) };
    expect(await checkConfigDrift(scaled, file)).toEqual([]);
  });

  it('warns when weights, salt, order or targets change mid-run, and keeps warning', async () => {
    const file = defaultStateFile(path.join(tmp(), 'events'), exp.id);
    await checkConfigDrift(exp, file, { now: Date.UTC(2026, 0, 1) });
    const reweighted: Experiment = {
      ...exp,
      variants: [
        { ...exp.variants[0], weight: 50 },
        { ...exp.variants[1], weight: 50 },
      ],
    };
    const w = await checkConfigDrift(reweighted, file);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/weights changed since experiment "ranker-vs-pop" started \(2026-01-01.*control 90% -> 50%, treatment 10% -> 50%/);
    // Still a warning the next time: the comparison is always with the first-seen config.
    expect(await checkConfigDrift(reweighted, file)).toHaveLength(1);
    const state = JSON.parse(readFileSync(file, 'utf8')) as ExperimentState;
    expect(state.changes).toHaveLength(1);

    expect((await checkConfigDrift({ ...exp, salt: 's2' }, file)).join('\n')).toMatch(/salt changed from "s1" to "s2".*reshuffled/);
    expect((await checkConfigDrift({ ...exp, variants: [...exp.variants].reverse() }, file)).join('\n')).toMatch(
      /variant order changed.*reassigned/,
    );
    const swapped = { ...exp, variants: [exp.variants[0], { name: 'treatment', weight: 10, version: 7 }] };
    expect((await checkConfigDrift(swapped, file)).join('\n')).toMatch(/treatment now serves version 7 instead of alias challenger/);
    const added = { ...exp, variants: [...exp.variants, { name: 'third', weight: 0.0001, alias: 'x' }] };
    expect((await checkConfigDrift(added, file)).join('\n')).toMatch(/variants added .*: third/);
  });

  it('does not write when record is false, and rejects a corrupt state file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'x.state.json');
    expect(await checkConfigDrift(exp, file, { record: false })).toEqual([]);
    expect(() => readFileSync(file)).toThrow();
    writeFileSync(file, '{oops');
    await expect(checkConfigDrift(exp, file)).rejects.toThrow(/x\.state\.json: unreadable experiment state/);
  });
});
