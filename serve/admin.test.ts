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
    expect(await res.json()).toEqual({ name: 'demo', alias: 'champion', version: 2, serving: 2 });
    expect(calls).toEqual([['demo', 'champion', 2]]);
    const rec = (await (await sendJson(svc.app, '/v1/recommendations', { userId: 'u1' })).json()) as { model: { version: number } };
    expect(rec.model.version).toBe(2);
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
