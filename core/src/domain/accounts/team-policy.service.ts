import type { Db, DbOrTx } from '../../db/database';
import type { TeamSpenders } from '../../db/types';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/audit.service';
import * as creditsRepo from '../credits/credits.repo';

export interface TeamPolicy {
  accountId: string;
  spenders: TeamSpenders;
  memberMonthlyCap: number | null;
  allowedModels: string[] | null;
  listedSpenders: string[];
}

/** The policy of a team account. */
export async function getTeamPolicy(db: DbOrTx, accountId: string): Promise<TeamPolicy> {
  const policy = await creditsRepo.findTeamPolicy(db, accountId);
  if (!policy) throw AppError.notFound('Team account');
  const spenders = await creditsRepo.listSpenders(db, accountId);
  return {
    accountId,
    spenders: policy.spenders,
    memberMonthlyCap: policy.member_monthly_cap,
    allowedModels: policy.allowed_models,
    listedSpenders: spenders,
  };
}

/** Changes who may spend a team pool, the per-member monthly cap and the allowed models; audited. */
export async function setTeamPolicy(
  db: Db,
  input: {
    accountId: string;
    actorUserId: string;
    reason: string;
    spenders?: TeamSpenders;
    memberMonthlyCap?: number | null;
    allowedModels?: string[] | null;
    listedSpenders?: string[];
  },
): Promise<TeamPolicy> {
  await db.transaction().execute(async (tx) => {
    const current = await creditsRepo.findTeamPolicy(tx, input.accountId);
    if (!current) throw AppError.notFound('Team account');
    await creditsRepo.updateTeamPolicy(tx, input.accountId, {
      ...(input.spenders !== undefined ? { spenders: input.spenders } : {}),
      ...(input.memberMonthlyCap !== undefined ? { member_monthly_cap: input.memberMonthlyCap } : {}),
      ...(input.allowedModels !== undefined ? { allowed_models: input.allowedModels } : {}),
      updated_by: input.actorUserId,
    });
    if (input.listedSpenders) await creditsRepo.replaceSpenders(tx, input.accountId, input.listedSpenders);
    await recordAudit(tx, {
      actorUserId: input.actorUserId,
      action: 'team.policy.update',
      targetType: 'credit_account',
      targetId: input.accountId,
      reason: input.reason,
      data: {
        spenders: input.spenders,
        memberMonthlyCap: input.memberMonthlyCap,
        allowedModels: input.allowedModels,
        listedSpenders: input.listedSpenders,
      },
    });
  });
  return getTeamPolicy(db, input.accountId);
}
