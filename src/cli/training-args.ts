/** Training knobs shared by `workbench eval`, `workbench train` and `workbench pipeline run`. */
import { UsageError } from '../errors.js';
import type { TrainRunOptions } from '../pipeline/train-model.js';

/** The parseArgs options behind the training flags. */
export const TRAINING_OPTIONS = {
  epochs: { type: 'string' },
  mode: { type: 'string' },
  'test-days': { type: 'string' },
  'valid-days': { type: 'string' },
  'label-days': { type: 'string' },
  'train-seed': { type: 'string' },
  'max-train-users': { type: 'string' },
  l1: { type: 'string' },
  l2: { type: 'string' },
  'feature-set': { type: 'string' },
} as const;

/** The flags' usage text. */
export const TRAINING_USAGE =
  '[--mode epochs|one-pass] [--epochs N] [--test-days N] [--valid-days N] [--label-days N] [--train-seed N] [--max-train-users N] [--l1 X] [--l2 X] [--feature-set NAME]';

function num(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} "${value}" is not a ${integer ? 'non-negative whole number' : 'non-negative number'}`);
  }
  return n;
}

/** Parsed flags -> TrainRunOptions (unset flags keep the defaults). */
export function trainRunOptionsFrom(values: Partial<Record<keyof typeof TRAINING_OPTIONS, string>>): TrainRunOptions {
  const mode = values.mode;
  if (mode !== undefined && mode !== 'epochs' && mode !== 'one-pass') throw new UsageError(`--mode "${mode}" is not epochs or one-pass`);
  const out: TrainRunOptions = {
    mode,
    epochs: num('epochs', values.epochs, true),
    seed: num('train-seed', values['train-seed'], true),
    maxTrainUsers: num('max-train-users', values['max-train-users'], true),
    l1: num('l1', values.l1, false),
    l2: num('l2', values.l2, false),
    featureSet: values['feature-set'],
    windows: {
      testDays: num('test-days', values['test-days'], true),
      validDays: num('valid-days', values['valid-days'], true),
      labelDays: num('label-days', values['label-days'], true),
    },
  };
  return JSON.parse(JSON.stringify(out)) as TrainRunOptions; // drop the undefined knobs
}
