import type { Config } from '../../config';
import type { Db } from '../../db/database';
import type { TeamSpenders } from '../../db/types';
import { AppError } from '../../errors';
import { getModel } from '../catalog/catalog.service';
import { type Balance, getBalance, listMonthlySpend, usageMonth } from '../credits/credits.service';
import { ensureTeamAccount, findTeamAccountId, type Space, type User } from './accounts.service';
import { getTeamPolicy, setTeamPolicy } from './team-policy.service';

/** Who runs a `team` command: the person, the space it came from and whether the bot says they administer it. */
export interface TeamActor {
  user: User;
  space: Space | null;
  spaceAdmin: boolean;
}

/** Who may spend the pool, in the words of the `team spenders` command. */
export type SpenderRule = 'everyone' | 'admins' | 'listed';

export interface MemberSpend {
  userId: string;
  displayName: string;
  /** Captured this month. */
  spent: number;
  /** Still held for running work started this month. */
  held: number;
}

export interface TeamOverview {
  space: { id: string; name: string; kind: Space['kind']; platform: Space['platform'] };
  /** Whether the caller may change the policy. */
  viewerIsAdmin: boolean;
  /** The space's pool; null until it has one (the first policy change, a purchase or an admin creates it). */
  pool: Balance | null;
  policy: {
    spenders: SpenderRule;
    memberMonthlyCap: number | null;
    /** null: every model. */
    allowedModels: { id: string; name: string }[] | null;
  } | null;
  /** The UTC month the spend covers, e.g. '2026-12'. */
  month: string;
  /** Space admins see every member who spent this month; anyone else sees only their own line. */
  members: MemberSpend[];
}

export interface TeamDeps {
  db: Db;
  config: Pick<Config, 'teamStarterCredits'>;
}

const RULE_OF: Record<TeamSpenders, SpenderRule> = {
  all_members: 'everyone',
  space_admins: 'admins',
  listed_members: 'listed',
};

function requireSpace(actor: TeamActor): Space {
  if (!actor.space || actor.space.kind === 'dm') {
    throw AppError.invalidInput('Team credits belong to a group, server or workspace; ask there', {
      space: ['no shared space here'],
    });
  }
  return actor.space;
}

/** The `team` overview: pool balance, policy and this month's spend per member. */
export async function teamOverview(db: Db, actor: TeamActor): Promise<TeamOverview> {
  const space = requireSpace(actor);
  const accountId = await findTeamAccountId(db, space.id);
  const base = {
    space: { id: space.id, name: space.name, kind: space.kind, platform: space.platform },
    viewerIsAdmin: actor.spaceAdmin,
    month: usageMonth().slice(0, 7),
  };
  if (!accountId) {
    return { ...base, pool: null, policy: null, members: actor.spaceAdmin ? [] : [ownLine(actor.user)] };
  }
  const [pool, policy, members] = await Promise.all([
    getBalance(db, accountId),
    getTeamPolicy(db, accountId),
    listMonthlySpend(db, accountId, actor.spaceAdmin ? undefined : actor.user.id),
  ]);
  return {
    ...base,
    pool,
    policy: {
      spenders: RULE_OF[policy.spenders],
      memberMonthlyCap: policy.memberMonthlyCap,
      allowedModels: policy.allowedModels ? await modelNames(db, policy.allowedModels) : null,
    },
    members: !actor.spaceAdmin && members.length === 0 ? [ownLine(actor.user)] : members,
  };
}

const ownLine = (user: User): MemberSpend => ({
  userId: user.id,
  displayName: user.displayName,
  spent: 0,
  held: 0,
});

async function modelNames(db: Db, ids: readonly string[]) {
  return Promise.all(
    ids.map(async (id) => {
      const model = await getModel(db, id).catch(() => null);
      return { id, name: model?.name ?? id };
    }),
  );
}

/** The per-member monthly cap in credits, or null for none. Space admins only; audited. */
export function setTeamCap(deps: TeamDeps, actor: TeamActor, cap: number | null): Promise<TeamOverview> {
  return changePolicy(deps, actor, `cap ${cap ?? 'off'}`, { memberMonthlyCap: cap });
}

/** The models the pool pays for (ids or aliases), or null for every model. Space admins only; audited. */
export async function setTeamModels(
  deps: TeamDeps,
  actor: TeamActor,
  models: readonly string[] | null,
): Promise<TeamOverview> {
  requireAdmin(actor);
  const ids =
    models === null
      ? null
      : [...new Set((await Promise.all(models.map((m) => getModel(deps.db, m)))).map((m) => m.id))];
  return changePolicy(deps, actor, `models ${ids?.join(',') ?? 'all'}`, { allowedModels: ids });
}

/** Whether every member or only the space's admins may spend the pool. Space admins only; audited. */
export function setTeamSpenders(
  deps: TeamDeps,
  actor: TeamActor,
  spenders: 'everyone' | 'admins',
): Promise<TeamOverview> {
  return changePolicy(deps, actor, `spenders ${spenders}`, {
    spenders: spenders === 'everyone' ? 'all_members' : 'space_admins',
  });
}

function requireAdmin(actor: TeamActor): Space {
  const space = requireSpace(actor);
  if (!actor.spaceAdmin) throw AppError.forbidden('Only admins of this space can change its team policy');
  return space;
}

/** Creates the pool on first use (with its starter credits), then changes and audits the policy. */
async function changePolicy(
  deps: TeamDeps,
  actor: TeamActor,
  what: string,
  change: { memberMonthlyCap?: number | null; allowedModels?: string[] | null; spenders?: TeamSpenders },
): Promise<TeamOverview> {
  const space = requireAdmin(actor);
  const accountId = await ensureTeamAccount(deps.db, space.id, deps.config.teamStarterCredits);
  await setTeamPolicy(deps.db, {
    accountId,
    actorUserId: actor.user.id,
    reason: `team ${what}, by a space admin`,
    ...change,
  });
  return teamOverview(deps.db, actor);
}
