import { type KeyObject, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  FakeFalFile,
  FakeFalRequest,
  FalBehavior,
  FalErrorOutcome,
  FalFakeOptions,
  OutputBuilder,
  OutputContext,
  WebhookDelivery,
} from './fal-fake-types';
import { imageOutput } from './fal-fake-types';
import { WebhookKeyring, webhookHeaders } from './fal-webhook-signing';

export * from './fal-fake-types';
export { FAL_HOST, falFetch, rewriteFalUrl } from './fal-fetch';

export const DEFAULT_FAL_KEY = 'fake-key-id:fake-key-secret';
const QUEUE_HOST = 'queue.fal.run';
const CDN_HOST = 'v3.fal.media';

type Outcome = { output: OutputBuilder } | { error: FalErrorOutcome };

interface RequestState extends FakeFalRequest {
  behavior: FalBehavior;
  submittedAt: number;
  finishing?: Promise<void>;
}

/**
 * A protocol-faithful fake of fal.ai (queue API, storage upload, CDN, signed webhooks) on one local
 * HTTP server. The real client only talks to fixed https hosts, so every path here is prefixed by the
 * original host (`/queue.fal.run/fal-ai/flux-1/schnell`); `falFetch` does that rewrite.
 */
export class FalFake {
  readonly keyring: WebhookKeyring;
  readonly userId: string;
  readonly requests: FakeFalRequest[] = [];
  readonly uploads: FakeFalFile[] = [];
  readonly webhookDeliveries: WebhookDelivery[] = [];
  readonly calls = { submit: 0, status: 0, result: 0, cancel: 0, initiateUpload: 0, upload: 0, download: 0 };
  url = '';

  private readonly validKeys: Set<string>;
  private readonly behaviors = new Map<string, FalBehavior>();
  private readonly submitFailuresLeft = new Map<string, number>();
  private readonly files = new Map<string, FakeFalFile>();
  private readonly redirects = new Map<string, string>();
  private readonly heldAnswers: (() => void)[] = [];
  private readonly pendingUploads = new Map<string, Omit<FakeFalFile, 'bytes'>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private server?: Server;
  private seq = 0;

  constructor(options: FalFakeOptions = {}) {
    this.validKeys = new Set(options.keys ?? [DEFAULT_FAL_KEY]);
    this.userId = options.userId ?? 'fake-fal-user';
    this.keyring = new WebhookKeyring(options.keySeed);
  }

  /** `appId` is the full endpoint id (with sub-path) as submitted, or '*' for the fallback. */
  setBehavior(appId: string, behavior: FalBehavior): void {
    this.behaviors.set(appId, behavior);
    this.submitFailuresLeft.set(appId, behavior.submitFailures ?? 0);
  }

  addFile(fileName: string, bytes: Uint8Array, contentType = 'application/octet-stream'): string {
    const url = `https://${CDN_HOST}/files/fake${this.nextSeq()}/${encodeURIComponent(fileName)}`;
    this.files.set(url, { url, fileName, contentType, bytes: Buffer.from(bytes) });
    return url;
  }

  /** A CDN URL that answers 302 to `location` (a CDN misconfigured or taken over, for SSRF tests). */
  addRedirect(fileName: string, location: string): string {
    const url = `https://${CDN_HOST}/files/fake${this.nextSeq()}/${encodeURIComponent(fileName)}`;
    this.redirects.set(url, location);
    return url;
  }

  /** Sends the submit answers held back by `holdSubmitAnswers` (to clients still listening). */
  releaseSubmitAnswers(): void {
    for (const answer of this.heldAnswers.splice(0)) answer();
  }

  request(requestId: string): FakeFalRequest {
    return this.state(requestId);
  }

  complete(requestId: string, output?: OutputBuilder): Promise<void> {
    const r = this.state(requestId);
    return this.finish(r, { output: output ?? r.behavior.output ?? imageOutput() }, true);
  }

  fail(requestId: string, status = 500, detail: unknown = 'Internal Server Error'): Promise<void> {
    return this.finish(this.state(requestId), { error: { status, detail } }, true);
  }

  /** Signs an arbitrary body the way fal does, for crafting forged, stale or foreign-key webhooks. */
  signWebhook(
    body: string | object,
    opts: { requestId?: string; userId?: string; timestamp?: number; key?: KeyObject } = {},
  ): { body: string; headers: Record<string, string> } {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const requestId = opts.requestId ?? String((JSON.parse(raw) as { request_id?: unknown }).request_id);
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const userId = opts.userId ?? this.userId;
    const key = opts.key ?? this.keyring.current.privateKey;
    return { body: raw, headers: webhookHeaders(key, { requestId, userId, timestamp, body: raw }) };
  }

