import {
  ACTOR_HEADER,
  type AppErrorCode,
  type AppRouter,
  encodeActor,
  type RouterOutputs,
  transformer,
} from '@atelier/core/client';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  TRPCClientError,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import type { Actor } from './kit.types';

export type CoreClient = TRPCClient<AppRouter>;

// Dates arrive as Date: core and its clients share one transformer (superjson).
export type Outputs = RouterOutputs;
export type GenerationView = Outputs['generations']['get'];
export type ModelView = Outputs['catalog']['get'];
export type LoraView = Outputs['loras']['list'][number];
export type DeliveryView =
  Outputs['deliveries']['stream'] extends AsyncIterable<{ data: infer D }> ? D : never;

const MAX_CACHED_ACTORS = 500;

/** Core's limits on names (1..200 characters); platforms allow empty or longer ones. */
export function sanitizeActor(actor: Actor): Actor {
  const name = (value: string, fallback: string) => [...(value.trim() || fallback)].slice(0, 200).join('');
  return {
    userId: actor.userId,
    userName: name(actor.userName, 'someone'),
    space: actor.space ? { ...actor.space, name: name(actor.space.name, actor.space.id) } : null,
    ...(actor.spaceAdmin && actor.space ? { spaceAdmin: true } : {}),
  };
}

export interface CoreConnection {
  /** The bot itself: deliveries and anything not tied to a user. */
  readonly service: CoreClient;
  /** A client acting for `actor` (clients are cached per actor). */
  as(actor: Actor): CoreClient;
}

export interface CoreConnectionOptions {
  coreUrl: string;
  serviceToken: string;
}

function clientWith(trpcUrl: string, headers: Record<string, string>): CoreClient {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: trpcUrl,
          transformer,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } }),
          }),
        }),
        // Queries by POST too: a long prompt does not fit in a URL (core would answer 431 before reading it).
        false: httpBatchLink({
          url: trpcUrl,
          transformer,
          headers: () => headers,
          maxItems: 10,
          methodOverride: 'POST',
        }),
      }),
    ],
  });
}

/** Connects to core's tRPC API with the bot's service token. */
export function connectCore(opts: CoreConnectionOptions): CoreConnection {
  const trpcUrl = `${opts.coreUrl.replace(/\/+$/, '')}/trpc`;
  const auth = { authorization: `Bearer ${opts.serviceToken}` };
  const actors = new Map<string, CoreClient>();
  return {
    service: clientWith(trpcUrl, auth),
    as(actor) {
      const encoded = encodeActor(sanitizeActor(actor));
      let client = actors.get(encoded);
      if (!client) {
        if (actors.size >= MAX_CACHED_ACTORS) actors.delete(actors.keys().next().value as string);
        client = clientWith(trpcUrl, { ...auth, [ACTOR_HEADER]: encoded });
        actors.set(encoded, client);
      }
      return client;
    },
  };
}

/** What core says about a failed call: our app code, field messages and facts for wording. */
export interface CoreFailure {
  appCode: AppErrorCode | null;
  message: string;
  fieldErrors: Record<string, string[]>;
  details: Record<string, unknown>;
  /** tRPC code (e.g. NOT_FOUND); null for network failures. */
  code: string | null;
}

/** Reads a failed core call; anything that is not a tRPC error (network, bug) has no app code. */
export function coreFailure(error: unknown): CoreFailure {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as {
      appCode?: AppErrorCode | null;
      fieldErrors?: Record<string, string[]> | null;
      details?: Record<string, unknown> | null;
      code?: string;
    };
    return {
      appCode: data.appCode ?? null,
      message: error.message,
      fieldErrors: data.fieldErrors ?? {},
      details: data.details ?? {},
      code: data.code ?? null,
    };
  }
  return {
    appCode: null,
    message: error instanceof Error ? error.message : String(error),
    fieldErrors: {},
    details: {},
    code: null,
  };
}
