import type { ZodError } from 'zod';

/**
 * Domain errors. Every failure a user can cause or meet has a code; transports map codes in one
 * table each (tRPC: trpc/error-map.ts, chat: bots/kit error texts) and never parse messages.
 */
export const APP_ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'INSUFFICIENT_CREDITS',
  'CAP_EXCEEDED',
  'RATE_LIMITED',
  'CONFLICT',
  'MODEL_DISABLED',
  'PROMPT_BLOCKED',
  'PROVIDER_FAILED',
  'UNAVAILABLE',
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export type FieldErrors = Record<string, string[]>;

export interface AppErrorDetails {
  fieldErrors?: FieldErrors;
  /** Facts a chat front end needs to word the message (price, balance...). Never secrets. */
  [key: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details: AppErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  static invalidInput(message: string, fieldErrors: FieldErrors = {}): AppError {
    return new AppError('INVALID_INPUT', message, { fieldErrors });
  }

  static notFound(what: string): AppError {
    return new AppError('NOT_FOUND', `${what} not found`);
  }

  static forbidden(message = 'You are not allowed to do that'): AppError {
    return new AppError('FORBIDDEN', message);
  }

  /** The database (or another dependency we cannot do without) is briefly out of reach. */
  static unavailable(retryAfterSeconds = 5): AppError {
    return new AppError('UNAVAILABLE', 'The service is briefly unavailable; please try again in a moment', {
      retryAfterSeconds,
    });
  }
}

export function isAppError(error: unknown, code?: AppErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}

/** Zod issues as one message list per field path ('input' for unknown keys at the top level). */
export function toFieldErrors(error: ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key =
      issue.path.length > 0 ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? 'input' : '_';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown option${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`
        : issue.message;
    fields[key] = [...(fields[key] ?? []), message];
  }
  return fields;
}
