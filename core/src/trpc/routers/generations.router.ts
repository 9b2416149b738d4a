import { tracked } from '@trpc/server';
import { z } from 'zod';
import { ackDeliveries, streamDeliveries } from '../../domain/generation/deliveries.service';
import {
  createGeneration,
  followUpGeneration,
  getGeneration,
  quoteGeneration,
  rerollGeneration,
  resolveGenerationRef,
} from '../../domain/generation/generation.service';
import { planGeneration } from '../../domain/generation/generation-plan';
import { followGeneration } from '../../domain/generation/generation-progress';
import { cancelGeneration } from '../../domain/generation/pipeline';
import type { RequestKey } from '../../domain/generation/request-keys';
import { router, serviceProcedure, userProcedure } from '../trpc';

const requestInput = z.strictObject({
  model: z.string().trim().min(1).max(200).optional(),
  input: z.record(z.string(), z.unknown()),
  /** A plain prompt for the model's main text field (when `input` does not fill it). */
  prompt: z.string().max(10_000).optional(),
  loras: z
    .array(z.strictObject({ id: z.uuid(), scale: z.number().min(0).max(2).default(1) }))
    .max(3)
    .optional(),
  /** Who pays, for a user acting in a team space: the pool (within its policy) or their own balance. */
  payWith: z.enum(['personal', 'team']).optional(),
});

export const originInput = z
  .strictObject({
    chatId: z.string().max(256).optional(),
    messageId: z.string().max(256).optional(),
    threadId: z.string().max(256).optional(),
    private: z.boolean().optional(),
  })
  .optional();

const id = z.strictObject({ id: z.uuid() });

/** A bot's idempotency key for one command; it only ever matches the same caller's earlier command. */
export const requestKeyInput = z.string().min(1).max(200).optional();

export function scopedRequestKey(
  ctx: { requestScope: string },
  key: string | undefined,
): RequestKey | undefined {
  return key === undefined ? undefined : { scope: ctx.requestScope, key };
}

const planInput = z.strictObject({
  model: z.string().trim().min(1).max(200).optional(),
  prompt: z.string().max(10_000).optional(),
  options: z
    .strictObject({
      size: z.string().trim().min(1).max(40).optional(),
      count: z.number().int().min(1).max(100).optional(),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .optional(),
      negative: z.string().max(10_000).optional(),
      fields: z
        .record(z.string().min(1).max(64), z.union([z.string().max(10_000), z.number(), z.boolean()]))
        .optional(),
    })
    .optional(),
  files: z
    .array(
      z.strictObject({ kind: z.enum(['image', 'audio', 'video', 'archive']), uploadId: z.uuid().optional() }),
    )
    .max(4)
    .optional(),
  loras: z
    .array(
      z.strictObject({ name: z.string().trim().min(1).max(40), scale: z.number().min(0).max(2).optional() }),
    )
    .max(3)
    .optional(),
});

export const generationsRouter = router({
  /** Validates, prices and accepts a generation; the price is held until it ends. */
  create: userProcedure
    .input(requestInput.extend({ origin: originInput, requestKey: requestKeyInput }))
    .mutation(async ({ ctx, input }) => {
      const { origin: where, requestKey, payWith, ...request } = input;
      return createGeneration(
        ctx.deps,
        { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin, payWith },
        {
          ...request,
          requestKey: scopedRequestKey(ctx, requestKey),
          origin: { ...where, platform: ctx.platform },
        },
      );
    }),

  /** What a request would cost, checked like create, holding nothing. */
  quote: userProcedure
    .input(requestInput)
    .query(({ ctx, input }) =>
      quoteGeneration(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }, input),
    ),

  /**
   * Which model runs a chat request, with what input and at what price, holding and uploading
   * nothing: the prompt goes into the model's main text field; a category word ('3d', 'music'...)
   * picks the category's model that fits; an attached file or a LoRA moves to a model that takes it
   * (`note` says so). INVALID_INPUT in words (and `details.needs`) for what a model still needs.
   */
  plan: userProcedure
    .input(planInput)
    .query(({ ctx, input }) =>
      planGeneration(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }, input),
    ),

  get: userProcedure.input(id).query(({ ctx, input }) => getGeneration(ctx.deps, ctx.user.id, input.id)),

  /** A typed id (full, or the 6-8 characters shown in chat) as the full id of one of the caller's generations. */
  resolveId: userProcedure
    .input(z.strictObject({ ref: z.string().trim().min(1).max(64) }))
    .query(async ({ ctx, input }) => ({
      id: await resolveGenerationRef(ctx.deps.db, ctx.user.id, input.ref),
    })),

  /** Runs one of a result's follow-ups (see GenerationView.followUps) as a new, charged generation. */
  followUp: userProcedure
    .input(
      id.extend({
        kind: z.enum(['animate', 'make3d', 'upscale', 'vary']),
        origin: originInput,
        requestKey: requestKeyInput,
      }),
    )
    .mutation(({ ctx, input }) =>
      followUpGeneration(
        ctx.deps,
        { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin },
        input.id,
        input.kind,
        {
          requestKey: scopedRequestKey(ctx, input.requestKey),
          ...(input.origin ? { origin: { ...input.origin, platform: ctx.platform } } : {}),
        },
      ),
    ),

  cancel: userProcedure.input(id).mutation(async ({ ctx, input }) => {
    await cancelGeneration(
      ctx.deps,
      { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin },
      input.id,
    );
    return getGeneration(ctx.deps, ctx.user.id, input.id);
  }),

  /** The same input again with a new seed, as a new (charged) generation. */
  reroll: userProcedure
    .input(id.extend({ origin: originInput, requestKey: requestKeyInput }))
    .mutation(({ ctx, input }) =>
      rerollGeneration(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }, input.id, {
        requestKey: scopedRequestKey(ctx, input.requestKey),
        origin: input.origin ? { ...input.origin, platform: ctx.platform } : undefined,
      }),
    ),

  /** Server-sent state of one generation (status, queue position, percent) until it ends. */
  progress: userProcedure
    .input(id)
    .subscription(({ ctx, input, signal }) => followGeneration(ctx.deps, ctx.user.id, input.id, signal)),
});

/** `consumerId`: the bot process's own id, the same across its reconnects (see claimDeliveries). */
const streamInput = z.strictObject({ consumerId: z.string().min(8).max(100).optional() }).optional();

export const deliveriesRouter = router({
  /**
   * Every unacknowledged delivery for the calling bot's platform, then new ones as they happen.
   * At-least-once: a bot acknowledges what it posted; whatever it did not is sent again on reconnect.
   */
  stream: serviceProcedure.input(streamInput).subscription(async function* ({ ctx, input, signal }) {
    const consumerId = input?.consumerId ?? null;
    for await (const delivery of streamDeliveries(ctx.deps, ctx.service.platform, consumerId, signal)) {
      yield tracked(String(delivery.deliveryId), delivery);
    }
  }),

  ack: serviceProcedure
    .input(z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(500) }))
    .mutation(async ({ ctx, input }) => ({
      acknowledged: await ackDeliveries(ctx.deps.db, ctx.service.platform, input.ids),
    })),
});
