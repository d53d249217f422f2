/**
 * What the routes need of a shared user state (Redis): load a request's users before the
 * synchronous feature path, and say whether it is reachable. Without one (the embedded store)
 * every request reads in-process state and nothing is awaited.
 */
import type { Context } from 'hono';
import type { AppEnv } from './routes/shared.js';

/** Whether a shared user state could be read. */
export interface UserStateHealth {
  backend: 'redis';
  /** False while Redis is unreachable: requests are served with model-only features, events refused. */
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
}

/** See the module comment. */
export interface UserStateAccess {
  /** Loads the users' state; resolves false (never rejects) when it cannot be read. */
  prefetch(userIds: readonly string[]): Promise<boolean>;
  health(): UserStateHealth;
}

/** What a degraded response lists: the user state it could not read. */
export const USER_STATE_DEGRADED = 'user_state';

/**
 * Prefetches the request's users; returns the `degraded` list of the response (empty when the
 * state was read, or there is no shared state).
 */
export async function prefetchUsers(
  c: Context<AppEnv>,
  access: UserStateAccess | undefined,
  userIds: readonly string[],
): Promise<string[]> {
  if (!access || (await access.prefetch(userIds))) return [];
  c.get('log').degraded = USER_STATE_DEGRADED;
  return [USER_STATE_DEGRADED];
}
