import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll } from 'vitest';
import { type CoreApp, type CoreOptions, startCore } from '../../core/src/app';
import { type AppRouter, CSRF_HEADER, encodeActor, transformer } from '../../core/src/client';
import { loadConfig } from '../../core/src/config';
import type { Platform } from '../../core/src/db/types';
import { createServiceToken, createWebLogin, login } from '../../core/src/domain/auth/auth.service';
import { createLogger, type LogLevel, silentLogger } from '../../core/src/logger';
import type { ActorClaim } from '../../core/src/trpc/context';
import type { TestDatabase } from './db';

export type CoreClient = ReturnType<typeof createTRPCClient<AppRouter>>;

export interface TestCore {
  readonly app: CoreApp;
  /**
   * A client authenticated with a service token of `platform` (a fresh one unless `token` is given, e.g.
   * from `serviceToken`), acting as `actor` when given.
   */
  bot(
    platform: Platform,
    actor?: Partial<ActorClaim> & { userId: string },
    token?: string,
  ): Promise<CoreClient>;
  /** A fresh service token of `platform`, for several clients of one bot. */
  serviceToken(platform: Platform): Promise<string>;
  /** A client with no credentials, or with the raw Authorization header given. */
  anonymous(authorization?: string): CoreClient;
  /** A signed-in web user with the given role. */
  web(role: 'admin' | 'moderator'): Promise<{ client: CoreClient; userId: string }>;
  /**
   * A client that behaves like the web app in a browser: keeps the cookies core sets and sends them
   * back, and sends the CSRF header with every request unless `csrf: false`.
   */
  browser(opts?: { csrf?: boolean }): Browser;
}

export interface Browser {
  client: CoreClient;
  /** Set-Cookie headers received, newest last. */
  readonly setCookies: string[];
  /** The cookie jar as a Cookie header value. */
  cookieHeader(): string;
}

/** Starts real core (HTTP on 127.0.0.1, random port) on the file's test database. */
export function useTestCore(
  t: TestDatabase,
  env: Record<string, string> | (() => Record<string, string>) = {},
  opts: Partial<Pick<CoreOptions, 'worker' | 'provider' | 'jobPollSeconds' | 'webAppDir'>> = {},
): TestCore {
  let app: CoreApp | undefined;
  beforeAll(async () => {
    const config = loadConfig({
      PORT: '0',
      ATELIER_SECRET: 'test-secret-test-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-core-')),
      STARTER_CREDITS: '50',
      ...(typeof env === 'function' ? env() : env),
    });
    app = await startCore({
      config,
      db: t.db,
      dbUrl: t.url,
      logger: testLogger(),
      host: '127.0.0.1',
      ...opts,
    });
  });
  afterAll(async () => {
    await app?.stop();
  });
  // Queries and mutations over HTTP batches; subscriptions over server-sent events, with the same headers.
  const client = (headers: () => Record<string, string>, fetchImpl?: typeof fetch) =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url: `${app!.url}/trpc`,
            transformer,
            EventSource,
            eventSourceOptions: () => ({
              fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers() } }),
            }),
          }),
          false: httpBatchLink({
            url: `${app!.url}/trpc`,
            transformer,
            headers,
            maxItems: 10,
            ...(fetchImpl ? { fetch: fetchImpl } : {}),
          }),
        }),
      ],
    });
  let counter = 0;
  return {
    get app() {
      return app!;
    },
    serviceToken: (platform) => createServiceToken(t.db, { name: `test-${platform}-${++counter}`, platform }),
    async bot(platform, actor, existingToken) {
      const token =
        existingToken ??
        (await createServiceToken(t.db, { name: `test-${platform}-${++counter}`, platform }));
      const claim = actor ? { userName: `user ${actor.userId}`, space: null, ...actor } : undefined;
      return client(() => ({
        authorization: `Bearer ${token}`,
        ...(claim ? { 'x-atelier-actor': encodeActor(claim) } : {}),
      }));
    },
    anonymous(authorization) {
      return client(
        (): Record<string, string> => (authorization ? { authorization } : { [CSRF_HEADER]: '1' }),
      );
    },
    browser(opts = {}) {
      const jar = new Map<string, string>();
      const setCookies: string[] = [];
      const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const fetchWithCookies: typeof fetch = async (input, init) => {
        const headers = new Headers(init?.headers);
        if (jar.size > 0) headers.set('cookie', cookieHeader());
        const res = await fetch(input, { ...init, headers });
        for (const cookie of res.headers.getSetCookie()) {
          setCookies.push(cookie);
          const [pair = '', ...attributes] = cookie.split(';');
          const eq = pair.indexOf('=');
          const name = pair.slice(0, eq).trim();
          const value = pair.slice(eq + 1).trim();
          const expired = attributes.some((a) => a.trim().toLowerCase() === 'max-age=0');
          if (expired || value === '') jar.delete(name);
          else jar.set(name, value);
        }
        return res;
      };
      return {
        client: client(
          (): Record<string, string> => (opts.csrf === false ? {} : { [CSRF_HEADER]: '1' }),
          fetchWithCookies,
        ),
        setCookies,
        cookieHeader,
      };
    },
    async web(role) {
      const username = `${role}${++counter}@example.test`;
      const user = await createWebLogin(t.db, { username, password: 'correct horse battery', role });
      const { token } = await login(t.db, username, 'correct horse battery');
      return { client: client(() => ({ authorization: `Bearer ${token}` })), userId: user.id };
    },
  };
}

/** The tRPC error of a rejected call, with our app code and field messages. */
export async function trpcError(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = error.data as {
        code: string;
        appCode: string | null;
        fieldErrors: Record<string, string[]> | null;
        details: Record<string, unknown> | null;
        httpStatus: number;
      };
      return { message: error.message, ...data };
    }
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Silent unless TEST_LOG_LEVEL is set (e.g. TEST_LOG_LEVEL=debug npx vitest run ...). */
function testLogger() {
  const level = process.env.TEST_LOG_LEVEL as LogLevel | undefined;
  return level ? createLogger(level) : silentLogger;
}
