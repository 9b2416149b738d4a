import type { Db } from '../../db/database';
import type { Platform } from '../../db/types';
import { ensureUser, type IdentityRef, type User } from './accounts.service';
import { onUserChanged } from './user-changes';

/** How long a cached user is trusted without hearing of a change (a missed NOTIFY, at worst). */
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/**
 * Users by platform identity, for the request path: every bot call names its actor, and looking the
 * identity up again on every call is most of a cheap request's cost. A user's entry is dropped the
 * moment the user changes in this process (settings, role, a link that merges them: see
 * user-changes.ts) and when another process announces a change over NOTIFY (see app.ts); `TTL_MS`
 * bounds the rest.
 */
export class UserCache {
  private readonly users = new Map<string, { user: User; until: number }>();
  readonly close: () => void;

  constructor(
    private readonly db: Db,
    private readonly starterCredits: number,
  ) {
    this.close = onUserChanged((userId) => (userId === null ? this.users.clear() : this.forget(userId)));
  }

  async get(identity: IdentityRef): Promise<User> {
    const key = keyOf(identity.platform, identity.platformUserId);
    const cached = this.users.get(key);
    if (cached && cached.until > Date.now()) return cached.user;
    const user = await ensureUser(this.db, identity, this.starterCredits);
    if (this.users.size >= MAX_ENTRIES) this.users.clear();
    this.users.set(key, { user, until: Date.now() + TTL_MS });
    return user;
  }

  private forget(userId: string): void {
    for (const [key, entry] of this.users) if (entry.user.id === userId) this.users.delete(key);
  }
}

const keyOf = (platform: Platform, platformUserId: string) => `${platform}\u0000${platformUserId}`;