  /** Re-sends the last webhook of a request; by default byte-identical (a replay), or re-signed now. */
  async redeliverWebhook(requestId: string, { times = 1, resign = false } = {}): Promise<WebhookDelivery[]> {
    const r = this.state(requestId);
    const last = this.webhookDeliveries.findLast((d) => d.requestId === requestId);
    if (!r.webhookUrl || !last) throw new Error(`No webhook was delivered for ${requestId}`);
    const sent: WebhookDelivery[] = [];
    for (let i = 0; i < times; i++) {
      const headers = resign ? this.signWebhook(last.body, { requestId }).headers : last.headers;
      sent.push(await this.post(requestId, r.webhookUrl, last.body, headers));
    }
    return sent;
  }

  async start(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { detail: `fal fake crashed: ${String(err)}` });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url: this.url, close: () => this.close() };
  }

  async close(): Promise<void> {
    // Settling work can schedule more (a finished request queues its webhook), so drain until quiet.
    while (this.timers.size || this.inFlight.size) {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      await Promise.allSettled([...this.inFlight]);
    }
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const [host = '', ...parts] = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (host === QUEUE_HOST) {
      if (!this.authorized(req.headers, res)) return;
      return this.handleQueue(method, parts, url.searchParams, req.headers, body, res);
    }
    if (host === 'rest.fal.ai' || host === 'rest.alpha.fal.ai') {
      // fal documents the JWKS at rest.alpha.fal.ai; rest.fal.ai is served too for convenience.
      if (method === 'GET' && parts.join('/') === '.well-known/jwks.json') {
        return sendJson(res, 200, this.keyring.jwks());
      }
      if (method === 'POST' && parts.join('/') === 'storage/upload/initiate') {
        if (!this.authorized(req.headers, res)) return;
        return this.initiateUpload(body, res);
      }
    }
    if (/(^|\.)fal\.media$/.test(host)) return this.handleCdn(method, host, url, req, body, res);
    sendJson(res, 404, { detail: 'Not Found' });
  }

  private authorized(headers: IncomingHttpHeaders, res: ServerResponse): boolean {
    const auth = headers.authorization;
    if (auth?.startsWith('Key ') && this.validKeys.has(auth.slice(4))) return true;
    sendJson(res, 401, { detail: auth ? 'Invalid Key authentication' : 'Missing authorization header' });
    return false;
  }

  private async handleQueue(
    method: string,
    parts: string[],
    query: URLSearchParams,
    headers: IncomingHttpHeaders,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    if (method === 'POST') return this.submit(parts.join('/'), query, headers, body, res);
    const at = parts.lastIndexOf('requests');
    const id = parts[at + 1];
    const action = parts.slice(at + 2).join('/');
    // The client strips the endpoint sub-path for status/result/cancel; the request must belong to that app.
    const r = at >= 2 && id ? this.requests.find((x) => x.id === id) : undefined;
    if (!r || appBase(r.appId) !== parts.slice(0, at).join('/')) {
      return sendJson(res, 404, { detail: `Request ${id ?? ''} not found` });
    }
    const state = r as RequestState;
    if (method === 'GET' && action === 'status') return this.status(state, query.get('logs') === '1', res);
    if (method === 'GET' && action === '') return this.result(state, res);
    if (method === 'PUT' && action === 'cancel') return this.cancel(state, res);
    sendJson(res, 405, { detail: 'Method Not Allowed' });
  }

  private async submit(
    appId: string,
    query: URLSearchParams,
    headers: IncomingHttpHeaders,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    this.calls.submit++;
    const key = this.behaviors.has(appId) ? appId : '*';
    const behavior = this.behaviors.get(key) ?? {};
    const failuresLeft = this.submitFailuresLeft.get(key) ?? 0;
    if (failuresLeft > 0) {
      this.submitFailuresLeft.set(key, failuresLeft - 1);
      return sendJson(res, behavior.submitFailureStatus ?? 503, {
        detail: 'Service temporarily unavailable',
      });
    }
    let input: unknown;
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return sendJson(res, 422, {
        detail: [{ loc: ['body'], msg: 'Invalid JSON', type: 'value_error.jsondecode' }],
      });
    }
    const queuePolls = behavior.queuePolls ?? 1;
    const r: RequestState = {
      // Unique across fakes, as fal's are: two fakes may serve one database (benchmarks in a row).
      id: randomUUID(),
      appId,
      input,
      headers: flattenHeaders(headers),
      webhookUrl: query.get('fal_webhook') ?? undefined,
      status: 'IN_QUEUE',
      queuePosition: Math.max(0, queuePolls - 1),
      cancelled: false,
      statusPolls: 0,
      logs: [],
      behavior,
      submittedAt: Date.now(),
    };
    this.requests.push(r);
    if (behavior.immediate) await this.finish(r, outcomeOf(behavior));
    else if (behavior.timing && !behavior.manual) {
      const { queueMs, progressMs } = behavior.timing;
      this.later(queueMs, () => {
        if (r.status === 'IN_QUEUE') r.status = 'IN_PROGRESS';
      });
      this.later(queueMs + progressMs, () => this.finish(r, outcomeOf(behavior)));
    }
    const answer = () =>
      sendJson(res, 200, { status: 'IN_QUEUE', ...this.urls(r), queue_position: r.queuePosition }, r.id);
    if (behavior.holdSubmitAnswers) this.heldAnswers.push(answer);
    else answer();
  }

  private async status(r: RequestState, withLogs: boolean, res: ServerResponse): Promise<void> {
    this.calls.status++;
    const poll = r.statusPolls++;
    const b = r.behavior;
    if (r.status !== 'COMPLETED' && b.timing && !b.manual) {
      const elapsed = Date.now() - r.submittedAt - b.timing.queueMs;
      const percent = Math.min(99, Math.round((elapsed / b.timing.progressMs) * 100));
      if (elapsed >= 0) this.log(r, `progress ${percent}%`);
    } else if (r.status !== 'COMPLETED') {
      const queuePolls = b.queuePolls ?? 1;
      const progressPolls = b.progressPolls ?? 1;
      if (poll < queuePolls) r.queuePosition = queuePolls - 1 - poll;
      else if (poll < queuePolls + progressPolls || b.manual) {
        r.status = 'IN_PROGRESS';
        const step = poll - queuePolls + 1;
        if (step <= progressPolls) this.log(r, `progress ${Math.round((step / (progressPolls + 1)) * 100)}%`);
      } else await this.finish(r, outcomeOf(b));
    }
    const common = { status: r.status, ...this.urls(r) };
    const logs = withLogs ? r.logs : null;
    // 202 until done, 200 once COMPLETED; logs are null unless asked for with ?logs=1.
    if (r.status === 'IN_QUEUE') sendJson(res, 202, { ...common, queue_position: r.queuePosition }, r.id);
    else if (r.status === 'IN_PROGRESS') sendJson(res, 202, { ...common, logs }, r.id);
    else sendJson(res, 200, { ...common, logs, metrics: { inference_time: 0.42 } }, r.id);
  }

  private result(r: RequestState, res: ServerResponse): void {
    this.calls.result++;
    if (r.result) sendJson(res, r.result.status, r.result.body, r.id);
    else sendJson(res, 400, { detail: 'Request is still in progress' }, r.id);
  }

  private async cancel(r: RequestState, res: ServerResponse): Promise<void> {
    this.calls.cancel++;
    if (r.status === 'COMPLETED') return sendJson(res, 400, { status: 'ALREADY_COMPLETED' }, r.id);
    r.cancelled = true;
    // A queued request is removed; a running one gets the signal and its app decides (see onCancelInProgress).
    if (r.status === 'IN_QUEUE' || r.behavior.onCancelInProgress !== 'ignore') {
      await this.finish(r, { error: { status: 400, detail: 'Request was cancelled' } });
    }
    sendJson(res, 202, { status: 'CANCELLATION_REQUESTED' }, r.id);
  }

  private initiateUpload(body: Buffer, res: ServerResponse): void {
    this.calls.initiateUpload++;
    const { content_type: contentType, file_name: fileName } = JSON.parse(body.toString('utf8') || '{}') as {
      content_type?: string;
      file_name?: string;
    };
    if (!contentType || !fileName) {
      const missing = !contentType ? 'content_type' : 'file_name';
      sendJson(res, 422, { detail: [{ loc: ['body', missing], msg: 'field required', type: 'missing' }] });
      return;
    }
    const seq = this.nextSeq();
    const fileUrl = `https://${CDN_HOST}/files/fake${seq}/${encodeURIComponent(fileName)}`;
    const token = `upload-${seq}`;
    this.pendingUploads.set(token, { url: fileUrl, fileName, contentType });
    sendJson(res, 200, {
      upload_url: `https://${CDN_HOST}/upload/${token}?signature=fake`,
      file_url: fileUrl,
    });
  }

  private handleCdn(
    method: string,
    host: string,
    url: URL,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const token = url.pathname.match(/^\/[^/]+\/upload\/([^/]+)$/)?.[1];
    if (method === 'PUT' && token) {
      const pending = this.pendingUploads.get(token);
      if (!pending) {
        sendJson(res, 403, { detail: 'Upload URL is invalid or expired' });
        return;
      }
      this.pendingUploads.delete(token);
      this.calls.upload++;
      const contentType = req.headers['content-type'] ?? pending.contentType;
      const file = { ...pending, contentType, bytes: body };
      this.files.set(file.url, file);
      this.uploads.push(file);
      res.writeHead(200).end();
      return;
    }
    const publicUrl = `https://${host}${url.pathname.slice(host.length + 1)}`;
    const location = this.redirects.get(publicUrl);
    if (location && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(302, { location }).end();
      return;
    }
    const file = this.files.get(publicUrl);
    if ((method !== 'GET' && method !== 'HEAD') || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    this.calls.download++;
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
    res.end(method === 'HEAD' ? undefined : file.bytes);
  }

  /** Idempotent: the first outcome wins, like a real request that can only finish once. */
  private finish(r: RequestState, outcome: Outcome, strict = false): Promise<void> {
    if (r.finishing) {
      return strict ? Promise.reject(new Error(`Request ${r.id} already completed`)) : r.finishing;
    }
    r.finishing = this.track(this.settle(r, outcome));
    return r.finishing;
  }

  private async settle(r: RequestState, outcome: Outcome): Promise<void> {
    if ('error' in outcome) {
      r.result = { status: outcome.error.status, body: { detail: outcome.error.detail } };
    } else {
      const ctx: OutputContext = {
        requestId: r.id,
        appId: r.appId,
        addFile: (name, bytes, type) => this.addFile(name, bytes, type),
        addRedirect: (name, location) => this.addRedirect(name, location),
      };
      try {
        r.result = { status: 200, body: await outcome.output(r.input, ctx) };
      } catch (err) {
        // A crashing model surfaces to callers as fal's generic 500, not as a fake failure.
        r.result = { status: 500, body: { detail: `Internal Server Error: ${String(err)}` } };
      }
    }
    r.status = 'COMPLETED';
    r.queuePosition = 0;
    const hook = r.behavior.webhook;
    if (r.webhookUrl && hook !== false) this.later(hook?.delayMs ?? 0, () => this.sendWebhook(r));
  }

  private sendWebhook(r: RequestState): Promise<WebhookDelivery> {
    const result = r.result!;
    const ok = result.status < 400;
    const payload = {
      request_id: r.id,
      gateway_request_id: r.id,
      status: ok ? 'OK' : 'ERROR',
      payload: result.body,
      error: ok ? null : `Invalid status code: ${result.status}`,
    };
    const { body, headers } = this.signWebhook(payload, { requestId: r.id });
    return this.post(r.id, r.webhookUrl!, body, headers);
  }

  private async post(
    requestId: string,
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<WebhookDelivery> {
    const delivery: WebhookDelivery = { requestId, url, body, headers };
    this.webhookDeliveries.push(delivery);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      delivery.responseStatus = res.status;
      await res.arrayBuffer();
    } catch (err) {
      delivery.error = String(err);
    }
    return delivery;
  }

  private urls(r: RequestState) {
    const base = `https://${QUEUE_HOST}/${appBase(r.appId)}/requests/${r.id}`;
    return {
      request_id: r.id,
      gateway_request_id: r.id,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
    };
  }

  private log(r: RequestState, message: string): void {
    r.logs.push({ message, level: 'INFO', source: 'USER', timestamp: new Date().toISOString() });
  }

  private later(ms: number, fn: () => unknown): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.track(Promise.resolve().then(fn));
    }, ms);
    this.timers.add(t);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }

  private state(requestId: string): RequestState {
    const r = this.requests.find((x) => x.id === requestId);
    if (!r) throw new Error(`Unknown fal request ${requestId}`);
    return r as RequestState;
  }

  private nextSeq(): number {
    return ++this.seq;
  }
}

function outcomeOf(b: FalBehavior): Outcome {
  return b.error ? { error: b.error } : { output: b.output ?? imageOutput() };
}

/** Mirrors the client's parseEndpointId: owner/alias, plus a leading namespace for workflows/comfy. */
function appBase(appId: string): string {
  const parts = appId.split('/');
  return parts.slice(0, parts[0] === 'workflows' || parts[0] === 'comfy' ? 3 : 2).join('/');
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (requestId) headers['x-fal-request-id'] = requestId;
  res.writeHead(status, headers).end(JSON.stringify(body));
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
