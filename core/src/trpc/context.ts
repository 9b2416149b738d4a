import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type Stripe from 'stripe';
import { z } from 'zod';
import type { Config } from '../config';
import { type Db, isDatabaseUnavailable } from '../db/database';
import type { Platform } from '../db/types';
import { ensureSpace, joinSpace, type Space, type User } from '../domain/accounts/accounts.service';
import { UserCache } from '../domain/accounts/user-cache';
import {
  type ServiceCaller,
  verifyServiceToken,
  verifySession,
  type WebSession,
} from '../domain/auth/auth.service';
import type { Dispatch } from '../domain/generation/generation.service';
import type { Throttle } from '../domain/throttle/throttle.service';
import { AppError } from '../errors';
import type { EventBus } from '../events/event-bus';
import type { JobQueue } from '../jobs/job-queue';
import type { Logger } from '../logger';
import type { GenerationProvider } from '../providers/provider';
import type { AnyObjectStore } from '../storage';
import { findUnstorableText, UNSTORABLE_TEXT_MESSAGE } from '../text-input';
import { ACTOR_HEADER } from '../wire/actor-header';
import { CSRF_HEADER } from '../wire/csrf-header';
import { TRPC_CODE_FOR } from './error-map';

/** Everything a procedure may use; built once at start-up (see app.ts). */
export interface Deps {
  db: Db;
  config: Config;
  logger: Logger;
  actors: ActorResolver;
  storage: AnyObjectStore;
  /** Where core is reached: PUBLIC_URL, or the local address it listens on. */
  baseUrl: string;
  jobs: JobQueue;
  /** Where accepted generations go: this process's pipeline, or workers told over NOTIFY. */
  dispatch: Dispatch;
  provider: GenerationProvider;
  events: EventBus;
  throttle: Throttle;
  /** Null when STRIPE_SECRET_KEY is unset: billing procedures say it is not configured. */
  stripe: Stripe | null;
}

export type Caller =
  | { kind: 'anonymous'; authError?: string }
  | {
      kind: 'service';
      service: ServiceCaller;
      user: User | null;
      space: Space | null;
      /** The bot's word that the user administers `space` (false without a space). */
      spaceAdmin: boolean;
    }
  | { kind: 'web'; user: User; session: WebSession; sessionToken: string };

export interface Context {
  deps: Deps;
  caller: Caller;
  requestId: string;
  logger: Logger;
  /** The client's network address (from the proxy's X-Forwarded-For when TRUST_PROXY is set); null in-process. */
  clientAddress: string | null;
  /** Response headers a procedure may set (the web session cookie). */
  resHeaders: ResponseHeaders | null;
  /**
   * Whether a mutation from this request is safe from cross-site request forgery: it carries its
   * credentials in the Authorization header (a browser never adds that on its own), or it sends the
   * CSRF_HEADER (a cross-site page cannot without a CORS preflight, which core never grants) and is
   * not marked cross-site by the browser.
   */
  csrfSafe: boolean;
}

export interface ResponseHeaders {
  append(name: string, value: string): void;
  /** Replaces any earlier value (for single-valued headers such as Retry-After). */
  set(name: string, value: string): void;
}

export const SESSION_COOKIE = 'atelier_session';

/** The `x-atelier-actor` header as core validates it (see wire/actor-header.ts). */
export const actorSchema = z.object({
  userId: z.string().min(1).max(128),
  userName: z.string().min(1).max(200),
  space: z
    .object({
      id: z.string().min(1).max(256),
      kind: z.enum(['guild', 'workspace', 'group', 'dm']),
      name: z.string().min(1).max(200),
    })
    .nullable()
    .default(null),
  spaceAdmin: z.boolean().default(false),
});
export type ActorClaim = z.infer<typeof actorSchema>;

/**
 * Turns credentials into users and spaces, with small in-process caches: service tokens for a minute
 * (a revoked token stops working within that time), users by identity (dropped when one changes,
 * see UserCache) and memberships already recorded.
 */
export class ActorResolver {
  private readonly tokens = new Map<string, { caller: ServiceCaller | null; until: number }>();
  private readonly memberships = new Set<string>();
  private readonly users: UserCache;

  constructor(
    private readonly db: Db,
    starterCredits: number,
    private readonly teamStarterCredits: number,
  ) {
    this.users = new UserCache(db, starterCredits);
  }

