/** Training knobs shared by `workbench eval`, `workbench train` and `workbench pipeline run`. */

import { parseSessionGap } from '../data/sessions.js';
import { UsageError } from '../errors.js';
import { isProtocol, PROTOCOLS } from '../offline/protocol-plan.js';
import type { TrainRunOptions } from '../offline/train-evaluate.js';

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
  protocol: { type: 'string' },
  'mask-seen': { type: 'boolean' },
  'session-gap': { type: 'string' },
} as const;

/** The flags' usage text. */
export const TRAINING_USAGE =
  '[--mode epochs|one-pass] [--epochs N] [--test-days N] [--valid-days N] [--label-days N] [--train-seed N] [--max-train-users N] [--l1 X] [--l2 X] [--feature-set NAME] [--protocol temporal|leave-one-out|random] [--mask-seen] [--session-gap 30m|2h|none|user]';

function num(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} "${value}" is not a ${integer ? 'non-negative whole number' : 'non-negative number'}`);
  }
  return n;
}

/** Parsed flags -> TrainRunOptions (unset flags keep the defaults). */
export function trainRunOptionsFrom(
  values: Partial<Record<Exclude<keyof typeof TRAINING_OPTIONS, 'mask-seen'>, string>> & { 'mask-seen'?: boolean },
): TrainRunOptions {
  const mode = values.mode;
  if (mode !== undefined && mode !== 'epochs' && mode !== 'one-pass') throw new UsageError(`--mode "${mode}" is not epochs or one-pass`);
  const protocol = values.protocol;
  if (protocol !== undefined && !isProtocol(protocol))
    throw new UsageError(`--protocol "${protocol}" is not one of ${PROTOCOLS.join(', ')}`);
  const gap = values['session-gap'] === undefined ? undefined : parseSessionGap(values['session-gap']);
  const out: TrainRunOptions = {
    protocol,
    maskSeen: values['mask-seen'] || undefined,
    ...(gap !== undefined ? { features: { sessionGapMinutes: gap } } : {}),
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
