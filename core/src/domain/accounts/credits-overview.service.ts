import type { DbOrTx } from '../../db/database';
import { AppError } from '../../errors';
import * as creditsRepo from '../credits/credits.repo';
import {
  type Balance,
  getBalance,
  getMemberUsage,
  getPersonalBalance,
  type LedgerEntry,
  listLedger,
} from '../credits/credits.service';
import { personalAccountId, resolvePayer, type Space, spendableTeamAccount } from './accounts.service';
import { getTeamPolicy } from './team-policy.service';

export interface CreditsOverview {
  personal: Balance;
  /** The space's pool, when it has one. */
  team: Balance | null;
  /** Which of the two pays for this user's work in this space. */
  payer: 'personal' | 'team';
  /** Whether the pool's policy lets this user spend it, so they may choose it (the web studio). */
  teamSpendable: boolean;
  /** This month's spending from the pool against the per-member cap. */
  usage: { used: number; cap: number | null } | null;
}

/** What `/credits` shows: personal balance, the space's pool, who pays here, and usage against the cap. */
export async function creditsOverview(
  db: DbOrTx,
  userId: string,
  space: Space | null,
  spaceAdmin = false,
): Promise<CreditsOverview> {
  const personal = await getPersonalBalance(db, userId);
  // In a direct chat only the personal account exists for the user: one read answers it all.
  if (!space) return { personal, team: null, payer: 'personal', teamSpendable: false, usage: null };
  const teamAccount = await creditsRepo.findTeamAccount(db, space.id);
  if (!teamAccount) return { personal, team: null, payer: 'personal', teamSpendable: false, usage: null };
  const payerAccountId = await resolvePayer(db, userId, space, spaceAdmin);
  const policy = await getTeamPolicy(db, teamAccount.id);
  return {
    personal,
    team: await getBalance(db, teamAccount.id),
    payer: payerAccountId === personal.accountId ? 'personal' : 'team',
    teamSpendable: (await spendableTeamAccount(db, userId, space, spaceAdmin)) !== undefined,
    usage: { used: await getMemberUsage(db, teamAccount.id, userId), cap: policy.memberMonthlyCap },
  };
}

/** The user's own ledger, or the ledger of the current space's pool; never anyone else's. */
export async function ownLedger(
  db: DbOrTx,
  userId: string,
  space: Space | null,
  opts: { account: 'personal' | 'team'; cursor?: number; limit: number },
): Promise<{ entries: LedgerEntry[]; nextCursor: number | null }> {
  let accountId: string;
  if (opts.account === 'personal') accountId = await personalAccountId(db, userId);
  else {
    const team = space ? await creditsRepo.findTeamAccount(db, space.id) : undefined;
    if (!team) throw AppError.notFound('Team account for this space');
    accountId = team.id;
  }
  return listLedger(db, accountId, { beforeId: opts.cursor, limit: opts.limit });
}
