import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, type Params, parseRequest, sendJson } from './slack-http';
import type { Installation } from './slack-model';
import type { SocketModeLink } from './slack-socket-mode';
import { WEB_API_METHODS } from './slack-web-api';
import { SlackFailure, type SlackWorld } from './slack-world';

export interface ApiCallRecord {
  method: string;
  params: Params;
  /** The team whose token made the call (undefined for token-less or refused calls). */
  teamId?: string;
  at: number;
  /** `ok`, an error string, or `ratelimited` for a 429. */
  outcome: string;
}

interface Injection {
  remaining: number;
  answer: { kind: 'ratelimited'; retryAfterSeconds: number } | { kind: 'error'; error: string };
}

/**
 * `POST /api/{method}`: authenticates the token, checks the method's scope, runs it, and writes
 * Slack's envelope. Tests can make the next calls of a method answer 429 (with Retry-After) or a
 * given error, and read every call made.
 */
export class SlackApiRoute {
  readonly calls: ApiCallRecord[] = [];
  private readonly injections = new Map<string, Injection[]>();

  constructor(
    private readonly world: SlackWorld,
    private readonly socketMode: SocketModeLink,
  ) {}

  rateLimit(method: string, opts: { retryAfterSeconds: number; times?: number }): void {
    this.inject(method, {
      remaining: opts.times ?? 1,
      answer: { kind: 'ratelimited', retryAfterSeconds: opts.retryAfterSeconds },
    });
  }

  failNext(method: string, error: string, times = 1): void {
    this.inject(method, { remaining: times, answer: { kind: 'error', error } });
  }

  private inject(method: string, injection: Injection): void {
    const list = this.injections.get(method) ?? [];
    list.push(injection);
    this.injections.set(method, list);
  }

  private takeInjection(method: string): Injection['answer'] | undefined {
    const list = this.injections.get(method);
    const first = list?.[0];
    if (!first) return undefined;
    first.remaining -= 1;
    if (first.remaining <= 0) list.shift();
    return first.answer;
  }

  async handle(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const { params } = await parseRequest(req);
    const record: ApiCallRecord = { method, params, at: this.world.now(), outcome: 'ok' };
    this.calls.push(record);
    // Socket Mode's one method takes the app-level token, not a bot token.
    if (method === 'apps.connections.open') {
      const ok = bearerToken(req, params) === this.world.app.appToken;
      record.outcome = ok ? 'ok' : 'invalid_auth';
      sendJson(
        res,
        200,
        ok ? { ok, url: this.socketMode.openUrl(this.world.baseUrl) } : { ok, error: 'invalid_auth' },
      );
      return;
    }
    const spec = WEB_API_METHODS[method];
    if (!spec) {
      record.outcome = 'unknown_method';
      sendJson(res, 200, { ok: false, error: 'unknown_method' });
      return;
    }
    const injected = this.takeInjection(method);
    if (injected?.kind === 'ratelimited') {
      record.outcome = 'ratelimited';
      sendJson(
        res,
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(injected.retryAfterSeconds) },
      );
      return;
    }
    try {
      if (injected?.kind === 'error') throw new SlackFailure(injected.error);
      let auth: Installation | null = null;
      if (spec.scope !== 'none') {
        auth = this.world.authenticate(bearerToken(req, params));
        record.teamId = auth.teamId;
        if (spec.scope && !auth.scopes.includes(spec.scope))
          throw new SlackFailure('missing_scope', { needed: spec.scope, provided: auth.scopes.join(',') });
      }
      const result = spec.run(
        { world: this.world, params, token: bearerToken(req, params), ...basicAuth(req) },
        auth,
      );
      sendJson(res, 200, { ok: true, ...result });
    } catch (error) {
      if (!(error instanceof SlackFailure)) throw error;
      record.outcome = error.error;
      sendJson(res, 200, { ok: false, error: error.error, ...error.extra });
    }
  }
}

function basicAuth(req: IncomingMessage): { basic?: { user: string; password: string } } {
  const header = req.headers.authorization;
  if (!header?.toLowerCase().startsWith('basic ')) return {};
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { basic: { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) } };
}
