import { z } from 'zod';
import { ensureTeamAccount, getSpace, searchAccounts } from '../../domain/accounts/accounts.service';
import { updateSpaceSettings } from '../../domain/accounts/space-settings';
import { setTeamPolicy } from '../../domain/accounts/team-policy.service';
import { accountDetails } from '../../domain/admin/account-details.service';
import { changeCreditsAsAdmin } from '../../domain/admin/admin-credits.service';
import { listAudit } from '../../domain/audit/audit.service';
import { purchaseHistory } from '../../domain/billing/billing.service';
import { listModels, updateModelSettings } from '../../domain/catalog/catalog.service';
import { getBalance, listLedger } from '../../domain/credits/credits.service';
import { dashboard } from '../../domain/dashboard/dashboard.service';
import { MAX_PAGE_SIZE } from '../../domain/history/history.service';
import { adminProcedure, moderatorProcedure, router } from '../trpc';
import { cursorInput, pageOf, purchaseView } from '../views';

const ENTRY_KINDS = [
  'starter',
  'grant',
  'purchase',
  'refund',
  'adjustment',
  'hold',
  'capture',
  'release',
  'transfer_in',
  'transfer_out',
] as const;

const reason = z.string().trim().min(3, 'Say why (at least 3 characters)').max(500);
const idempotencyKey = z.string().trim().min(8).max(200);

