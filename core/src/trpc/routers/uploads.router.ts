import { z } from 'zod';
import { UPLOAD_KINDS } from '../../domain/uploads/upload-limits';
import {
  attachmentSourceFor,
  completeUpload,
  createUpload,
  deleteAsset,
  getAsset,
  ingestFromUrl,
  listAssets,
} from '../../domain/uploads/uploads.service';
import { AppError } from '../../errors';
import { router, userProcedure } from '../trpc';

const kind = z.enum(UPLOAD_KINDS);
const uploadId = z.uuid();
const filename = z.string().trim().min(1).max(255).optional();

export const uploadsRouter = router({
  /** Starts an upload: a short-lived PUT URL bound to the declared type and size. */
  create: userProcedure
    .input(
      z.strictObject({
        kind,
        contentType: z.string().trim().min(3).max(255),
        size: z.number().int().positive(),
        filename,
      }),
    )
    .mutation(({ ctx, input }) => createUpload(ctx.deps, ctx.user.id, input)),

  /** Verifies the PUT file; only then can it be shown or used as a model input. */
  complete: userProcedure
    .input(z.strictObject({ uploadId }))
    .mutation(({ ctx, input }) => completeUpload(ctx.deps, ctx.user.id, input.uploadId)),

  /** Bots only: downloads a chat attachment from the bot's own platform CDN and ingests it. */
  fromUrl: userProcedure
    .input(z.strictObject({ url: z.string().trim().min(1).max(4096), kind, filename }))
    .mutation(({ ctx, input }) => {
      if (ctx.caller.kind !== 'service') throw AppError.forbidden('Only bots can add files by URL');
      const source = attachmentSourceFor(ctx.caller.service.platform, ctx.deps.config.env);
      if (!source) throw AppError.forbidden('This platform has no attachments to fetch');
      return ingestFromUrl(ctx.deps, ctx.user.id, { ...input, ...source });
    }),

  get: userProcedure
    .input(z.strictObject({ uploadId }))
    .query(({ ctx, input }) => getAsset(ctx.deps, ctx.user.id, input.uploadId)),

  list: userProcedure
    .input(
      z.strictObject({
        kind: kind.optional(),
        cursor: z.uuid().optional(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => listAssets(ctx.deps, ctx.user.id, input)),

  delete: userProcedure.input(z.strictObject({ uploadId })).mutation(async ({ ctx, input }) => {
    await deleteAsset(ctx.deps, ctx.user.id, input.uploadId);
    return { deleted: true } as const;
  }),
});
