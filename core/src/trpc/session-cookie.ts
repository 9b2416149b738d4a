import type { Config } from '../config';
import { SESSION_COOKIE } from './context';

/**
 * The web session cookie: HttpOnly (no script reads it), Secure when PUBLIC_URL is https, and
 * SameSite. Staff sessions are Strict; a user's link session is Lax, so following a link back from
 * Stripe Checkout still arrives signed in.
 */
export function sessionCookie(
  config: Pick<Config, 'publicUrl'>,
  session: { token: string; expiresAt: Date },
  sameSite: 'Strict' | 'Lax',
): string {
  const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${session.token}; Path=/; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}${secure(config)}`;
}

/** Expires the session cookie in the browser. */
export function clearedSessionCookie(config: Pick<Config, 'publicUrl'>): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure(config)}`;
}

const secure = (config: Pick<Config, 'publicUrl'>) =>
  config.publicUrl?.startsWith('https:') ? '; Secure' : '';
