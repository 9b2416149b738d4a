import type { DbOrTx } from '../../db/database';
import {
  countSpaceMembers,
  getSpace,
  getUser,
  listIdentities,
  type Space,
} from '../accounts/accounts.service';
import { getTeamPolicy, type TeamPolicy } from '../accounts/team-policy.service';
import {
  accountFlag,
  accountOwnerId,
  type Balance,
  getBalance,
  type Hold,
  type LedgerEntry,
  listLedger,
  listMonthlySpend,
  listPendingHolds,
} from '../credits/credits.service';

export type AccountOwner =
  | {
      kind: 'personal';
      user: { id: string; displayName: string; role: 'user' | 'moderator' | 'admin' };
      identities: { platform: string; platformUserId: string; displayName: string }[];
    }
  | { kind: 'team'; space: Space; memberCount: number };

export interface AccountDetails {
  balance: Balance;
  owner: AccountOwner;
  /** Credits reserved by running work. */
  holds: Hold[];
  /** Set when a refund or lost dispute could not take back every credit. */
  flag: { at: Date; reason: string | null } | null;
  /** Team pools only. */
  policy: TeamPolicy | null;
  /** Team pools only: this month's spend per member, most first. */
  memberSpend: { userId: string; displayName: string; spent: number }[];
  /** A page of the ledger, newest first (admin.ledger filters it). */
  ledger: { entries: LedgerEntry[]; nextCursor: number | null };
}

/** What an admin's account page shows: the account, its owner, holds and flag, and a ledger page. */
export async function accountDetails(
  db: DbOrTx,
  accountId: string,
  opts: { ledgerCursor?: number } = {},
): Promise<AccountDetails> {
  const balance = await getBalance(db, accountId);
  const [owner, holds, flag, ledger] = await Promise.all([
    ownerOf(db, accountId, balance.kind),
    listPendingHolds(db, accountId),
    accountFlag(db, accountId),
    listLedger(db, accountId, { beforeId: opts.ledgerCursor, limit: 50 }),
  ]);
  const team = balance.kind === 'team';
  const [policy, memberSpend] = team
    ? await Promise.all([getTeamPolicy(db, accountId), listMonthlySpend(db, accountId)])
    : [null, []];
  return { balance, owner, holds, flag, policy, memberSpend, ledger };
}

async function ownerOf(db: DbOrTx, accountId: string, kind: 'personal' | 'team'): Promise<AccountOwner> {
  const { ownerId } = await accountOwnerId(db, accountId);
  if (kind === 'personal') {
    const user = await getUser(db, ownerId);
    return {
      kind,
      user: { id: user.id, displayName: user.displayName, role: user.role },
      identities: await listIdentities(db, user.id),
    };
  }
  const space = await getSpace(db, ownerId);
  return { kind, space, memberCount: await countSpaceMembers(db, space.id) };
}
