import { describe, expect, it } from 'vitest';
import { NotFoundError, WorkbenchError } from '../src/errors.js';
import { tokenMatches } from './auth.js';
import { createService } from './service.js';
import { type ErrorJson, sendJson } from './testing/helpers.js';
import { MemorySource } from './testing/memory-source.js';

const TOKEN = 's3cret-token';

async function setup(options: { adminToken?: string; withSetAlias?: boolean } = {}) {
  const source = new MemorySource();
  source.publish('demo');
  source.publish('demo');
  source.setAlias('demo', 'champion', 1);
  const calls: [string, string, number][] = [];
  const svc = createService({
    source,
    modelName: 'demo',
    pollIntervalMs: 0,
    adminToken: options.adminToken,
    setAlias:
      options.withSetAlias === false
        ? undefined
        : async (name, alias, version) => {
            calls.push([name, alias, version]);
            if (version === 99) throw new NotFoundError(`model "${name}" has no version 99`);
            if (version === 42) throw new WorkbenchError('corrupt_model', 'models/demo/42/weights.bin: sha256 mismatch');
            source.setAlias(name, alias, version);
          },
  });
  await svc.start();
  return { source, svc, calls };
}

const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

async function code(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as ErrorJson).error.code];
}

describe('admin routes', () => {
  it('do not exist without WORKBENCH_ADMIN_TOKEN, and say so', async () => {
    const { svc } = await setup();
    const res = await svc.app.request('/admin/reload', { method: 'POST', headers: auth() });
    const body = (await res.json()) as ErrorJson;
    expect([res.status, body.error.code]).toEqual([404, 'admin_disabled']);
    expect(body.error.message).toMatch(/WORKBENCH_ADMIN_TOKEN/);
    expect(
      await code(await sendJson(svc.app, '/admin/models/demo/aliases/champion', { version: 2 }, { method: 'PUT', headers: auth() })),
    ).toEqual([404, 'admin_disabled']);
    await svc.close();
  });

  it('answer 401 without a bearer token, 403 with a wrong one, 200 with the right one', async () => {
    const { svc } = await setup({ adminToken: TOKEN });
    const missing = await svc.app.request('/admin/reload', { method: 'POST' });
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await code(missing)).toEqual([401, 'unauthorized']);
    expect(await code(await svc.app.request('/admin/reload', { method: 'POST', headers: { authorization: 'Basic abc' } }))).toEqual([
      401,
      'unauthorized',
    ]);
    expect(await code(await svc.app.request('/admin/reload', { method: 'POST', headers: auth('s3cret-tokem') }))).toEqual([
      403,
      'forbidden',
    ]);
    expect(await code(await svc.app.request('/admin/reload', { method: 'POST', headers: auth(`${TOKEN}x`) }))).toEqual([403, 'forbidden']);
    const ok = await svc.app.request('/admin/reload', { method: 'POST', headers: auth() });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { models: { name: string; aliases: Record<string, number> }[] };
    expect(body.models[0]).toMatchObject({ name: 'demo', aliases: { champion: 1, latest: 2 } });
    await svc.close();
  });

  it('move an alias through the registry writer, then serve the new version', async () => {
    const { svc, calls } = await setup({ adminToken: TOKEN });
    const res = await sendJson(svc.app, '/admin/models/demo/aliases/champion', { version: 2 }, { method: 'PUT', headers: auth() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'demo', alias: 'champion', version: 2, status: 'done', serving: 2 });
    expect(calls).toEqual([['demo', 'champion', 2]]);
    const rec = (await (await sendJson(svc.app, '/v1/recommendations', { userId: 'u1' })).json()) as { model: { version: number } };
    expect(rec.model.version).toBe(2);
    await svc.close();
  });

  it('answer 202 (never a 504) when the change outlasts the request budget, and report it when polled', async () => {
    const source = new MemorySource();
    source.publish('demo');
    source.publish('demo');
    source.setAlias('demo', 'champion', 1);
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const svc = createService({
      source,
      modelName: 'demo',
      pollIntervalMs: 0,
      adminToken: TOKEN,
      requestTimeoutMs: 100,
      // Opening and warming a big version: slower than the request timeout.
      setAlias: async (name, alias, version) => {
        await slow;
        source.setAlias(name, alias, version);
      },
    });
    await svc.start();
    const res = await sendJson(svc.app, '/admin/models/demo/aliases/champion', { version: 2 }, { method: 'PUT', headers: auth() });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe('/admin/models/demo/aliases/champion');
    expect(await res.json()).toMatchObject({ version: 2, status: 'pending', serving: 1 });
    const poll = async () =>
      (await (await svc.app.request('/admin/models/demo/aliases/champion', { headers: auth() })).json()) as {
        status: string;
        serving: number;
      };
    expect(await poll()).toMatchObject({ status: 'pending', serving: 1 });
    release();
    let polled = await poll();
    for (let i = 0; i < 200 && polled.status === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      polled = await poll();
    }
    expect(polled).toMatchObject({ status: 'done', serving: 2 });
    expect(await code(await svc.app.request('/admin/models/demo/aliases/other', { headers: auth() }))).toEqual([404, 'not_found']);
    await svc.close();
  });

  it('map registry refusals and bad input to clear errors', async () => {
    const { svc } = await setup({ adminToken: TOKEN });
    const put = (url: string, body: unknown) => sendJson(svc.app, url, body, { method: 'PUT', headers: auth() });
    expect(await code(await put('/admin/models/demo/aliases/champion', { version: 99 }))).toEqual([404, 'not_found']);
    expect(await code(await put('/admin/models/demo/aliases/champion', { version: 42 }))).toEqual([409, 'alias_refused']);
    expect(await code(await put('/admin/models/demo/aliases/champion', { version: 0 }))).toEqual([400, 'invalid_request']);
    expect(await code(await put('/admin/models/demo/aliases/9lives', { version: 2 }))).toEqual([400, 'invalid_request']);
    expect(await code(await put('/admin/models/demo/aliases/champion', '{"version":'))).toEqual([400, 'invalid_json']);
    const noWriter = await setup({ adminToken: TOKEN, withSetAlias: false });
    expect(
      await code(
        await sendJson(noWriter.svc.app, '/admin/models/demo/aliases/champion', { version: 2 }, { method: 'PUT', headers: auth() }),
      ),
    ).toEqual([501, 'not_implemented']);
    await svc.close();
    await noWriter.svc.close();
  });
});

describe('tokenMatches', () => {
  it('accepts only the exact token, whatever the lengths', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches(`${TOKEN}${TOKEN}`, TOKEN)).toBe(false);
  });
});
