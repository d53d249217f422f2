import { describe, expect, it } from 'vitest';
import { scorerCheck } from './doctor.js';

describe('workbench doctor: the scorer line', () => {
  it('says onnxruntime-node scores where it loads, and TF.js with the reason where it is turned off', async () => {
    expect(await scorerCheck({})).toMatchObject({
      name: 'scorer',
      ok: true,
      detail: expect.stringMatching(/^onnxruntime-node 1\.30\.0: /),
    });
    expect(await scorerCheck({ WORKBENCH_SCORER: 'tfjs' })).toMatchObject({ ok: true, detail: 'TF.js scores: WORKBENCH_SCORER=tfjs' });
    expect(await scorerCheck({ WORKBENCH_SCORER: 'cuda' })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/WORKBENCH_SCORER="cuda"/),
    });
  });
});
