import type { DbOrTx, Tx } from '../../db/database';
import type { GenerationRow } from '../../db/types';
import * as repo from './generation.repo';

/**
 * A front end's idempotency key for one command (e.g. `telegram:update:123`), owned by whoever sent it:
 * `scope` names the sender (a bot token's name, or `web`) and the key is looked up only among the acting
 * user's own generations. Telegram restarts its update ids after a long silence and two bots of one
 * platform count independently, so a bare key is never unique on its own.
 */
export interface RequestKey {
  scope: string;
  key: string;
}

/** The caller's own earlier generation for this key, if any. */
export function findByRequestKey(
  db: DbOrTx,
  userId: string,
  requestKey: RequestKey,
): Promise<GenerationRow | undefined> {
  return repo.findByRequestKey(db, userId, requestKey.scope, requestKey.key);
}

/**
 * Before a merge moves `fromUserId`'s generations to `toUserId`: a key both users used in one scope
 * (both signed in on the web, say) is dropped from the merged-away user's generation, which only loses
 * the replay of that old command. Bot scopes name their platform, and identities of one platform are
 * never merged, so bot keys do not meet this way.
 */
export async function dropClashingRequestKeys(tx: Tx, fromUserId: string, toUserId: string): Promise<void> {
  await repo.clearClashingRequestKeys(tx, fromUserId, toUserId);
}