  close(): void {
    this.users.close();
  }

  async service(token: string): Promise<ServiceCaller | null> {
    const cached = this.tokens.get(token);
    if (cached && cached.until > Date.now()) return cached.caller;
    const caller = await verifyServiceToken(this.db, token);
    if (this.tokens.size > 1000) this.tokens.clear();
    this.tokens.set(token, { caller, until: Date.now() + 60_000 });
    return caller;
  }

  async actor(platform: Platform, claim: ActorClaim): Promise<{ user: User; space: Space | null }> {
    const user = await this.users.get({
      platform,
      platformUserId: claim.userId,
      displayName: claim.userName,
    });
    if (!claim.space) return { user, space: null };
    const space = await ensureSpace(
      this.db,
      { platform, platformSpaceId: claim.space.id, kind: claim.space.kind, name: claim.space.name },
      this.teamStarterCredits,
    );
    const key = `${space.id}:${user.id}`;
    if (!this.memberships.has(key)) {
      await joinSpace(this.db, space.id, user.id);
      if (this.memberships.size > 50_000) this.memberships.clear();
      this.memberships.add(key);
    }
    return { user, space };
  }
}

function authorizationBearer(headers: Headers): string | null {
  const auth = headers.get('authorization');
  return auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : null;
}

function bearer(headers: Headers): string | null {
  const fromHeader = authorizationBearer(headers);
  if (fromHeader) return fromHeader;
  const cookie = headers.get('cookie') ?? '';
  const match = cookie.match(new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`));
  return match?.[1] ?? null;
}

async function resolveCaller(deps: Deps, headers: Headers): Promise<Caller> {
  const token = bearer(headers);
  if (!token) return { kind: 'anonymous' };
  if (token.startsWith('atl_')) {
    const service = await deps.actors.service(token);
    if (!service) return { kind: 'anonymous', authError: 'Unknown or revoked service token' };
    const raw = headers.get(ACTOR_HEADER);
    if (!raw) return { kind: 'service', service, user: null, space: null, spaceAdmin: false };
    let claim: ActorClaim;
    try {
      claim = actorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    } catch {
      return { kind: 'anonymous', authError: `Malformed ${ACTOR_HEADER} header` };
    }
    const field = findUnstorableText(claim);
    if (field !== null) {
      // A bot bug, not a bad credential: a 400 naming the field, like any other input.
      const cause = AppError.invalidInput(
        `The ${ACTOR_HEADER} header's ${field} ${UNSTORABLE_TEXT_MESSAGE}`,
        {
          [`${ACTOR_HEADER}.${field}`]: [UNSTORABLE_TEXT_MESSAGE],
        },
      );
      throw new TRPCError({ code: TRPC_CODE_FOR[cause.code], message: cause.message, cause });
    }
    const { user, space } = await deps.actors.actor(service.platform, claim);
    return { kind: 'service', service, user, space, spaceAdmin: space !== null && claim.spaceAdmin };
  }
  const session = await verifySession(deps.db, token);
  if (!session) return { kind: 'anonymous', authError: 'Your session has expired; sign in again' };
  return { kind: 'web', user: session.user, session, sessionToken: token };
}

/** Builds a request's context from its headers. Bad credentials make an anonymous caller, refused later. */
export async function createContext(
  deps: Deps,
  headers: Headers,
  resHeaders: ResponseHeaders | null = null,
  clientAddress: string | null = null,
): Promise<Context> {
  const requestId = headers.get('x-request-id') ?? randomUUID();
  let caller: Caller;
  try {
    caller = await resolveCaller(deps, headers);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    const unavailable = AppError.unavailable();
    resHeaders?.append('retry-after', String(unavailable.details.retryAfterSeconds));
    throw new TRPCError({
      code: TRPC_CODE_FOR.UNAVAILABLE,
      message: unavailable.message,
      cause: unavailable,
    });
  }
  const userId = caller.kind === 'anonymous' ? undefined : caller.user?.id;
  const csrfSafe =
    authorizationBearer(headers) !== null ||
    (headers.has(CSRF_HEADER) && headers.get('sec-fetch-site') !== 'cross-site');
  return {
    deps,
    caller,
    requestId,
    resHeaders,
    csrfSafe,
    clientAddress,
    logger: deps.logger.child({ requestId, userId }),
  };
}
