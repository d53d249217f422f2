import { beforeAll, describe, expect, it } from 'vitest';
import { hashString } from '../../util/random.js';
import { initBackend, tf } from '../backend.js';
import type { Ranker, RankRequest } from '../ranker.js';
import { ConformanceError, describeRankerConformance, type MakeSubject, RANKER_CHECKS, runRankerCheck } from './conformance.js';

const ITEMS = ['a', 'b', 'c', 'd', 'e'];

/** A correct, tensor-free ranker: a stable hash of (user, item, context). */
class HashRanker implements Ranker {
  readonly name: string = 'hash';
  score(req: RankRequest): Float32Array {
    return Float32Array.from(req.candidates, (id) => (hashString(`${req.userId}|${id}|${req.contextItemId ?? ''}`) % 1000) / 1000);
  }
  dispose(): void {}
}

/** A correct ranker that holds a tensor and scores through TF.js. */
class TensorRanker implements Ranker {
  readonly name: string = 'tensor';
  private w: tf.Tensor | undefined = tf.tensor1d([0.5]);
  score(req: RankRequest): Float32Array {
    const base = new HashRanker().score(req);
    if (!this.w || base.length === 0) return base;
    const w = this.w;
    return tf.tidy(() => new Float32Array(tf.mul(tf.tensor1d(base), w).dataSync()));
  }
  dispose(): void {
    this.w?.dispose();
    this.w = undefined;
  }
}

const makeOf =
  (build: () => Ranker): MakeSubject =>
  async () => ({ ranker: build(), knownUser: 'u1', knownItems: ITEMS });

describeRankerConformance(
  'hash reference ranker',
  makeOf(() => new HashRanker()),
);
describeRankerConformance(
  'tensor reference ranker',
  makeOf(() => new TensorRanker()),
);

function check(name: string) {
  const found = RANKER_CHECKS.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`no check named ${name}`);
  return found;
}

/** A broken ranker that overrides one behaviour of the hash ranker. */
function broken(score: (req: RankRequest, base: Float32Array) => Float32Array, dispose: () => void = () => {}): MakeSubject {
  return makeOf(() => ({
    name: 'broken',
    score: (req: RankRequest) => score(req, new HashRanker().score(req)),
    dispose,
  }));
}

describe('the conformance checks catch broken rankers', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('a wrong number of scores', async () => {
    const make = broken((_req, base) => base.subarray(0, Math.max(0, base.length - 1)));
    await expect(runRankerCheck(check('returns one finite score'), make)).rejects.toThrow(/4 scores for 5 candidates/);
  });

  it('a NaN for unknown items', async () => {
    const make = broken((req, base) => base.map((s, i) => (req.candidates[i].startsWith('conformance:') ? Number.NaN : s)));
    await expect(runRankerCheck(check('gives finite scores to unknown items'), make)).rejects.toThrow(/is NaN/);
  });

  it('throwing for an unknown user', async () => {
    const make = broken((req, base) => {
      if (req.userId !== 'u1') throw new Error('who?');
      return base;
    });
    await expect(runRankerCheck(check('gives finite scores to an unknown user'), make)).rejects.toThrow(/score threw .*who\?/);
    await expect(runRankerCheck(check('scores for a user with an empty history'), make)).rejects.toThrow(ConformanceError);
  });

  it('different scores for the same request', async () => {
    let calls = 0;
    const make = broken((_req, base) => base.map((s) => s + calls++));
    await expect(runRankerCheck(check('gives the same scores to the same request'), make)).rejects.toThrow(/same request twice/);
  });

  it('rankers that differ although made the same way', async () => {
    let made = 0;
    const make: MakeSubject = async () => {
      const offset = made++;
      return {
        ranker: { name: 'unseeded', score: (req) => new HashRanker().score(req).map((s) => s + offset), dispose() {} },
        knownUser: 'u1',
        knownItems: ITEMS,
      };
    };
    await expect(runRankerCheck(check('two rankers made the same way'), make)).rejects.toThrow(/same seed/);
  });

  it('scores that depend on the position in the list', async () => {
    const make = broken((_req, base) => base.map((_s, i) => i));
    await expect(runRankerCheck(check('scores an item the same wherever'), make)).rejects.toThrow(/candidates reversed/);
  });

  it('a non-empty result for no candidates', async () => {
    const make = broken((_req, base) => (base.length === 0 ? new Float32Array(1) : base));
    await expect(runRankerCheck(check('returns an empty array'), make)).rejects.toThrow(/1 scores for 0 candidates/);
  });

  it('a tensor leaked per score call', async () => {
    const leaked: tf.Tensor[] = [];
    const make = broken((_req, base) => {
      leaked.push(tf.scalar(1));
      return base;
    });
    await expect(runRankerCheck(check('keeps tf.memory().numTensors flat'), make)).rejects.toThrow(/numTensors went from \d+ to \d+/);
    tf.dispose(leaked);
  });

  it('a tensor that dispose() does not free', async () => {
    const kept: tf.Tensor[] = [];
    const make = makeOf(() => {
      kept.push(tf.scalar(1));
      return new HashRanker();
    });
    await expect(runRankerCheck(check('dispose() frees every tensor'), make)).rejects.toThrow(/before make\(\) and \d+ after dispose/);
    tf.dispose(kept);
  });
});
