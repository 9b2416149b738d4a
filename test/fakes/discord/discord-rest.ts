// HTTP plumbing of the REST API (/api/v10): body parsing (JSON, or multipart with payload_json and
// files[n]), bot-token auth, Discord's error envelope, per-route rate-limit buckets with their headers,
// and faults a test injects (a 429 with retry-after, a permanent error) on the next matching calls.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import { DiscordHttpError, discordError } from './discord-errors';
import type { UploadedFile } from './discord-message-payload';
import { API_VERSION } from './discord-protocol';

type Json = Record<string, unknown>;

export interface RestRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  files: UploadedFile[];
}

export interface RestResult {
  status: number;
  body?: unknown;
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/channels/:channelId/messages`. */
  path: string;
  /** Interaction callbacks and webhooks are authorised by their token in the path, not the bot token. */
  auth: 'bot' | 'none';
  /** Routes without a bucket are not rate limited by the fake. */
  bucket?: boolean;
  handle(req: RestRequest): RestResult | Promise<RestResult>;
}

/** One request as the fake saw it, for assertions. */
export interface RestCall {
  method: string;
  path: string;
  route: string;
  status: number;
  body: unknown;
  files: UploadedFile[];
}

export interface RateLimitRule {
  /** Requests per window per bucket. Discord's message bucket is 5 per 5 s per channel. */
  limit: number;
  windowMs: number;
}

export interface FaultMatch {
  method?: string;
  /** A route template (`/channels/:channelId/messages`) or a pattern for the concrete path. */
  path: string | RegExp;
}

type Fault =
  | { match: FaultMatch; left: number; kind: 'rate-limit'; retryAfterMs: number; global: boolean }
  | { match: FaultMatch; left: number; kind: 'error'; error: DiscordHttpError };

export class DiscordRest {
  readonly calls: RestCall[] = [];
  private readonly faults: Fault[] = [];
  private readonly buckets = new Map<string, { used: number; resetAt: number }>();

  constructor(
    private readonly routes: readonly RouteDef[],
    private readonly options: { token: string; rateLimit: RateLimitRule; now: () => number },
  ) {}

  /**
   * The next `times` matching calls answer 429 with `Retry-After` (seconds; Discord sends whole
   * seconds, a fraction keeps tests quick), X-RateLimit-* headers and Discord's 429 body.
   */
  rateLimitNext(
    match: FaultMatch,
    opts: { times?: number; retryAfterMs?: number; global?: boolean } = {},
  ): void {
    this.faults.push({
      match,
      left: opts.times ?? 1,
      kind: 'rate-limit',
      retryAfterMs: opts.retryAfterMs ?? 250,
      global: opts.global ?? false,
    });
  }

  /** The next `times` matching calls fail with `error` (e.g. `discordError.missingAccess()`). */
  failNext(match: FaultMatch, error: DiscordHttpError, times = 1): void {
    this.faults.push({ match, left: times, kind: 'error', error });
  }

  callsTo(method: string, route: string): RestCall[] {
    return this.calls.filter((c) => c.method === method && c.route === route);
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathAndQuery: string): Promise<void> {
    const url = new URL(pathAndQuery, 'http://discord');
    const method = (req.method ?? 'GET').toUpperCase();
    const prefix = `/v${API_VERSION}`;
    const path = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : null;
    const found = path === null ? undefined : this.match(method, path);
    let request: RestRequest | undefined;
    const record = (status: number) =>
      this.calls.push({
        method,
        path: path ?? url.pathname,
        route: found?.route.path ?? '',
        status,
        body: request?.body,
        files: request?.files ?? [],
      });
    try {
      if (!found)
        throw path !== null && this.routes.some((r) => matchPath(r.path, path))
          ? discordError.methodNotAllowed()
          : discordError.notFound();
      const { route, params } = found;
      if (route.auth === 'bot' && req.headers.authorization !== `Bot ${this.options.token}`)
        throw discordError.unauthorized();
      request = {
        method,
        path: path!,
        params,
        query: url.searchParams,
        headers: req.headers,
        ...(await readBody(req)),
      };
      const fault = this.takeFault(method, route.path, path!);
      const bucket = route.bucket === false ? undefined : this.bucketFor(method, route.path, params);
      if (fault?.kind === 'rate-limit') {
        record(429);
        return send(
          res,
          429,
          rateLimitBody(fault.retryAfterMs, fault.global),
          rateLimitHeaders(fault.retryAfterMs, fault.global, bucket),
        );
      }
      if (bucket && bucket.state.used >= this.options.rateLimit.limit) {
        const retryAfterMs = Math.max(1, bucket.state.resetAt - this.options.now());
        record(429);
        return send(
          res,
          429,
          rateLimitBody(retryAfterMs, false),
          rateLimitHeaders(retryAfterMs, false, bucket),
        );
      }
      if (bucket) bucket.state.used++;
      if (fault?.kind === 'error') throw fault.error;
      const result = await route.handle(request);
      record(result.status);
      send(res, result.status, result.body, bucket ? this.bucketHeaders(bucket) : {});
    } catch (error) {
      const e = error instanceof DiscordHttpError ? error : discordError.serverError();
      if (!(error instanceof DiscordHttpError)) console.error('fake discord: route failed', error);
      record(e.status);
      send(res, e.status, e.body());
    }
  }

  private match(
    method: string,
    path: string,
  ): { route: RouteDef; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params = matchPath(route.path, path);
      if (params) return { route, params };
    }
    return undefined;
  }

  private takeFault(method: string, route: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => {
      if (f.left <= 0 || (f.match.method && f.match.method !== method)) return false;
      return typeof f.match.path === 'string' ? f.match.path === route : f.match.path.test(path);
    });
    if (fault) fault.left--;
    return fault;
  }

  /** Discord buckets by route and major parameter (channel, guild, webhook id + token, interaction). */
  private bucketFor(method: string, route: string, params: Record<string, string>): Bucket {
    const major =
      params.channelId ?? params.guildId ?? (params.token ? `${params.applicationId}/${params.token}` : '');
    const key = `${method} ${route} ${major}`;
    const now = this.options.now();
    let state = this.buckets.get(key);
    if (!state || state.resetAt <= now) {
      state = { used: 0, resetAt: now + this.options.rateLimit.windowMs };
      this.buckets.set(key, state);
    }
    return { state, hash: createHash('sha1').update(`${method} ${route}`).digest('hex').slice(0, 32) };
  }

  private bucketHeaders(bucket: Bucket): Record<string, string> {
    const resetAfter = Math.max(0, bucket.state.resetAt - this.options.now()) / 1000;
    return {
      'x-ratelimit-limit': String(this.options.rateLimit.limit),
      'x-ratelimit-remaining': String(Math.max(0, this.options.rateLimit.limit - bucket.state.used)),
      'x-ratelimit-reset': (bucket.state.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': bucket.hash,
    };
  }
}

interface Bucket {
  state: { used: number; resetAt: number };
  hash: string;
}

function rateLimitBody(retryAfterMs: number, global: boolean): Json {
  return { message: 'You are being rate limited.', retry_after: retryAfterMs / 1000, global };
}

function rateLimitHeaders(
  retryAfterMs: number,
  global: boolean,
  bucket: Bucket | undefined,
): Record<string, string> {
  const seconds = (retryAfterMs / 1000).toString();
  return {
    'retry-after': seconds,
    'x-ratelimit-scope': global ? 'global' : 'user',
    ...(global
      ? { 'x-ratelimit-global': 'true' }
      : {
          'x-ratelimit-limit': '1',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': seconds,
          ...(bucket ? { 'x-ratelimit-bucket': bucket.hash } : {}),
        }),
  };
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = got[i]!;
    if (part.startsWith(':')) {
      if (!actual) return undefined;
      params[part.slice(1)] = decodeURIComponent(actual);
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<{ body: unknown; files: UploadedFile[] }> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return readMultipart(req);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return { body: undefined, files: [] };
  try {
    return { body: JSON.parse(raw), files: [] };
  } catch {
    throw new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.');
  }
}

/** discord.js sends `payload_json` plus `files[n]` parts. */
function readMultipart(req: IncomingMessage): Promise<{ body: unknown; files: UploadedFile[] }> {
  return new Promise((resolve, reject) => {
    const files: UploadedFile[] = [];
    const pending: Promise<void>[] = [];
    let body: unknown;
    const parser = busboy({ headers: req.headers, limits: { fieldSize: 8 * 1024 * 1024 } });
    parser.on('field', (name, value) => {
      if (name !== 'payload_json') return;
      try {
        body = JSON.parse(value);
      } catch {
        reject(new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.'));
      }
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      pending.push(
        new Promise((done) =>
          stream.on('end', () => {
            files.push({
              field,
              filename: info.filename || field,
              contentType: info.mimeType,
              bytes: Buffer.concat(chunks),
            });
            done();
          }),
        ),
      );
    });
    parser.on('close', () => void Promise.all(pending).then(() => resolve({ body: body ?? {}, files })));
    parser.on('error', reject);
    req.pipe(parser);
  });
}

export const asObject = (value: unknown): Json =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
