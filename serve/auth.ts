/**
 * Admin authentication: `Authorization: Bearer <token>` compared in constant time. Both sides are
 * hashed first so neither the content nor the length of the token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './http-errors.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** True when `given` equals `expected`, in time independent of where they differ. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Guards admin routes. No token configured: 404 `admin_disabled` (the routes do not exist for
 * anyone). Missing or malformed header: 401. Wrong token: 403.
 */
export function adminAuth(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) {
      throw new ApiError(404, 'admin_disabled', 'admin endpoints are disabled: start the service with WORKBENCH_ADMIN_TOKEN set');
    }
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new ApiError(401, 'unauthorized', 'admin endpoints need "Authorization: Bearer <token>"', {
        headers: { 'WWW-Authenticate': 'Bearer realm="workbench-admin"' },
      });
    }
    if (!tokenMatches(match[1], token)) throw new ApiError(403, 'forbidden', 'admin token is wrong');
    await next();
  };
}
