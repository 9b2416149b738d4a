import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/src/db/database';
import type { Platform } from '../../core/src/db/types';
import {
  ensureSpace,
  ensureTeamAccount,
  ensureUser,
  personalAccountId,
} from '../../core/src/domain/accounts/accounts.service';
import { addCredits } from '../../core/src/domain/credits/credits.service';

/** A new user with a personal account funded with `credits` (no starter grant unless asked). */
export async function makeUser(db: Db, opts: { credits?: number; platform?: Platform; name?: string } = {}) {
  const platformUserId = randomUUID();
  const user = await ensureUser(
    db,
    {
      platform: opts.platform ?? 'telegram',
      platformUserId,
      displayName: opts.name ?? `user-${platformUserId.slice(0, 6)}`,
    },
    0,
  );
  const accountId = await personalAccountId(db, user.id);
  if (opts.credits) await fund(db, accountId, opts.credits);
  return { user, accountId, platformUserId };
}

export async function fund(db: Db, accountId: string, amount: number) {
  await db
    .transaction()
    .execute((tx) =>
      addCredits(tx, { accountId, amount, kind: 'grant', idempotencyKey: `test-fund:${randomUUID()}` }),
    );
}

/** A space with a funded team account. */
export async function makeTeam(db: Db, opts: { credits?: number; platform?: Platform } = {}) {
  const space = await ensureSpace(db, {
    platform: opts.platform ?? 'discord',
    platformSpaceId: randomUUID(),
    kind: opts.platform === 'slack' ? 'workspace' : 'guild',
    name: 'Test team',
  });
  const accountId = await ensureTeamAccount(db, space.id);
  if (opts.credits) await fund(db, accountId, opts.credits);
  return { space, accountId };
}
