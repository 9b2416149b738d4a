/**
 * In-process announcements that a user changed (settings, role, a link that merged them), so that
 * caches of users drop their copy at once. Other processes hear of it over NOTIFY (a `user` event).
 */
const listeners = new Set<(userId: string | null) => void>();

/** `userId` null: any user may have changed (LISTEN reconnected and may have missed something). */
export function onUserChanged(listener: (userId: string | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function userChanged(userId: string | null): void {
  for (const listener of listeners) listener(userId);
}