export const adminRouter = router({
  /** Accounts by user, identity or space name, platform user or space id, or account/user id. */
  searchAccounts: moderatorProcedure
    .input(
      z.strictObject({
        query: z.string().trim().min(1).max(200),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => searchAccounts(ctx.deps.db, input.query, input.limit)),

  /**
   * An account page: balance, owner (user and identities, or space), pending holds, flag, team policy,
   * this month's spend per member, and a ledger page (`cursor`: the last entry id seen).
   */
  account: moderatorProcedure
    .input(z.strictObject({ accountId: z.uuid(), cursor: z.number().int().positive().optional() }))
    .query(({ ctx, input }) => accountDetails(ctx.deps.db, input.accountId, { ledgerCursor: input.cursor })),

  /** An account's ledger, newest first, optionally some kinds and a time range; `cursor` is the last entry id. */
  ledger: moderatorProcedure
    .input(
      z.strictObject({
        accountId: z.uuid(),
        cursor: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(200).default(50),
        kinds: z.array(z.enum(ENTRY_KINDS)).max(ENTRY_KINDS.length).optional(),
        from: z.coerce.date().optional(),
        to: z.coerce.date().optional(),
      }),
    )
    .query(({ ctx, input }) =>
      listLedger(ctx.deps.db, input.accountId, {
        beforeId: input.cursor,
        limit: input.limit,
        kinds: input.kinds,
        from: input.from,
        to: input.to,
      }),
    ),

  /** Every purchase, newest first; optionally one account or status. */
  purchases: adminProcedure
    .input(
      z
        .strictObject({
          cursor: cursorInput,
          limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
          status: z.enum(['open', 'paid', 'expired', 'refunded']).optional(),
          accountId: z.uuid().optional(),
        })
        .default({ limit: 20 }),
    )
    .output(pageOf(purchaseView))
    .query(({ ctx, input }) => purchaseHistory(ctx.deps, input)),

  /** Series for the dashboard's charts (per UTC day) and the generation queue now. */
  dashboard: adminProcedure
    .input(z.strictObject({ days: z.number().int().min(1).max(366).default(30) }).default({ days: 30 }))
    .query(({ ctx, input }) => dashboard(ctx.deps.db, input)),

  /** Adds credits with a reason; the idempotency key makes a double-clicked form count once. */
  grant: adminProcedure
    .input(
      z.strictObject({
        accountId: z.uuid(),
        amount: z.number().int().min(1).max(10_000_000),
        reason,
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) =>
      changeCreditsAsAdmin(ctx.deps.db, {
        accountId: input.accountId,
        delta: input.amount,
        kind: 'grant',
        reason: input.reason,
        idempotencyKey: input.idempotencyKey,
        actorUserId: ctx.user.id,
      }),
    ),

  /** Corrects a balance up or down with a reason; never below zero. */
  adjust: adminProcedure
    .input(
      z.strictObject({
        accountId: z.uuid(),
        delta: z
          .number()
          .int()
          .min(-10_000_000)
          .max(10_000_000)
          .refine((d) => d !== 0, 'must not be 0'),
        reason,
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) =>
      changeCreditsAsAdmin(ctx.deps.db, {
        accountId: input.accountId,
        delta: input.delta,
        kind: 'adjustment',
        reason: input.reason,
        idempotencyKey: input.idempotencyKey,
        actorUserId: ctx.user.id,
      }),
    ),

  createTeamAccount: adminProcedure
    .input(z.strictObject({ spaceId: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      await getSpace(ctx.deps.db, input.spaceId);
      const accountId = await ensureTeamAccount(
        ctx.deps.db,
        input.spaceId,
        ctx.deps.config.teamStarterCredits,
      );
      return getBalance(ctx.deps.db, accountId);
    }),

  setTeamPolicy: adminProcedure
    .input(
      z.strictObject({
        accountId: z.uuid(),
        reason,
        spenders: z.enum(['all_members', 'listed_members', 'space_admins']).optional(),
        memberMonthlyCap: z.number().int().min(0).max(100_000_000).nullable().optional(),
        allowedModels: z.array(z.string().min(1).max(200)).max(100).nullable().optional(),
        listedSpenders: z.array(z.uuid()).max(10_000).optional(),
      }),
    )
    .mutation(({ ctx, input }) => setTeamPolicy(ctx.deps.db, { ...input, actorUserId: ctx.user.id })),

  /** What a space does with results flagged NSFW (block, spoiler, allow). */
  setSpaceSettings: adminProcedure
    .input(z.strictObject({ spaceId: z.uuid(), nsfw: z.enum(['block', 'spoiler', 'allow']), reason }))
    .mutation(({ ctx, input }) =>
      updateSpaceSettings(ctx.deps.db, {
        spaceId: input.spaceId,
        patch: { nsfw: input.nsfw },
        actorUserId: ctx.user.id,
        reason: input.reason,
      }),
    ),

  /** The audit log, newest first: who, what, when, why; `query` searches action, target, reason and actor. */
  audit: moderatorProcedure
    .input(
      z
        .strictObject({
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).default(50),
          query: z.string().trim().min(1).max(200).optional(),
          action: z.string().trim().min(1).max(100).optional(),
          actorUserId: z.uuid().optional(),
          targetType: z.string().max(50).optional(),
          targetId: z.string().max(200).optional(),
        })
        .default({ limit: 50 }),
    )
    .output(
      z.object({
        events: z.array(
          z.object({
            id: z.number().int(),
            actorUserId: z.uuid().nullable(),
            actorName: z.string().nullable(),
            action: z.string(),
            targetType: z.string(),
            targetId: z.string(),
            reason: z.string().nullable(),
            data: z.record(z.string(), z.unknown()),
            createdAt: z.date(),
          }),
        ),
        nextCursor: z.number().int().nullable(),
      }),
    )
    .query(({ ctx, input }) => listAudit(ctx.deps.db, { beforeId: input.cursor, ...input })),

  models: moderatorProcedure.query(({ ctx }) => listModels(ctx.deps.db, { includeDisabled: true })),

  updateModel: adminProcedure
    .input(
      z.strictObject({
        modelId: z.string().min(1).max(200),
        enabled: z.boolean().optional(),
        priceCredits: z.number().int().min(1).max(1_000_000).nullable().optional(),
        reason,
      }),
    )
    .mutation(({ ctx, input }) => updateModelSettings(ctx.deps.db, { ...input, actorUserId: ctx.user.id })),
});
