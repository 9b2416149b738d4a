import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { sql } from 'kysely';
import { AppError } from '../errors';
import { appRouter } from '../trpc/app.router';
import { createContext, type Deps } from '../trpc/context';
import type { Metrics } from './metrics';

/** A route handler that returns false when the request is not for it. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface Route {
  prefix: string;
  /** Label in metrics. */
  name: string;
  handle: RouteHandler;
  /**
   * A body announced (Content-Length) larger than this is refused 413 before the route runs. Default
   * MAX_BODY_BYTES; null for a route that enforces its own limit as it streams (file uploads).
   */
  maxBodyBytes?: number | null;
}

/** The largest request body core reads by default: generous for any API input or webhook. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The most calls one tRPC batch may carry (the kit's client sends at most 10). */
export const MAX_TRPC_BATCH = 20;

export interface HttpServerOptions {
  deps: Deps;
  metrics: Metrics;
  /** Extra routes (webhooks, files, static web-admin), tried in order before the 404; may grow later. */
  routes?: Route[];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Reads a request body up to `maxBytes`; null when it is larger. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** The caller's address: the socket's peer, or the entry our own proxy appended to X-Forwarded-For. */
function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
  return (trustProxy && last) || req.socket.remoteAddress || null;
}

/** A body announced larger than `maxBytes` is refused before a byte of it is read. */
function refuseOversizedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): boolean {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (!(announced > maxBytes)) return false;
  res.setHeader('connection', 'close');
  sendJson(res, 413, { error: `Request bodies are limited to ${maxBytes} bytes` });
  return true;
}

/** Core's HTTP surface: /trpc, /healthz, /metrics and the extra routes; everything else is a JSON 404. */
export function createRequestHandler(opts: HttpServerOptions): http.RequestListener {
  const { deps, metrics } = opts;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    // Bodies are capped as they stream in (chunked ones too) and batches are bounded, so no anonymous
    // request can make core buffer or run without limit. Queries may come by POST: a long input does
    // not fit in a URL.
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_TRPC_BATCH,
    allowMethodOverride: true,
    createContext: ({ req, res }) =>
      createContext(
        deps,
        headersOf(req),
        {
          append: (name, value) => res.appendHeader(name, value),
          set: (name, value) => res.setHeader(name, value),
        },
        clientAddressOf(req, deps.config.trustProxy),
      ),
    onError: ({ error, path, ctx }) => {
      if (error.code !== 'INTERNAL_SERVER_ERROR' || error.cause instanceof AppError) return;
      (ctx?.logger ?? deps.logger).error('procedure failed', { path, error: error.cause ?? error });
    },
  });

  const routes: Route[] = [
    {
      prefix: '/trpc/',
      name: 'trpc',
      handle: async (req, res) => {
        await trpc(req, res);
        return true;
      },
    },
    {
      prefix: '/healthz',
      name: 'healthz',
      handle: async (_req, res) => {
        try {
          await sql`select 1`.execute(deps.db);
          sendJson(res, 200, { status: 'ok' });
        } catch {
          sendJson(res, 503, { status: 'unavailable', reason: 'database unreachable' });
        }
        return true;
      },
    },
    {
      prefix: '/metrics',
      name: 'metrics',
      handle: async (_req, res) => {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
        return true;
      },
    },
  ];
  // Read on every request: routes mounted after start-up (a bot's webhook) are found too.
  const extraRoutes = opts.routes ?? [];

  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = [...routes, ...extraRoutes].find(
      (r) => path === r.prefix || path.startsWith(r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`),
    );
    const name = route?.name ?? 'not_found';
    const stopTimer = metrics.httpDuration.startTimer({ route: name });
    res.on('finish', () => {
      stopTimer();
      metrics.httpRequests.inc({ route: name, status: String(res.statusCode) });
    });
    try {
      const maxBodyBytes = route?.maxBodyBytes === undefined ? MAX_BODY_BYTES : route.maxBodyBytes;
      if (maxBodyBytes !== null && refuseOversizedBody(req, res, maxBodyBytes)) return;
      if (!route || !(await route.handle(req, res))) sendJson(res, 404, { error: 'Not found' });
    } catch (error) {
      deps.logger.error('request failed', { route: name, error });
      if (!res.headersSent) sendJson(res, 500, { error: 'Something went wrong on our side' });
      else res.destroy();
    }
  };
}

/**
 * An HTTP server that can listen before the app is built (its port may be needed to build it): until
 * `serve` hands it the real handler, every request is answered 503 with Retry-After instead of waiting.
 */
export function createServer(): { server: http.Server; serve(handler: http.RequestListener): void } {
  let handler: http.RequestListener | null = null;
  const server = http.createServer((req, res) => {
    if (handler) {
      handler(req, res);
      return;
    }
    req.resume();
    res.setHeader('retry-after', '1');
    sendJson(res, 503, { error: 'Atelier is starting; try again in a moment' });
  });
  return {
    server,
    serve: (next) => {
      handler = next;
    },
  };
}

/** Listens and resolves with the bound address (port 0 picks a free port). */
export function listen(server: http.Server, port: number, host = '0.0.0.0'): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} is already in use (another Atelier?): stop that process, or set PORT to a free port`,
              { cause: error },
            )
          : error,
      ),
    );
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** Stops accepting connections and waits (bounded) for in-flight requests. */
export async function closeGracefully(server: http.Server, timeoutMs = 10_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearTimeout(timer);
}
