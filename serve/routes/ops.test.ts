/** Operations routes (healthz, readyz, metrics, openapi), CORS, timeouts; and that server paths never leak. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactPaths } from '../http-errors.js';
import { createService, type Service } from '../service.js';
import { expectError, startTestApp, type TestApp } from '../testing/app-fixture.js';
import { type ErrorJson, sendJson } from '../testing/helpers.js';
import { MemorySource } from '../testing/memory-source.js';

let app: TestApp;
let svc: Service;
let source: MemorySource;
beforeAll(async () => {
  app = await startTestApp();
  ({ svc, source } = app);
});
afterAll(() => app.close());
const post = (url: string, body: unknown, headers?: Record<string, string>) => app.post(url, body, headers);
const get = (url: string) => app.get(url);

describe('operations routes', () => {
  it('healthz is 200; readyz is 503 until a model is warmed, then 200', async () => {
    const fresh = createService({ source, modelName: 'demo', pollIntervalMs: 0 });
    expect((await fresh.app.request('/healthz')).status).toBe(200);
    const notReady = await fresh.app.request('/readyz');
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { models: Record<string, { reason?: string }> }).models.demo.reason).toMatch(/champion/);
    await expectError(await sendJson(fresh.app, '/v1/recommendations', { userId: 'u' }), 503, 'model_unavailable');
    await fresh.start();
    expect((await fresh.app.request('/readyz')).status).toBe(200);
    fresh.state.draining = true;
    expect((await fresh.app.request('/readyz')).status).toBe(503);
    await fresh.close();
  });

  it('exposes Prometheus metrics by route and status, model versions per alias and events accepted', async () => {
    await post('/v1/recommendations', { userId: 'm1' });
    await post('/v1/recommendations', { userId: 1 });
    expect((await post('/v1/events', { events: [{ type: 'click', userId: 'm1', itemId: 'i1' }] })).status).toBe(202);
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/workbench_http_requests_total\{method="POST",route="\/v1\/recommendations",status="200"\} \d+/);
    expect(text).toMatch(/workbench_http_requests_total\{method="POST",route="\/v1\/recommendations",status="400"\} \d+/);
    await get('/v1/models/demo');
    expect(await (await get('/metrics')).text()).toMatch(/route="\/v1\/models\/\{name\}",status="200"/);
    expect(text).toMatch(
      /workbench_http_request_duration_seconds_bucket\{le="0.01",method="POST",route="\/v1\/recommendations",status="200"\} \d+/,
    );
    expect(text).toMatch(/workbench_model_version\{model="demo",alias="champion"\} 1/);
    expect(text).toMatch(/workbench_model_version\{model="demo",alias="challenger"\} 2/);
    expect(text).toMatch(/workbench_events_accepted_total\{type="click"\} \d+/);
    // Router patterns are reported as the documented paths.
    await get('/v1/models/demo');
    expect(await (await get('/metrics')).text()).toMatch(/route="\/v1\/models\/\{name\}",status="200"/);
    expect(text).toMatch(/workbench_recommendations_total\{model="demo",variant="(control|treatment)",version="[12]"\} \d+/);
  });

  it('answers unknown routes with a JSON 404 and wrong methods with 405 and Allow', async () => {
    await expectError(await get('/v2/nothing'), 404, 'not_found');
    const res = await get('/v1/recommendations');
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed');
    await expectError(await post('/v1/models/demo', {}), 405, 'method_not_allowed');
  });

  it('publishes an OpenAPI document generated from the schemas, and every documented route exists', async () => {
    const doc = (await (await get('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/recommendations',
        '/v1/rank',
        '/v1/events',
        '/v1/models/{name}',
        '/v1/models/{name}:predict',
        '/v1/models/{name}/versions/{version}:predict',
        '/v1/models/{name}/labels/{alias}:predict',
        '/v1/models/{name}/metadata',
        '/healthz',
        '/readyz',
        '/metrics',
        '/admin/reload',
        '/admin/models/{name}/aliases/{alias}',
      ]),
    );
    expect(doc.components.schemas).toHaveProperty('RecommendRequest');
    expect(JSON.stringify(doc.components.schemas.RecommendRequest)).toMatch(/"maxItems":1000/);
    for (const [p, methods] of Object.entries(doc.paths)) {
      const url = p.replace('{name}', 'demo').replace('{version}', '1').replace('{alias}', 'champion');
      for (const method of Object.keys(methods)) {
        const res = await svc.app.request(url, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          body: method === 'get' ? undefined : '{}',
        });
        const code = res.status === 404 ? ((await res.json()) as ErrorJson).error.code : '';
        expect([p, method, code]).not.toEqual([p, method, 'not_found']);
        expect(res.status, `${method} ${url}`).not.toBe(405);
      }
    }
  });

  it('adds CORS headers only for configured storefront origins', async () => {
    const withCors = createService({ source, modelName: 'demo', pollIntervalMs: 0, corsOrigins: ['https://shop.example'] });
    const pre = await withCors.app.request('/v1/recommendations', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const other = await withCors.app.request('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const noCors = await svc.app.request('/v1/recommendations', { method: 'OPTIONS', headers: { origin: 'https://shop.example' } });
    expect(noCors.headers.get('access-control-allow-origin')).toBeNull();
    await withCors.close();
  });
});

describe('server paths', () => {
  it('never appear in unauthenticated responses: FAILED reasons, lastError and 503s keep the last two segments', async () => {
    const src = new MemorySource();
    src.publish('paths');
    src.publishWith(
      'paths',
      () => {
        throw new Error('unreachable');
      },
      'weights.bin: sha256 mismatch (read /srv/secret/models/paths/2/weights.bin)',
    );
    const svc2 = createService({ source: src, modelName: 'paths', pollIntervalMs: 0 });
    await svc2.start();
    const status = await (await svc2.app.request('/v1/models/paths')).text();
    expect(status).toContain('sha256 mismatch (read .../2/weights.bin)');
    expect(status).not.toContain('/srv/secret');
    await svc2.close();

    const empty = new MemorySource();
    empty.describeError = 'model "paths" has no published versions in /srv/secret/models';
    const svc3 = createService({ source: empty, modelName: 'paths', pollIntervalMs: 0 });
    await svc3.start();
    const unavailable = await sendJson(svc3.app, '/v1/models/paths:predict', { instances: [{ userId: 'u1', itemId: 'i1' }] });
    expect(unavailable.status).toBe(503);
    const texts = [await unavailable.text(), await (await svc3.app.request('/v1/models/paths')).text()];
    for (const text of texts) expect(text).not.toContain('/srv/secret');
    expect(texts[0]).toContain('.../secret/models');
    await svc3.close();
  });

  it('redactPaths keeps URLs, relative paths and route names', () => {
    expect(redactPaths('open /a/b/c.json failed; see GET /openapi.json or http://x.test/a/b, models/m/1/w.bin')).toBe(
      'open .../b/c.json failed; see GET /openapi.json or http://x.test/a/b, models/m/1/w.bin',
    );
  });
});
