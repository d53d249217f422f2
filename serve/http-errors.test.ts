import { describe, expect, it } from 'vitest';
import { DataError, ERROR_CODES, InvalidArgumentError, NotFoundError, UsageError, WorkbenchError } from '../src/errors.js';
import { ApiError, STATUS_BY_CODE, toErrorResponse } from './http-errors.js';

describe('the error taxonomy', () => {
  it('gives every code a status, and every status in the map is a listed code', () => {
    expect(Object.keys(STATUS_BY_CODE).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const status of Object.values(STATUS_BY_CODE)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it('maps library errors by code: usage and data are 400, lookups 404, a dependency down 503, the rest 500', () => {
    expect(toErrorResponse(new UsageError('bad flag')).status).toBe(400);
    const data = toErrorResponse(new DataError('not a number', { file: 'e.csv', line: 3, field: 'ts' }));
    expect(data).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_data', field: 'ts', message: 'e.csv, line 3, field "ts": not a number' } },
    });
    expect(toErrorResponse(new NotFoundError('no model "x"')).status).toBe(404);
    expect(toErrorResponse(new WorkbenchError('redis_unavailable', 'cannot reach Redis')).status).toBe(503);
    // A library argument error reaching a response is a route that let bad input through: a bug.
    expect(toErrorResponse(new InvalidArgumentError('k must be positive')).body.error.code).toBe('invalid_argument');
    expect(toErrorResponse(new InvalidArgumentError('k must be positive')).status).toBe(500);
  });

  it('keeps the status an ApiError chose and hides anything unknown behind "internal"', () => {
    expect(toErrorResponse(new ApiError(409, 'alias_refused', 'corrupt version')).status).toBe(409);
    const unknown = toErrorResponse(new Error('secret /srv/path'));
    expect(unknown).toEqual({ status: 500, body: { error: { code: 'internal', message: expect.stringMatching(/^internal error/) } } });
  });
});
