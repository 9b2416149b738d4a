import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  ackDeliveries,
  claimDeliveries,
  loadDeliveries,
  releaseDeliveries,
} from '../../domain/generation/deliveries.service';
import { ACTIVE_STATUSES } from '../../domain/generation/generation.repo';
import {
  createGeneration,
  getGeneration,
  ownedGeneration,
  quoteGeneration,
  rerollGeneration,
} from '../../domain/generation/generation.service';
import { cancelGeneration } from '../../domain/generation/pipeline';
import type { RequestKey } from '../../domain/generation/request-keys';
import type { AtelierEvent } from '../../events/event-bus';
import { router, serviceProcedure, userProcedure } from '../trpc';

const requestInput = z.strictObject({
  model: z.string().trim().min(1).max(200).optional(),
  input: z.record(z.string(), z.unknown()),
  loras: z
    .array(z.strictObject({ id: z.uuid(), scale: z.number().min(0).max(2).default(1) }))
    .max(3)
    .optional(),
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

const LEASE_RECHECK_MS = 15_000;
const sleep = (ms: number) =>
  new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

export const generationsRouter = router({
  /** Validates, prices and accepts a generation; the price is held until it ends. */
  create: userProcedure
    .input(requestInput.extend({ origin: originInput, requestKey: requestKeyInput }))
    .mutation(async ({ ctx, input }) => {
      const { origin: where, requestKey, ...request } = input;
      return createGeneration(
        ctx.deps,
        { user: ctx.user, space: ctx.space },
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
    .query(({ ctx, input }) => quoteGeneration(ctx.deps, { user: ctx.user, space: ctx.space }, input)),

  get: userProcedure.input(id).query(({ ctx, input }) => getGeneration(ctx.deps, ctx.user.id, input.id)),

  cancel: userProcedure.input(id).mutation(async ({ ctx, input }) => {
    await cancelGeneration(ctx.deps, { user: ctx.user, space: ctx.space }, input.id);
    return getGeneration(ctx.deps, ctx.user.id, input.id);
  }),

  /** The same input again with a new seed, as a new (charged) generation. */
  reroll: userProcedure
    .input(id.extend({ origin: originInput, requestKey: requestKeyInput }))
    .mutation(({ ctx, input }) =>
      rerollGeneration(ctx.deps, { user: ctx.user, space: ctx.space }, input.id, {
        requestKey: scopedRequestKey(ctx, input.requestKey),
        origin: input.origin ? { ...input.origin, platform: ctx.platform } : undefined,
      }),
    ),

  /** Server-sent state of one generation (status, queue position, percent) until it ends. */
  progress: userProcedure.input(id).subscription(async function* ({ ctx, input, signal }) {
    await ownedGeneration(ctx.deps.db, ctx.user.id, input.id);
    const isMine = (e: AtelierEvent): e is Extract<AtelierEvent, { type: 'generation' }> =>
      e.type === 'generation' && e.generationId === input.id;
    const events = ctx.deps.events.stream(isMine, signal)[Symbol.asyncIterator]();
    try {
      let view = await getGeneration(ctx.deps, ctx.user.id, input.id);
      yield view;
      while (ACTIVE_STATUSES.includes(view.status)) {
        const next = await events.next();
        if (next.done) return;
        view = await getGeneration(ctx.deps, ctx.user.id, input.id);
        yield view;
      }
    } finally {
      await events.return?.();
    }
  }),
});

export const deliveriesRouter = router({
  /**
   * Every unacknowledged delivery for the calling bot's platform, then new ones as they happen.
   * At-least-once: a bot acknowledges what it posted; whatever it did not is sent again on reconnect.
   */
  stream: serviceProcedure.subscription(async function* ({ ctx, signal }) {
    const platform = ctx.service.platform;
    const isForMe = (e: AtelierEvent): e is Extract<AtelierEvent, { type: 'delivery' }> =>
      e.type === 'delivery' && e.platform === platform;
    // Listen before the first claim so nothing committed in between is missed.
    const events = ctx.deps.events.stream(isForMe, signal)[Symbol.asyncIterator]();
    const handedOut: number[] = [];
    let nextEvent = events.next();
    try {
      while (!signal?.aborted) {
        for (;;) {
          const ids = await claimDeliveries(ctx.deps.db, platform);
          for (const delivery of await loadDeliveries(ctx.deps.db, ctx.deps.storage, platform, ids)) {
            handedOut.push(delivery.deliveryId);
            yield tracked(String(delivery.deliveryId), delivery);
          }
          if (ids.length < 50) break;
        }
        // Wake on news, or now and then to pick up leases a crashed connection left to expire.
        const woke = await Promise.race([nextEvent, sleep(LEASE_RECHECK_MS)]);
        if (woke === 'timeout') continue;
        if (woke.done) return;
        nextEvent = events.next();
      }
    } finally {
      await events.return?.();
      // A clean disconnect hands back what was not acknowledged. Best effort: if this fails (say,
      // during shutdown) the leases simply expire.
      await releaseDeliveries(ctx.deps.db, platform, handedOut).catch((error: unknown) =>
        ctx.logger.warn('could not release delivery leases; they will expire', { error: String(error) }),
      );
    }
  }),

  ack: serviceProcedure
    .input(z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(500) }))
    .mutation(async ({ ctx, input }) => ({
      acknowledged: await ackDeliveries(ctx.deps.db, ctx.service.platform, input.ids),
    })),
});
