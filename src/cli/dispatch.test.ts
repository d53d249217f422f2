import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { dispatchSubcommands, nearest, unknownChoice } from './dispatch.js';
import { recordingIO } from './testing/recording-io.js';

describe('nearest', () => {
  it('suggests the closest choice for a typo and nothing for an unrelated word', () => {
    const commands = ['train', 'eval', 'models', 'pipeline', 'experiments'];
    expect(nearest('trian', commands)).toBe('train');
    expect(nearest('pipline', commands)).toBe('pipeline');
    expect(nearest('experiment', commands)).toBe('experiments');
    expect(nearest('zzzz', commands)).toBeUndefined();
    expect(nearest('train', commands)).toBeUndefined(); // an exact match is not a typo
    expect(nearest('x', [])).toBeUndefined();
  });
});

describe('dispatchSubcommands', () => {
  const run = dispatchSubcommands('models', {
    list: async (argv) => argv.length,
    prune: async () => 7,
  });

  it('runs the named subcommand with the arguments after it', async () => {
    const io = recordingIO('/');
    expect(await run(['list', 'a', 'b'], io)).toBe(2);
    expect(await run(['prune'], io)).toBe(7);
  });

  it('refuses a missing or unknown subcommand with the valid ones and the nearest', async () => {
    const io = recordingIO('/');
    await expect(run([], io)).rejects.toThrow(new UsageError('missing models subcommand; use one of list, prune'));
    await expect(run(['lst'], io)).rejects.toThrow(
      new UsageError('unknown models subcommand "lst" (did you mean "list"?); use one of list, prune'),
    );
    // Object prototype names are not subcommands.
    await expect(run(['constructor'], io)).rejects.toThrow(/unknown models subcommand "constructor"; use one of/);
  });

  it('words every unknown choice the same way', () => {
    expect(unknownChoice('command', 'serv', ['serve', 'start']).message).toBe(
      'unknown command "serv" (did you mean "serve"?); use one of serve, start',
    );
  });
});
