/**
 * CSRF protection of the UI's forms: a random token in a SameSite=Strict, HttpOnly cookie that
 * every form repeats in a hidden field (double submit), compared in constant time; and a POST
 * whose Origin header names another site is refused whatever it carries.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { tokenMatches } from '../auth.js';

/** The cookie and form field holding the token. */
export const CSRF_FIELD = 'csrf';
const COOKIE = 'workbench_csrf';

/** The request's CSRF token, set as a cookie when it has none yet; put it in every form. */
export function csrfToken(c: Context): string {
  const existing = getCookie(c, COOKIE);
  if (existing && /^[0-9a-f]{32}$/.test(existing)) return existing;
  const token = randomBytes(16).toString('hex');
  setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/ui' });
  return token;
}

/** Why a form POST is refused as a possible forgery, or undefined when it is not. */
export function csrfProblem(c: Context, submitted: unknown): string | undefined {
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(c.req.url).origin) return `the form was posted from another site (${origin})`;
  const cookie = getCookie(c, COOKIE);
  if (!cookie || typeof submitted !== 'string' || !submitted) return 'the form has no CSRF token: reload the page and submit it again';
  if (!tokenMatches(submitted, cookie)) return 'the form CSRF token does not match: reload the page and submit it again';
  return undefined;
}
