import {
  type AppErrorCode,
  type AppRouter,
  type RouterInputs,
  type RouterOutputs,
  transformer,
} from '@atelier/core/client';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';

export type { RouterInputs, RouterOutputs };

/**
 * The one tRPC client of the app. Same origin, so the session cookie (HttpOnly) travels by itself;
 * every request also carries core's CSRF header, which a cross-site form or image cannot send.
 */
export const api = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/trpc',
      transformer,
      headers: { 'x-atelier-csrf': '1' },
      fetch: (url, init) => fetch(url, { ...init, credentials: 'include' }),
    }),
  ],
});

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A refusal (signed out, forbidden, not found, bad input) will not change by asking again.
      retry: (count, error) => count < 2 && appErrorOf(error).code === null && !isClientError(error),
    },
  },
});

export interface AppErrorView {
  message: string;
  code: AppErrorCode | null;
  fieldErrors: Record<string, string[]>;
  details: Record<string, unknown>;
}

interface ErrorData {
  appCode?: AppErrorCode | null;
  fieldErrors?: Record<string, string[]> | null;
  details?: Record<string, unknown> | null;
  httpStatus?: number;
}

/** What a failed call means for the page: core's message, its code, field messages and facts. */
export function appErrorOf(error: unknown): AppErrorView {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as ErrorData;
    return {
      message: error.message,
      code: data.appCode ?? null,
      fieldErrors: data.fieldErrors ?? {},
      details: data.details ?? {},
    };
  }
  return {
    message: 'Could not reach the server. Check your connection and try again.',
    code: null,
    fieldErrors: {},
    details: {},
  };
}

function isClientError(error: unknown): boolean {
  const status =
    error instanceof TRPCClientError ? (error.data as ErrorData | undefined)?.httpStatus : undefined;
  return status !== undefined && status >= 400 && status < 500;
}

/** A fresh idempotency key, so a double-submitted form counts once. */
export const newIdempotencyKey = () => crypto.randomUUID();
