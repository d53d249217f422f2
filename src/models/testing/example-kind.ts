/**
 * Test helpers for model kinds (imported by tests only): the README's `ltr-linear` kind, the
 * notebook cell under "Add a model kind" exactly as written there, saved to a directory so that
 * this process (importModelKinds) and a fresh one (WORKBENCH_MODEL_KINDS) can both load it.
 */
import { PROJECT_ROOT } from '../../paths.js';
import { writeReadmeModule } from '../../util/testing/readme-code.js';

/** Writes the README's `ltr-linear` kind module into `dir`; returns its path. */
export function writeLinearKindModule(dir: string): Promise<string> {
  // A notebook cell: its `./src/...` imports are relative to the project root.
  return writeReadmeModule('//| export models/custom/ltr-linear', PROJECT_ROOT, dir, 'ltr-linear');
}
