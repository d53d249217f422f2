/** The model routes: status, list, metadata and TF Serving predict. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startTestApp, type TestApp } from '../testing/app-fixture.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());
const post = (url: string, body: unknown, headers?: Record<string, string>) => app.post(url, body, headers);
const get = (url: string) => app.get(url);

describe('predict (TF Serving REST)', () => {
  const instances = [
    { userId: 'u1', itemId: 'i0' },
    { userId: 'u1', itemId: 'i9', contextItemId: 'i3' },
    { userId: 'nobody', itemId: 'not-an-item' },
  ];

  it('scores rows as predictions and columns as outputs, identically', async () => {
    const rows = await post('/v1/models/demo:predict', { instances });
    expect(rows.status).toBe(200);
    const r = (await rows.json()) as { predictions: number[]; model: { version: number } };
    expect(r.predictions).toHaveLength(3);
    expect(r.model.version).toBe(1);
    const cols = await post('/v1/models/demo:predict', {
      inputs: {
        userId: ['u1', 'u1', 'nobody'],
        itemId: ['i0', 'i9', 'not-an-item'],
        contextItemId: ['', 'i3', ''].map((x) => x || 'none'),
      },
    });
    const c = (await cols.json()) as { outputs: number[] };
    expect(c.outputs[0]).toBeCloseTo(r.predictions[0]);
    expect(c.outputs[2]).toBe(r.predictions[2]);
  });

  it('selects versions and labels', async () => {
    const v2 = (await (await post('/v1/models/demo/versions/2:predict', { instances })).json()) as { model: { version: number } };
    expect(v2.model.version).toBe(2);
    const ch = (await (await post('/v1/models/demo/labels/challenger:predict', { instances })).json()) as { model: { version: number } };
    expect(ch.model.version).toBe(2);
  });

  it('answers 404 for unknown models, versions and labels, 400 for bad paths and bodies', async () => {
    await expectError(await post('/v1/models/nope:predict', { instances }), 404, 'not_found');
    await expectError(await post('/v1/models/demo/versions/9:predict', { instances }), 404, 'not_found');
    await expectError(await post('/v1/models/demo/labels/nobody:predict', { instances }), 404, 'not_found');
    await expectError(await post('/v1/models/demo/versions/abc:predict', { instances }), 400, 'invalid_request', 'version');
    await expectError(
      await post('/v1/models/demo:predict', { instances, inputs: { userId: ['u'], itemId: ['i'] } }),
      400,
      'invalid_request',
      'instances',
    );
    await expectError(await post('/v1/models/demo:predict', {}), 400, 'invalid_request', 'instances');
    await expectError(
      await post('/v1/models/demo:predict', { inputs: { userId: ['u', 'v'], itemId: ['i'] } }),
      400,
      'invalid_request',
      'inputs.itemId',
    );
    await expectError(
      await post('/v1/models/demo:predict', { instances: [{ userId: 'u' }] }),
      400,
      'invalid_request',
      'instances[0].itemId',
    );
    await expectError(
      await post('/v1/models/demo:predict', { instances, signature_name: 'other' }),
      400,
      'invalid_request',
      'signature_name',
    );
  });
});

describe('GET /v1/models', () => {
  it('reports versions, aliases and load state', async () => {
    const res = await get('/v1/models/demo');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      aliases: Record<string, number>;
      model_version_status: { version: number; state: string; aliases: string[] }[];
    };
    expect(body.aliases).toEqual({ champion: 1, challenger: 2, latest: 2 });
    expect(body.model_version_status.map((v) => [v.version, v.state, v.aliases.sort()])).toEqual([
      [2, 'AVAILABLE', ['challenger', 'latest']],
      [1, 'AVAILABLE', ['champion']],
    ]);
    const one = (await (await get('/v1/models/demo/versions/1')).json()) as { model_version_status: unknown[] };
    expect(one.model_version_status).toHaveLength(1);
    await expectError(await get('/v1/models/nope'), 404, 'model_not_found');
    await expectError(await get('/v1/models/demo/versions/7'), 404, 'not_found');
    await expectError(await get('/v1/models/bad%20name'), 400, 'invalid_request', 'name');
  });

  it('serves metadata (feature contract and manifest) per champion, version and label', async () => {
    const m = (await (await get('/v1/models/demo/metadata')).json()) as {
      model: { version: number };
      featureContract: { names: string[] };
    };
    expect(m.model.version).toBe(1);
    expect(m.featureContract.names).toContain('popularity');
    const v = (await (await get('/v1/models/demo/versions/2/metadata')).json()) as { model: { version: number } };
    expect(v.model.version).toBe(2);
    const l = (await (await get('/v1/models/demo/labels/challenger/metadata')).json()) as { model: { version: number } };
    expect(l.model.version).toBe(2);
  });
});
