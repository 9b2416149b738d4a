import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db/database';
import type { Platform } from '../db/types';
import type { Space, User } from '../domain/accounts/accounts.service';
import { AppError, type AppErrorCode, type FieldErrors, toFieldErrors } from '../errors';
import { findUnstorableText, UNSTORABLE_TEXT_MESSAGE } from '../text-input';
import { CSRF_HEADER } from '../wire/csrf-header';
import { transformer } from '../wire/transformer';
import type { Context } from './context';
import { TRPC_CODE_FOR } from './error-map';

const t = initTRPC.context<Context>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let appCode: AppErrorCode | null = null;
    let fieldErrors: FieldErrors | null = null;
    let details: Record<string, unknown> | null = null;
    if (cause instanceof AppError) {
      appCode = cause.code;
      const { fieldErrors: fe, ...rest } = cause.details;
      fieldErrors = fe ?? null;
      details = rest;
    } else if (cause instanceof ZodError) {
      appCode = 'INVALID_INPUT';
      fieldErrors = toFieldErrors(cause);
    }
    const message = cause instanceof ZodError ? 'Some fields are not valid' : shape.message;
    // Unexpected errors never leak internals to callers; the log has them.
    const safeMessage =
      error.code === 'INTERNAL_SERVER_ERROR' && !appCode ? 'Something went wrong on our side' : message;
    return {
      ...shape,
      message: safeMessage,
      data: { ...shape.data, stack: undefined, appCode, fieldErrors, details },
    };
  },
});

/**
 * Turns AppError into TRPCError with the code from the one table (unexpected errors are logged by the
 * adapter); a refusal that says when to come back also says it in Retry-After, and a lost database
 * connection becomes UNAVAILABLE (503), which callers may retry.
 */
const errors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && isDatabaseUnavailable(result.error.cause)) {
    const unavailable = AppError.unavailable();
    ctx.resHeaders?.set('retry-after', String(unavailable.details.retryAfterSeconds));
    result.error = toTRPCError(unavailable);
  } else if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    const retryAfter = cause.details.retryAfterSeconds;
    if (cause.code === 'RATE_LIMITED' && typeof retryAfter === 'number') {
      ctx.resHeaders?.set('retry-after', String(Math.ceil(retryAfter)));
    }
    result.error = toTRPCError(cause);
  }
  return result;
});

/** Every procedure's raw input passes the one storable-text rule before its schema sees it. */
const storableText = t.middleware(async ({ getRawInput, next }) => {
  const field = findUnstorableText(await getRawInput());
  if (field !== null) {
    throw AppError.invalidInput('Text may not contain NUL characters or unpaired surrogates', {
      [field]: [UNSTORABLE_TEXT_MESSAGE],
    });
  }
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Mutations that rely on the session cookie must prove they come from our own pages (see Context.csrfSafe). */
const csrf = t.middleware(({ ctx, type, next }) => {
  if (type === 'mutation' && !ctx.csrfSafe) {
    throw AppError.forbidden(`Cross-site request refused: send the ${CSRF_HEADER} header from the web app`);
  }
  return next();
});

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(errors).use(csrf).use(storableText);

/** A bot with a valid service token (no particular user). */
export const serviceProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.caller.kind !== 'service') {
    throw new AppError('UNAUTHORIZED', unauthorizedMessage(ctx));
  }
  return next({ ctx: { service: ctx.caller.service } });
});

/**
 * A person: a user a bot acts for, or a signed-in web user. `requestScope` names the front end, so a
 * request key is only ever matched against the same user's commands from the same bot (or the web).
 */
export const userProcedure = publicProcedure.use(({ ctx, next }) => {
  const caller = ctx.caller;
  if (caller.kind === 'service' && caller.user) {
    return next({
      ctx: {
        user: caller.user as User,
        space: caller.space as Space | null,
        spaceAdmin: caller.spaceAdmin,
        platform: caller.service.platform as Platform,
        requestScope: `token:${caller.service.platform}:${caller.service.name}`,
      },
    });
  }
  if (caller.kind === 'web') {
    return next({
      ctx: {
        user: caller.user,
        space: caller.session.space,
        spaceAdmin: caller.session.spaceAdmin,
        platform: 'web' as Platform,
        requestScope: 'web',
      },
    });
  }
  throw new AppError(
    'UNAUTHORIZED',
    caller.kind === 'service'
      ? 'This call needs the acting user (x-atelier-actor)'
      : unauthorizedMessage(ctx),
  );
});

/** A user a bot acts for (with the space the command came from); web sessions do not qualify. */
export const botUserProcedure = userProcedure.use(({ ctx, next }) => {
  if (ctx.caller.kind !== 'service') {
    throw AppError.forbidden('Only a bot can ask for this on behalf of a user');
  }
  return next();
});

/**
 * Staff signed in with a password, with the moderator or admin role. Bot tokens never qualify, and
 * neither does a session opened by a bot's sign-in link (whoever holds a chat account is not staff).
 */
export const moderatorProcedure = publicProcedure.use(({ ctx, next }) => {
  const caller = ctx.caller;
  if (caller.kind !== 'web' || caller.session.kind !== 'password') {
    throw new AppError('UNAUTHORIZED', unauthorizedMessage(ctx));
  }
  if (caller.user.role !== 'admin' && caller.user.role !== 'moderator') {
    throw AppError.forbidden('Moderators and admins only');
  }
  return next({ ctx: { user: caller.user } });
});

/** A signed-in web admin. */
export const adminProcedure = moderatorProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw AppError.forbidden('Admins only');
  return next();
});

function unauthorizedMessage(ctx: Context): string {
  if (ctx.caller.kind === 'anonymous' && ctx.caller.authError) return ctx.caller.authError;
  if (ctx.caller.kind === 'service') return 'Service tokens cannot call this';
  if (ctx.caller.kind === 'web') return 'Sign in with a staff account first';
  return 'Sign in first';
}

function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({ code: TRPC_CODE_FOR[error.code], message: error.message, cause: error });
}
