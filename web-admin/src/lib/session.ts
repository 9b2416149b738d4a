import { useQuery } from '@tanstack/react-query';
import { api, type RouterOutputs } from './api';

export type Session = NonNullable<RouterOutputs['auth']['session']>;
export type Role = Session['user']['role'];

export const SESSION_KEY = ['auth.session'] as const;

/** Who is signed in (null: nobody). Staff pages and user pages share it. */
export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: () => api.auth.session.query(), staleTime: 60_000 });
}

/** Staff (password sessions) only; a user signed in through a bot's link never is, whatever the role. */
export function isStaff(session: Session | null | undefined): boolean {
  return session?.kind === 'password' && (session.user.role === 'admin' || session.user.role === 'moderator');
}

export const isAdmin = (session: Session | null | undefined) =>
  session?.kind === 'password' && session.user.role === 'admin';
