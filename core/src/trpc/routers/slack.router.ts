import { z } from 'zod';
import {
  findSlackInstallation,
  removeSlackInstallation,
  saveSlackInstallation,
} from '../../domain/slack/slack-installations.service';
import { AppError } from '../../errors';
import { router, serviceProcedure } from '../trpc';

/** Only the Slack app's own service tokens may read or change Slack installations (they hold bot tokens). */
const slackAppProcedure = serviceProcedure.use(({ ctx, next }) => {
  if (ctx.service.platform !== 'slack')
    throw AppError.forbidden('Only the Slack app can manage Slack installations');
  return next();
});

const slackId = z.string().min(1).max(64);
const named = z.looseObject({ id: slackId, name: z.string().max(200).optional() });

// Bolt's Installation: the fields core reads are checked, the rest is kept as Bolt sent it.
const installationSchema = z
  .looseObject({
    team: named.nullish(),
    enterprise: named.nullish(),
    isEnterpriseInstall: z.boolean().optional(),
    appId: z.string().max(64).optional(),
    bot: z
      .looseObject({
        token: z.string().min(1).max(512),
        userId: slackId,
        id: slackId.optional(),
        scopes: z.array(z.string().max(100)).max(100),
      })
      .optional(),
    user: z.looseObject({ id: slackId }),
  })
  .refine((i) => JSON.stringify(i).length <= 32_000, 'installation record is too large');

const querySchema = z.object({
  teamId: slackId.optional(),
  enterpriseId: slackId.optional(),
  isEnterpriseInstall: z.boolean(),
});

/**
 * Bolt's installation store for the multi-workspace Slack app, backed by core's database (see
 * bots/slack/slack-installation-store.ts). A workspace's space id is its Slack team id.
 */
export const slackRouter = router({
  installations: router({
    save: slackAppProcedure.input(installationSchema).mutation(async ({ ctx, input }) => {
      await saveSlackInstallation(
        {
          db: ctx.deps.db,
          secret: ctx.deps.config.secret,
          teamStarterCredits: ctx.deps.config.teamStarterCredits,
        },
        input,
      );
      return { saved: true as const };
    }),
    find: slackAppProcedure
      .input(querySchema)
      .query(({ ctx, input }) =>
        findSlackInstallation({ db: ctx.deps.db, secret: ctx.deps.config.secret }, input),
      ),
    remove: slackAppProcedure.input(querySchema).mutation(async ({ ctx, input }) => ({
      removed: await removeSlackInstallation({ db: ctx.deps.db, secret: ctx.deps.config.secret }, input),
    })),
  }),
});
